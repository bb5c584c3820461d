import Crypto
import CryptoExtras
import Foundation
import PorticoCore

/// A key that verifies token signatures, with the algorithms it may verify.
///
/// Keys come only from configuration (inline, files) and the configured JWKS URL; a token's
/// own `jwk`, `jku`, `x5u` and `x5c` header parameters are never read.
struct VerificationKey: Sendable {
    /// The key material; its case fixes the key family.
    enum Material: Sendable {
        case hmac(SymmetricKey)
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case p521(P521.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)

        /// Whether the material may verify `algorithm`: HMAC secrets must be at least as long
        /// as the hash output (RFC 7518 §3.2), so a 32-byte secret serves HS256 only.
        func fits(_ algorithm: SigningAlgorithm) -> Bool {
            guard case .hmac(let key) = self else { return true }
            return key.bitCount >= algorithm.minimumSecretBits
        }

        var family: SigningAlgorithm.KeyFamily {
            switch self {
            case .hmac: .hmac
            case .rsa: .rsa
            case .p256: .p256
            case .p384: .p384
            case .p521: .p521
            case .ed25519: .ed25519
            }
        }
    }

    /// The key id tokens name in their `kid` header, if the key has one.
    let kid: String?
    /// The material.
    let material: Material
    /// The algorithms this key verifies: the key's family, narrowed by a declared `alg` and by
    /// the filter's `algorithms`.
    let algorithms: [SigningAlgorithm]

    /// A key for the algorithms of its family that are also in `allowed` (and equal to
    /// `declared`, when the key names its algorithm); nil if none remains.
    init?(kid: String?, material: Material, declared: SigningAlgorithm?, allowed: [SigningAlgorithm]) {
        let family = material.family
        let algorithms = allowed.filter {
            $0.keyFamily == family && (declared == nil || $0 == declared) && material.fits($0)
        }
        guard !algorithms.isEmpty else { return nil }
        self.kid = kid
        self.material = material
        self.algorithms = algorithms
    }

    /// Whether `signature` is `algorithm`'s signature of `input` under this key.
    ///
    /// A key never verifies an algorithm of another family: that pairing falls through to
    /// `false` whatever bytes the token holds.
    func verify(_ signature: [UInt8], of input: ArraySlice<UInt8>, algorithm: SigningAlgorithm) -> Bool {
        guard self.algorithms.contains(algorithm) else { return false }
        switch (algorithm, self.material) {
        case (.hs256, .hmac(let key)):
            return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key)
        case (.hs384, .hmac(let key)):
            return HMAC<SHA384>.isValidAuthenticationCode(signature, authenticating: input, using: key)
        case (.hs512, .hmac(let key)):
            return HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: input, using: key)
        case (.rs256, .rsa(let key)):
            return Self.rsa(key, signature, SHA256.hash(data: input), .insecurePKCS1v1_5)
        case (.rs384, .rsa(let key)):
            return Self.rsa(key, signature, SHA384.hash(data: input), .insecurePKCS1v1_5)
        case (.rs512, .rsa(let key)):
            return Self.rsa(key, signature, SHA512.hash(data: input), .insecurePKCS1v1_5)
        case (.ps256, .rsa(let key)):
            return Self.rsa(key, signature, SHA256.hash(data: input), .PSS)
        case (.ps384, .rsa(let key)):
            return Self.rsa(key, signature, SHA384.hash(data: input), .PSS)
        case (.ps512, .rsa(let key)):
            return Self.rsa(key, signature, SHA512.hash(data: input), .PSS)
        case (.es256, .p256(let key)):
            // JWS carries ECDSA signatures as fixed-size r‖s, which `rawRepresentation` is.
            guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: SHA256.hash(data: input))
        case (.es384, .p384(let key)):
            guard let parsed = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: SHA384.hash(data: input))
        case (.es512, .p521(let key)):
            guard let parsed = try? P521.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: SHA512.hash(data: input))
        case (.edDSA, .ed25519(let key)):
            return key.isValidSignature(signature, for: input)
        default:
            return false
        }
    }

    private static func rsa<D: Digest>(
        _ key: _RSA.Signing.PublicKey, _ signature: [UInt8], _ digest: D, _ padding: _RSA.Signing.Padding
    ) -> Bool {
        key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: padding)
    }
}

/// Why key material could not be read (messages never include the material itself).
struct KeyError: Error, Sendable, Equatable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}

extension VerificationKey.Material {
    /// The smallest HMAC secret accepted: RFC 7518 §3.2 asks for at least the hash size, and a
    /// shorter secret can be brute-forced from a single token.
    static let minimumSecretBytes = 32

    /// An HMAC secret.
    static func secret(_ bytes: [UInt8]) throws(KeyError) -> Self {
        guard bytes.count >= Self.minimumSecretBytes else {
            throw KeyError("the secret is \(bytes.count) bytes; HS algorithms need at least \(Self.minimumSecretBytes)")
        }
        if let text = String(validating: bytes, as: UTF8.self), text.contains("-----BEGIN") {
            // An HMAC key made of a PEM is the classic algorithm-confusion setup: refuse it.
            throw KeyError("the secret is a PEM document; give public keys as public_key, never as an HMAC secret")
        }
        return .hmac(SymmetricKey(data: bytes))
    }

