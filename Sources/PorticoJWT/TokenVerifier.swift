import PorticoCore
import PorticoHTTP

/// What a token must satisfy besides its signature, and what to take out of it.
struct TokenPolicy: Sendable {
    /// How required roles combine.
    enum Match: String, Sendable, CaseIterable {
        /// Any one of the listed values suffices.
        case any
        /// Every listed value is needed.
        case all
    }

    var algorithms: [SigningAlgorithm]
    /// Accepted `iss` values; empty accepts any.
    var issuers: [String] = []
    /// Accepted `aud` values (one must appear in the token's); empty accepts any.
    var audiences: [String] = []
    /// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
    var leeway: Double = 30
    /// Claims that must be present (not null).
    var requiredClaims: [ClaimPath] = []
    var requiredRoles: [String] = []
    var rolesClaim = ClaimPath("roles")
    var rolesMatch = Match.any
    var requiredScopes: [String] = []
    var scopesClaim = ClaimPath("scope")
    /// The claim that names the consumer.
    var consumerClaim = ClaimPath("sub")
    /// Claims rendered into `jwt.<path>` values for forwarding (beyond top-level scalars).
    var forwardedClaims: [ClaimPath] = []
}

/// A token whose signature and claims were accepted (authorisation may still have failed).
struct VerifiedToken: Sendable {
    /// The consumer claim's value.
    var consumer: String?
    /// `jwt.<claim>` → text, for later filters and forwarding.
    var values: [String: String]
    /// `exp` plus leeway (Unix seconds): no use of the token after this.
    var usableUntil: Double?
    /// Set when a required role or scope is missing (a 403, not a 401).
    var insufficient: Insufficient?

    /// A failed role or scope requirement.
    struct Insufficient: Sendable, Equatable {
        var description: String
        /// The scopes required, for the `scope` attribute of `WWW-Authenticate`.
        var scopes: [String]
    }
}

/// The outcome of verifying one token.
enum Verification: Sendable {
    /// Signature and claims are good.
    case accepted(VerifiedToken)
    /// Not acceptable; the text is the `error_description` (never token content).
    case rejected(String)
    /// The token names a `kid` no current key has (and passes the checks that need no key):
    /// a JWKS refetch may find it.
    case unknownKid
}

/// Parses and verifies compact-serialised JWS tokens (RFC 7515, 7519) synchronously, on the
/// event loop, with swift-crypto: no async hop and no Foundation JSON. Runs on cache misses.
struct TokenVerifier: Sendable {
    /// Tokens longer than this are refused before any work (headers are bounded anyway).
    static let maxTokenBytes = 16 * 1024

    let policy: TokenPolicy

    /// Verifies `token` against `keys` at Unix time `now`.
    func verify(_ token: Substring, keys: KeySet, now: Double) -> Verification {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maxTokenBytes else { return .rejected("token too large") }
        guard let firstDot = bytes.firstIndex(of: UInt8(ascii: ".")),
            let secondDot = bytes[(firstDot + 1)...].firstIndex(of: UInt8(ascii: ".")),
            !bytes[(secondDot + 1)...].contains(UInt8(ascii: "."))
        else { return .rejected("malformed token") }

        guard let headerBytes = Base64URL.decode(bytes[..<firstDot]),
            case .object(let header)? = JSONReader.parseJOSE(headerBytes)
        else { return .rejected("malformed token header") }
        guard case .string(let alg)? = header["alg"] else { return .rejected("malformed token header") }
        guard let algorithm = SigningAlgorithm(rawValue: alg) else {
            return .rejected(alg.lowercased() == "none" ? "unsigned tokens are not accepted" : "algorithm not allowed")
        }
        guard self.policy.algorithms.contains(algorithm) else { return .rejected("algorithm not allowed") }
        // RFC 7515 §4.1.11: extensions marked critical must be understood; none are.
        guard header["crit"] == nil else { return .rejected("unsupported critical header parameter") }
        // `jku`, `x5u`, `jwk` and `x5c` are never read: keys come from configuration only.
        var kid: String?
        switch header["kid"] {
        case nil: kid = nil
        case .string(let text)?: kid = text
        default: return .rejected("malformed token header")
        }

        guard let payloadBytes = Base64URL.decode(bytes[(firstDot + 1)..<secondDot]),
            let payload = JSONReader.parseJOSE(payloadBytes), case .object = payload
        else { return .rejected("malformed token payload") }
        guard let signature = Base64URL.decode(bytes[(secondDot + 1)...]), !signature.isEmpty else {
            return .rejected("malformed token signature")
        }

        let candidates: [VerificationKey]
        let kidMatched: Bool
        switch keys.keys(for: algorithm, kid: kid) {
        case .found(let found, let matched):
            candidates = found
            kidMatched = matched
        case .unknownKid:
            // Check what needs no key first: an expired token is not worth a JWKS fetch.
            if let failure = self.checkClaims(payload, now: now) { return .rejected(failure) }
            return .unknownKid
        case .ambiguous:
            return .rejected("token has no kid and several keys fit")
        case .none:
            return .rejected("no key for the token's algorithm")
        }
        let signingInput = bytes[..<secondDot]
        guard candidates.contains(where: { $0.verify(signature, of: signingInput, algorithm: algorithm) }) else {
            if kid != nil && !kidMatched, self.checkClaims(payload, now: now) == nil {
                // Only kid-less fallback keys were tried: the named key may be new in the JWKS.
                return .unknownKid
            }
            return .rejected("invalid signature")
        }
        if let failure = self.checkClaims(payload, now: now) { return .rejected(failure) }
        return .accepted(self.verified(payload))
    }

