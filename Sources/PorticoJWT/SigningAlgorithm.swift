/// A JWS signature algorithm (RFC 7518 §3, RFC 8037 for EdDSA) the filter can verify.
///
/// `none` is deliberately not a case: an unsigned token can never be accepted.
public enum SigningAlgorithm: String, Sendable, Hashable, CaseIterable {
    case hs256 = "HS256"
    case hs384 = "HS384"
    case hs512 = "HS512"
    case rs256 = "RS256"
    case rs384 = "RS384"
    case rs512 = "RS512"
    case ps256 = "PS256"
    case ps384 = "PS384"
    case ps512 = "PS512"
    case es256 = "ES256"
    case es384 = "ES384"
    case es512 = "ES512"
    case edDSA = "EdDSA"

    /// The kind of key an algorithm needs. A key verifies only algorithms of its own family,
    /// which is what rules out algorithm confusion (an HS token "signed" with the bytes of an
    /// RSA public key never meets that key as an HMAC secret).
    enum KeyFamily: Sendable, Hashable {
        case hmac
        case rsa
        case p256
        case p384
        case p521
        case ed25519
    }

    /// The key family this algorithm needs.
    var keyFamily: KeyFamily {
        switch self {
        case .hs256, .hs384, .hs512: .hmac
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: .rsa
        case .es256: .p256
        case .es384: .p384
        case .es512: .p521
        case .edDSA: .ed25519
        }
    }

    /// The shortest HMAC secret for an HS algorithm: its hash output (RFC 7518 §3.2).
    var minimumSecretBits: Int {
        switch self {
        case .hs384: 384
        case .hs512: 512
        default: 256
        }
    }

    /// The algorithms of `family`.
    static func algorithms(of family: KeyFamily) -> [SigningAlgorithm] {
        Self.allCases.filter { $0.keyFamily == family }
    }
}