    /// A public key in PEM form: RSA (2048 bits or more), EC P-256/P-384/P-521 or Ed25519.
    static func publicKey(pem: String) throws(KeyError) -> Self {
        if pem.contains("PRIVATE KEY-----") {
            throw KeyError("this is a private key; the gateway only needs the public key")
        }
        guard pem.contains("-----BEGIN") else { throw KeyError("not a PEM document (no -----BEGIN line)") }
        if let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) { return .rsa(key) }
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) { return .p256(key) }
        if let key = try? P384.Signing.PublicKey(pemRepresentation: pem) { return .p384(key) }
        if let key = try? P521.Signing.PublicKey(pemRepresentation: pem) { return .p521(key) }
        if let key = try? Curve25519.Signing.PublicKey(pemRepresentation: pem) { return .ed25519(key) }
        if let key = try? _RSA.Signing.PublicKey(unsafePEMRepresentation: pem) {
            throw KeyError("RSA keys need at least 2048 bits; this one has \(key.keySizeInBits)")
        }
        throw KeyError("not a public key of a supported type (RSA, EC P-256/P-384/P-521, Ed25519)")
    }

    /// A JSON Web Key (RFC 7517): `kty` RSA, EC, OKP (Ed25519) or, only when `allowSymmetric`
    /// (inline config, never a JWKS URL), `oct`.
    static func jwk(_ jwk: JSONValue, allowSymmetric: Bool) throws(KeyError) -> Self {
        func field(_ name: String) throws(KeyError) -> [UInt8] {
            guard let text = jwk[name]?.string else { throw KeyError("the JWK has no '\(name)'") }
            guard let bytes = Base64URL.decode(ArraySlice(text.utf8)) else {
                throw KeyError("the JWK's '\(name)' is not base64url")
            }
            return bytes
        }
        switch jwk["kty"]?.string {
        case "RSA":
            let modulus = try field("n")
            let exponent = try field("e")
            do {
                return .rsa(try _RSA.Signing.PublicKey(n: modulus, e: exponent))
            } catch {
                throw KeyError("the RSA JWK is not a valid key of at least 2048 bits")
            }
        case "EC":
            let x = try field("x")
            let y = try field("y")
            let raw = x + y
            do {
                switch jwk["crv"]?.string {
                case "P-256": return .p256(try P256.Signing.PublicKey(rawRepresentation: raw))
                case "P-384": return .p384(try P384.Signing.PublicKey(rawRepresentation: raw))
                case "P-521": return .p521(try P521.Signing.PublicKey(rawRepresentation: raw))
                default: throw KeyError("unsupported EC curve (P-256, P-384 and P-521 are)")
                }
            } catch let error as KeyError {
                throw error
            } catch {
                throw KeyError("the EC JWK's point is not on its curve")
            }
        case "OKP":
            guard jwk["crv"]?.string == "Ed25519" else { throw KeyError("unsupported OKP curve (Ed25519 is)") }
            do {
                return .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: try field("x")))
            } catch let error as KeyError {
                throw error
            } catch {
                throw KeyError("the Ed25519 JWK's 'x' is not a valid key")
            }
        case "oct" where allowSymmetric:
            return try .secret(try field("k"))
        case "oct":
            throw KeyError("symmetric (oct) keys are not accepted from a JWKS URL")
        case let type?:
            throw KeyError("unsupported key type '\(type)'")
        case nil:
            throw KeyError("the JWK has no 'kty'")
        }
    }
}

extension VerificationKey {
    /// The keys of a JWKS document (`{"keys": [...]}`) that fit `allowed`; keys of other
    /// types, for encryption (`use: enc`), or for algorithms not allowed are skipped, so
    /// one unusual key does not void the set. `skipped` counts them.
    static func keySet(
        _ document: JSONValue, allowed: [SigningAlgorithm], allowSymmetric: Bool
    ) throws(KeyError) -> (keys: [VerificationKey], skipped: Int) {
        guard case .array(let entries)? = document["keys"] else {
            throw KeyError("a JWKS document is an object with a 'keys' list")
        }
        var keys: [VerificationKey] = []
        var skipped = 0
        for entry in entries {
            if let key = try? Self.fromJWK(entry, allowed: allowed, allowSymmetric: allowSymmetric) {
                keys.append(key)
            } else {
                skipped += 1
            }
        }
        return (keys, skipped)
    }

    /// A key from one JWK, honouring its `kid`, `alg` and `use`.
    static func fromJWK(
        _ jwk: JSONValue, allowed: [SigningAlgorithm], allowSymmetric: Bool, kid overridingKid: String? = nil
    ) throws(KeyError) -> VerificationKey {
        guard case .object = jwk else { throw KeyError("a JWK is a JSON object") }
        if let use = jwk["use"]?.string, use != "sig" { throw KeyError("the JWK is for '\(use)', not signatures") }
        var declared: SigningAlgorithm?
        if let alg = jwk["alg"]?.string {
            guard let algorithm = SigningAlgorithm(rawValue: alg) else {
                throw KeyError("the JWK's algorithm '\(alg)' is not supported")
            }
            declared = algorithm
        }
        let material = try VerificationKey.Material.jwk(jwk, allowSymmetric: allowSymmetric)
        let kid = overridingKid ?? jwk["kid"]?.string
        guard let key = VerificationKey(kid: kid, material: material, declared: declared, allowed: allowed) else {
            throw KeyError("the key fits none of the configured algorithms")
        }
        return key
    }
}