    /// The first failed claim check (time, issuer, audience, required claims), if any.
    func checkClaims(_ payload: JSONValue, now: Double) -> String? {
        let leeway = self.policy.leeway
        switch self.time(payload, "exp") {
        case .invalid: return "malformed exp claim"
        case .value(let exp) where now >= exp + leeway: return "token expired"
        default: break
        }
        switch self.time(payload, "nbf") {
        case .invalid: return "malformed nbf claim"
        case .value(let nbf) where now + leeway < nbf: return "token not yet valid"
        default: break
        }
        switch self.time(payload, "iat") {
        case .invalid: return "malformed iat claim"
        case .value(let iat) where now + leeway < iat: return "token issued in the future"
        default: break
        }
        if !self.policy.issuers.isEmpty {
            guard let issuer = payload["iss"]?.string, self.policy.issuers.contains(issuer) else {
                return "wrong issuer"
            }
        }
        if !self.policy.audiences.isEmpty {
            let audiences: [String]
            switch payload["aud"] {
            case .string(let single)?: audiences = [single]
            case .array(let list)?: audiences = list.compactMap(\.string)
            default: audiences = []
            }
            guard audiences.contains(where: { self.policy.audiences.contains($0) }) else { return "wrong audience" }
        }
        for claim in self.policy.requiredClaims {
            guard let value = payload.value(at: claim), value != .null else {
                return "missing required claim \(claim.name)"
            }
        }
        return nil
    }

    private enum TimeClaim {
        case absent
        case value(Double)
        case invalid
    }

    /// A NumericDate claim (RFC 7519 §2: seconds, possibly fractional).
    private func time(_ payload: JSONValue, _ name: String) -> TimeClaim {
        switch payload[name] {
        case nil, .null?: .absent
        case .number(let number)?: .value(number.double)
        default: .invalid
        }
    }

    /// What an accepted token gives the request: consumer, values, authorisation.
    func verified(_ payload: JSONValue) -> VerifiedToken {
        var values: [String: String] = [:]
        if case .object(let members) = payload {
            for (name, value) in members {
                // Values end up in headers and logs: control characters never pass.
                if let text = value.scalarText, HTTPSyntax.isValidFieldValue(text) {
                    values["jwt." + name] = text
                }
            }
        }
        for claim in self.policy.forwardedClaims where values["jwt." + claim.name] == nil {
            if let text = payload.value(at: claim).flatMap(Self.headerText), HTTPSyntax.isValidFieldValue(text) {
                values["jwt." + claim.name] = text
            }
        }
        var usableUntil: Double?
        if let exp = payload["exp"]?.double { usableUntil = exp + self.policy.leeway }
        return VerifiedToken(
            consumer: payload.value(at: self.policy.consumerClaim)?.scalarText.flatMap {
                HTTPSyntax.isValidFieldValue($0) ? $0 : nil
            },
            values: values,
            usableUntil: usableUntil,
            insufficient: self.authorisation(payload)
        )
    }

    /// A claim as header text: scalars as written, lists of scalars comma-separated, anything
    /// else as compact JSON.
    static func headerText(_ value: JSONValue) -> String? {
        if let text = value.scalarText { return text }
        if case .array(let elements) = value {
            let texts = elements.compactMap(\.scalarText)
            if texts.count == elements.count { return texts.joined(separator: ",") }
        }
        if case .null = value { return nil }
        return value.jsonText
    }

    /// The values of a roles or scopes claim: a list of strings, or one space-separated string
    /// (OAuth's `scope`).
    static func strings(_ value: JSONValue?) -> [String] {
        switch value {
        case .array(let elements)?: elements.compactMap(\.string)
        case .string(let text)?: text.split(separator: " ").map(String.init)
        default: []
        }
    }

    /// The failed role or scope requirement, if any.
    private func authorisation(_ payload: JSONValue) -> VerifiedToken.Insufficient? {
        if !self.policy.requiredRoles.isEmpty {
            let roles = Self.strings(payload.value(at: self.policy.rolesClaim))
            let satisfied =
                switch self.policy.rolesMatch {
                case .any: self.policy.requiredRoles.contains { roles.contains($0) }
                case .all: self.policy.requiredRoles.allSatisfy { roles.contains($0) }
                }
            if !satisfied { return .init(description: "missing required role", scopes: []) }
        }
        if !self.policy.requiredScopes.isEmpty {
            let scopes = Self.strings(payload.value(at: self.policy.scopesClaim))
            if !self.policy.requiredScopes.allSatisfy({ scopes.contains($0) }) {
                return .init(description: "missing required scope", scopes: self.policy.requiredScopes)
            }
        }
        return nil
    }
}
