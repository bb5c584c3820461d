import Foundation
import NIOCore
import PorticoCore
import PorticoHTTP

extension JWTFilter {
    /// The filter's configuration (`type: jwt`). See docs/configuration.md for every key.
    public struct Configuration: FilterConfiguration {
        public static let typeName = "jwt"

        /// Accepted signature algorithms (required). Tokens with any other `alg`, and `none`
        /// always, are refused.
        public var algorithms: [SigningAlgorithm]
        /// Keys given in the config (inline or from files).
        public var keys: [Key]
        /// A JWKS endpoint (`https://idp/.well-known/jwks.json`); keys from it verify
        /// asymmetric algorithms only.
        public var jwksURL: String?
        /// How often the JWKS is fetched again (default 5m).
        public var jwksRefresh: TimeAmount
        /// Unknown-`kid` refetches happen at most this often (default 30s).
        public var jwksMinRefetchInterval: TimeAmount
        /// Timeout of one JWKS fetch (default 10s).
        public var jwksTimeout: TimeAmount
        /// Accepted `iss` values; empty accepts any.
        public var issuers: [String]
        /// Accepted `aud` values; empty accepts any.
        public var audiences: [String]
        /// Clock skew allowed on `exp`, `nbf`, `iat` (default 30s).
        public var leeway: TimeAmount
        /// Claims that must be present (dotted paths allowed).
        public var requiredClaims: [String]
        /// Roles of which the token needs one (or all, with `rolesMatch = .all`); else 403.
        public var requiredRoles: [String]
        /// Where the roles are (default `roles`; e.g. `realm_access.roles`).
        public var rolesClaim: String
        /// Whether any (default) or all of `requiredRoles` are needed.
        public var rolesMatchAll: Bool
        /// Scopes the token needs, all of them; else 403.
        public var requiredScopes: [String]
        /// Where the scopes are (default `scope`, space-separated or a list).
        public var scopesClaim: String
        /// Claim → upstream header (`sub: X-User-Id`); the header is removed from the upstream
        /// request when the token lacks the claim, so clients cannot supply it themselves.
        public var forwardClaims: [String: String]
        /// The claim that becomes the request's consumer (default `sub`).
        public var consumerClaim: String
        /// The header carrying the token (default `Authorization`, as `Bearer <token>`).
        public var header: String
        /// A cookie carrying the token, tried after the header.
        public var cookie: String?
        /// A query parameter carrying the token, tried last.
        public var query: String?
        /// The realm in `WWW-Authenticate` (default `portico`).
        public var realm: String
        /// Verified tokens kept per event loop (default 10000; 0 turns the cache off).
        public var cacheSize: Int
        /// Longest time a verified token is reused without re-verification (default 5m).
        public var cacheTTL: TimeAmount

        /// One configured key: exactly one of `secret`, `publicKey`, `jwk`, `file`.
        public struct Key: Sendable, Decodable {
            /// The `kid` tokens name; without one, the key is a fallback for any `kid`.
            public var kid: String?
            /// Restricts the key to one algorithm.
            public var algorithm: SigningAlgorithm?
            /// An HMAC secret (HS algorithms), at least 32 bytes.
            public var secret: String?
            /// Whether `secret` is base64 (or base64url) text.
            public var secretIsBase64: Bool
            /// A PEM public key (RSA ≥ 2048 bits, EC P-256/384/521, Ed25519).
            public var publicKey: String?
            /// A JWK as JSON text.
            public var jwk: String?
            /// A file (relative to the config file) holding a PEM public key, a JWK or a JWKS.
            public var file: String?

            /// A key; give exactly one source.
            public init(
                kid: String? = nil, algorithm: SigningAlgorithm? = nil, secret: String? = nil,
                secretIsBase64: Bool = false, publicKey: String? = nil, jwk: String? = nil, file: String? = nil
            ) {
                self.kid = kid
                self.algorithm = algorithm
                self.secret = secret
                self.secretIsBase64 = secretIsBase64
                self.publicKey = publicKey
                self.jwk = jwk
                self.file = file
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case kid, algorithm, secret, file, jwk
                case secretIsBase64 = "secret_is_base64"
                case publicKey = "public_key"
            }

            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                self.kid = try container.decodeIfPresent(String.self, forKey: .kid)
                self.algorithm = try container.decodeIfPresent(String.self, forKey: .algorithm).map {
                    try Configuration.algorithm($0, key: "algorithm")
                }
                self.secret = try container.decodeIfPresent(String.self, forKey: .secret)
                self.secretIsBase64 = try container.decodeIfPresent(Bool.self, forKey: .secretIsBase64) ?? false
                self.publicKey = try container.decodeIfPresent(String.self, forKey: .publicKey)
                self.file = try container.decodeIfPresent(String.self, forKey: .file)
                if let jwk = try container.decodeIfPresent(ConfigJSON.self, forKey: .jwk) {
                    switch jwk.value {
                    case .string(let text): self.jwk = text
                    case let object: self.jwk = object.jsonText
                    }
                } else {
                    self.jwk = nil
                }
                let given = [self.secret, self.publicKey, self.jwk, self.file].compactMap { $0 }.count
                guard given == 1 else {
                    throw ConfigIssue(
                        given == 0 ? "a key needs a secret, public_key, jwk or file" : "give only one key source",
                        hint: "one of secret, public_key, jwk, file"
                    )
                }
                if self.secretIsBase64 && self.secret == nil {
                    throw ConfigIssue("secret_is_base64 applies to secret only", key: "secret_is_base64")
                }
                if let kid = self.kid, kid.isEmpty { throw ConfigIssue("kid is empty", key: "kid") }
            }
        }

        /// A configuration; `algorithms` and a key source (`keys` or `jwksURL`) are required.
        public init(
            algorithms: [SigningAlgorithm],
            keys: [Key] = [],
            jwksURL: String? = nil,
            jwksRefresh: TimeAmount = .minutes(5),
            jwksMinRefetchInterval: TimeAmount = .seconds(30),
            jwksTimeout: TimeAmount = .seconds(10),
            issuers: [String] = [],
            audiences: [String] = [],
            leeway: TimeAmount = .seconds(30),
            requiredClaims: [String] = [],
            requiredRoles: [String] = [],
            rolesClaim: String = "roles",
            rolesMatchAll: Bool = false,
            requiredScopes: [String] = [],
            scopesClaim: String = "scope",
            forwardClaims: [String: String] = [:],
            consumerClaim: String = "sub",
            header: String = "Authorization",
            cookie: String? = nil,
            query: String? = nil,
            realm: String = "portico",
            cacheSize: Int = 10_000,
            cacheTTL: TimeAmount = .minutes(5)
        ) {
            self.algorithms = algorithms
            self.keys = keys
            self.jwksURL = jwksURL
            self.jwksRefresh = jwksRefresh
            self.jwksMinRefetchInterval = jwksMinRefetchInterval
            self.jwksTimeout = jwksTimeout
            self.issuers = issuers
            self.audiences = audiences
            self.leeway = leeway
            self.requiredClaims = requiredClaims
            self.requiredRoles = requiredRoles
            self.rolesClaim = rolesClaim
            self.rolesMatchAll = rolesMatchAll
            self.requiredScopes = requiredScopes
            self.scopesClaim = scopesClaim
            self.forwardClaims = forwardClaims
            self.consumerClaim = consumerClaim
            self.header = header
            self.cookie = cookie
            self.query = query
            self.realm = realm
            self.cacheSize = cacheSize
            self.cacheTTL = cacheTTL
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case algorithms, keys, issuer, audience, leeway, header, cookie, query, realm
            case jwksURL = "jwks_url"
            case jwksRefresh = "jwks_refresh"
            case jwksMinRefetchInterval = "jwks_min_refetch_interval"
            case jwksTimeout = "jwks_timeout"
            case requiredClaims = "required_claims"
            case requiredRoles = "required_roles"
            case rolesClaim = "roles_claim"
            case rolesMatch = "roles_match"
            case requiredScopes = "required_scopes"
            case scopesClaim = "scopes_claim"
            case forwardClaims = "forward_claims"
            case consumerClaim = "consumer_claim"
            case cacheSize = "cache_size"
            case cacheTTL = "cache_ttl"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let algorithmNames = try container.decode([String].self, forKey: .algorithms)
            var algorithms: [SigningAlgorithm] = []
            for name in algorithmNames {
                let algorithm = try Self.algorithm(name, key: "algorithms")
                if !algorithms.contains(algorithm) { algorithms.append(algorithm) }
            }
            func duration(_ key: CodingKeys, default value: TimeAmount) throws -> TimeAmount {
                guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return value }
                return try Self.duration(text, key: key.stringValue)
            }
            self.init(
                algorithms: algorithms,
                keys: try container.decodeIfPresent([Key].self, forKey: .keys) ?? [],
                jwksURL: try container.decodeIfPresent(String.self, forKey: .jwksURL),
                jwksRefresh: try duration(.jwksRefresh, default: .minutes(5)),
                jwksMinRefetchInterval: try duration(.jwksMinRefetchInterval, default: .seconds(30)),
                jwksTimeout: try duration(.jwksTimeout, default: .seconds(10)),
                issuers: try container.decodeIfPresent(StringOrList.self, forKey: .issuer)?.values ?? [],
                audiences: try container.decodeIfPresent(StringOrList.self, forKey: .audience)?.values ?? [],
                leeway: try duration(.leeway, default: .seconds(30)),
                requiredClaims: try container.decodeIfPresent([String].self, forKey: .requiredClaims) ?? [],
                requiredRoles: try container.decodeIfPresent([String].self, forKey: .requiredRoles) ?? [],
                rolesClaim: try container.decodeIfPresent(String.self, forKey: .rolesClaim) ?? "roles",
                rolesMatchAll: false,
                requiredScopes: try container.decodeIfPresent([String].self, forKey: .requiredScopes) ?? [],
                scopesClaim: try container.decodeIfPresent(String.self, forKey: .scopesClaim) ?? "scope",
                forwardClaims: try container.decodeIfPresent([String: String].self, forKey: .forwardClaims) ?? [:],
                consumerClaim: try container.decodeIfPresent(String.self, forKey: .consumerClaim) ?? "sub",
                header: try container.decodeIfPresent(String.self, forKey: .header) ?? "Authorization",
                cookie: try container.decodeIfPresent(String.self, forKey: .cookie),
                query: try container.decodeIfPresent(String.self, forKey: .query),
                realm: try container.decodeIfPresent(String.self, forKey: .realm) ?? "portico",
                cacheSize: try container.decodeIfPresent(Int.self, forKey: .cacheSize) ?? 10_000,
                cacheTTL: try duration(.cacheTTL, default: .minutes(5))
            )
            if let match = try container.decodeIfPresent(String.self, forKey: .rolesMatch) {
                guard let parsed = TokenPolicy.Match(rawValue: match) else {
                    throw ConfigIssue("roles_match is 'any' or 'all', not '\(match)'", key: "roles_match")
                }
                self.rolesMatchAll = parsed == .all
            }
            try self.validate()
        }

        /// Checks what does not need files: throws ``ConfigIssue`` at the offending key.
        func validate() throws(ConfigIssue) {
            guard !self.algorithms.isEmpty else {
                throw ConfigIssue("algorithms is empty", key: "algorithms", hint: "e.g. algorithms: [RS256]")
            }
            guard !self.keys.isEmpty || self.jwksURL != nil else {
                throw ConfigIssue(
                    "a jwt filter needs keys or a jwks_url",
                    hint: "e.g. jwks_url: https://idp.example.com/.well-known/jwks.json"
                )
            }
            if let url = self.jwksURL {
                let lowered = url.lowercased()
                guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://"),
                    url.split(separator: "/", omittingEmptySubsequences: true).count >= 2
                else {
                    throw ConfigIssue(
                        "jwks_url must be an http(s) URL", key: "jwks_url",
                        hint: "e.g. https://idp.example.com/.well-known/jwks.json")
                }
                // HS keys never come from a URL: an HS-only filter with a JWKS could verify nothing.
                if self.keys.isEmpty && self.algorithms.allSatisfy({ $0.keyFamily == .hmac }) {
                    throw ConfigIssue(
                        "HS algorithms need a secret under keys; a JWKS URL never supplies symmetric keys",
                        key: "algorithms")
                }
            }
            for (key, value) in [
                ("jwks_refresh", self.jwksRefresh), ("jwks_min_refetch_interval", self.jwksMinRefetchInterval),
                ("jwks_timeout", self.jwksTimeout), ("cache_ttl", self.cacheTTL),
            ] where value <= .zero {
                throw ConfigIssue("\(key) must be more than 0", key: key)
            }
            guard self.leeway >= .zero else { throw ConfigIssue("leeway must not be negative", key: "leeway") }
            guard self.cacheSize >= 0 && self.cacheSize <= 10_000_000 else {
                throw ConfigIssue(
                    "cache_size must be between 0 and 10000000", key: "cache_size", hint: "0 turns the cache off")
            }
            guard HTTPSyntax.isValidFieldName(self.header) else {
                throw ConfigIssue("'\(self.header)' is not a valid header name", key: "header")
            }
            if let cookie = self.cookie, cookie.isEmpty || !cookie.utf8.allSatisfy(HTTPSyntax.isTokenByte) {
                throw ConfigIssue("'\(cookie)' is not a valid cookie name", key: "cookie")
            }
            if let query = self.query, query.isEmpty {
                throw ConfigIssue("query names the parameter carrying the token; it is empty", key: "query")
            }
            guard !self.realm.isEmpty,
                self.realm.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C })
            else {
                throw ConfigIssue("realm must be printable ASCII without quotes or backslashes", key: "realm")
            }
            for (key, claims) in [
                ("required_claims", self.requiredClaims), ("roles_claim", [self.rolesClaim]),
                ("scopes_claim", [self.scopesClaim]), ("consumer_claim", [self.consumerClaim]),
                ("forward_claims", Array(self.forwardClaims.keys)),
            ] {
                for claim in claims where claim.isEmpty || !HTTPSyntax.isValidFieldValue(claim) {
                    throw ConfigIssue("'\(claim)' is not a valid claim name", key: key)
                }
            }
            for (key, list) in [
                ("required_roles", self.requiredRoles), ("required_scopes", self.requiredScopes),
            ] where list.contains(where: \.isEmpty) {
                throw ConfigIssue("\(key) contains an empty value", key: key)
            }
            for (claim, header) in self.forwardClaims {
                guard HTTPSyntax.isValidFieldName(header) else {
                    throw ConfigIssue(
                        "'\(header)' (for claim '\(claim)') is not a valid header name", key: "forward_claims")
                }
                if HopByHop.isAlwaysStripped(header) || HTTPSyntax.equalsCaseInsensitive(header, "content-length")
                    || HTTPSyntax.equalsCaseInsensitive(header, "host")
                {
                    throw ConfigIssue(
                        "'\(header)' is managed by the proxy and cannot carry a claim", key: "forward_claims")
                }
            }
            let headers = self.forwardClaims.values.map { $0.lowercased() }
            if Set(headers).count != headers.count {
                throw ConfigIssue("two claims are forwarded in the same header", key: "forward_claims")
            }
        }

        public func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            JWTFilter(
                configuration: self, name: context.name,
                keys: try self.loadKeys(baseDirectory: context.baseDirectory),
                fetcher: KeyStore.httpFetcher(timeout: self.jwksTimeout)
            )
        }

        // MARK: Keys

        /// The configured keys, with files read relative to `baseDirectory`.
        func loadKeys(baseDirectory: String) throws(ConfigIssue) -> [VerificationKey] {
            var result: [VerificationKey] = []
            for (index, key) in self.keys.enumerated() {
                do throws(KeyError) {
                    result += try self.load(key, baseDirectory: baseDirectory)
                } catch {
                    throw ConfigIssue("keys[\(index)]: \(error.message)", key: "keys")
                }
            }
            for algorithm in self.algorithms {
                let served = result.contains { $0.algorithms.contains(algorithm) }
                if !served && (algorithm.keyFamily == .hmac || self.jwksURL == nil) {
                    throw ConfigIssue(
                        "no configured key can verify \(algorithm.rawValue)",
                        key: "algorithms",
                        hint: algorithm.keyFamily == .hmac
                            ? "add a key with a secret (a JWKS URL never supplies symmetric keys)"
                            : "add a matching public key, or a jwks_url"
                    )
                }
            }
            return result
        }

        private func load(_ key: Key, baseDirectory: String) throws(KeyError) -> [VerificationKey] {
            if let declared = key.algorithm, !self.algorithms.contains(declared) {
                throw KeyError("algorithm \(declared.rawValue) is not in algorithms")
            }
            if let secret = key.secret {
                let bytes: [UInt8]
                if key.secretIsBase64 {
                    guard let decoded = Self.base64(secret) else { throw KeyError("secret is not valid base64") }
                    bytes = decoded
                } else {
                    bytes = Array(secret.utf8)
                }
                return [try self.key(kid: key.kid, declared: key.algorithm, material: .secret(bytes))]
            }
            if let pem = key.publicKey {
                return [try self.key(kid: key.kid, declared: key.algorithm, material: .publicKey(pem: pem))]
            }
            if let jwk = key.jwk {
                guard let document = JSONReader.parseJOSE(jwk) else { throw KeyError("jwk is not valid JSON") }
                return [try self.jwkKey(document, kid: key.kid, declared: key.algorithm)]
            }
            guard let file = key.file else { throw KeyError("the key has no source") }
            let path = file.hasPrefix("/") || baseDirectory.isEmpty ? file : baseDirectory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KeyError("cannot read file '\(file)'")
            }
            let text = String(decoding: data, as: UTF8.self)
            if text.contains("-----BEGIN") {
                return [try self.key(kid: key.kid, declared: key.algorithm, material: .publicKey(pem: text))]
            }
            guard let document = JSONReader.parseJOSE(Array(data)) else {
                throw KeyError("file '\(file)' is neither a PEM public key nor JSON (a JWK or a JWKS)")
            }
            if document["keys"] != nil {
                guard key.kid == nil && key.algorithm == nil else {
                    throw KeyError("file '\(file)' is a JWKS: its keys carry their own kid and alg")
                }
                let (keys, skipped) = try VerificationKey.keySet(
                    document, allowed: self.algorithms, allowSymmetric: true)
                guard !keys.isEmpty else {
                    throw KeyError("the JWKS in '\(file)' has no key usable with algorithms (\(skipped) skipped)")
                }
                return keys
            }
            return [try self.jwkKey(document, kid: key.kid, declared: key.algorithm)]
        }

        private func key(
            kid: String?, declared: SigningAlgorithm?, material: VerificationKey.Material
        ) throws(KeyError) -> VerificationKey {
            guard let key = VerificationKey(kid: kid, material: material, declared: declared, allowed: self.algorithms)
            else {
                let family = SigningAlgorithm.algorithms(of: material.family).map(\.rawValue).joined(separator: ", ")
                if let declared, !material.fits(declared) {
                    throw KeyError(
                        "\(declared.rawValue) needs a secret of at least \(declared.minimumSecretBits / 8) bytes")
                }
                if declared == nil, material.family == .hmac {
                    throw KeyError(
                        "the secret is too short for the HS algorithms configured (HS384 needs 48 bytes, HS512 64)")
                }
                if let declared {
                    throw KeyError("this key cannot verify \(declared.rawValue) (it suits \(family))")
                }
                throw KeyError("this key suits \(family), none of which is in algorithms")
            }
            return key
        }

        private func jwkKey(_ document: JSONValue, kid: String?, declared: SigningAlgorithm?) throws(KeyError)
            -> VerificationKey
        {
            let key = try VerificationKey.fromJWK(
                document, allowed: self.algorithms, allowSymmetric: true, kid: kid)
            if let declared {
                guard key.algorithms.contains(declared) else {
                    throw KeyError("this key cannot verify \(declared.rawValue)")
                }
                return VerificationKey(
                    kid: key.kid, material: key.material, declared: declared, allowed: key.algorithms)!
            }
            return key
        }

        /// Standard or URL-safe base64, padded or not.
        static func base64(_ text: String) -> [UInt8]? {
            var bytes: [UInt8] = []
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "+"): bytes.append(UInt8(ascii: "-"))
                case UInt8(ascii: "/"): bytes.append(UInt8(ascii: "_"))
                case UInt8(ascii: "="), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: " "): continue
                default: bytes.append(byte)
                }
            }
            return Base64URL.decode(bytes[...])
        }

        // MARK: Values

        static func algorithm(_ name: String, key: String) throws(ConfigIssue) -> SigningAlgorithm {
            if let algorithm = SigningAlgorithm(rawValue: name) { return algorithm }
            if name.lowercased() == "none" {
                throw ConfigIssue("'none' (unsigned tokens) is never accepted", key: key)
            }
            if let algorithm = SigningAlgorithm.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() })
            {
                throw ConfigIssue("unknown algorithm '\(name)' (did you mean '\(algorithm.rawValue)'?)", key: key)
            }
            throw ConfigIssue(
                "unknown algorithm '\(name)'", key: key,
                hint: "one of \(SigningAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
        }

        /// `500ms`, `30s`, `5m`, `1h`, `1.5s`, `1m30s` (PorticoConfig's `ConfigDuration` is not
        /// reachable from here: this module depends on PorticoCore only).
        static func duration(_ text: String, key: String) throws(ConfigIssue) -> TimeAmount {
            let example = "e.g. 500ms, 30s, 5m or 1h"
            var rest = Substring(text)
            var total: Double = 0
            guard !rest.isEmpty else { throw ConfigIssue("expected a duration, found an empty value", key: key) }
            while !rest.isEmpty {
                let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
                rest = rest.dropFirst(number.count)
                let unit = rest.prefix { $0.isASCII && $0.isLetter }
                rest = rest.dropFirst(unit.count)
                guard let value = Double(number), !number.isEmpty else {
                    throw ConfigIssue("'\(text)' is not a duration", key: key, hint: example)
                }
                let scale: Double
                switch unit {
                case "ms": scale = 1e6
                case "s": scale = 1e9
                case "m": scale = 60e9
                case "h": scale = 3600e9
                case "": throw ConfigIssue("duration '\(text)' has no unit", key: key, hint: example)
                default: throw ConfigIssue("unknown unit '\(unit)' in duration '\(text)'", key: key, hint: example)
                }
                total += value * scale
            }
            guard total < 1e18 else { throw ConfigIssue("duration '\(text)' is too large", key: key) }
            return .nanoseconds(Int64(total))
        }
    }
}

extension KeyError: CustomStringConvertible {
    var description: String { self.message }
}

/// A string or a list of strings (`issuer: a` or `issuer: [a, b]`).
private struct StringOrList: Decodable {
    let values: [String]

    init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var values: [String] = []
            while !list.isAtEnd { values.append(try list.decode(String.self)) }
            self.values = values
        } else {
            self.values = [try decoder.singleValueContainer().decode(String.self)]
        }
        if self.values.isEmpty || self.values.contains(where: \.isEmpty) {
            throw ConfigIssue("expected a non-empty value or list")
        }
    }
}

/// Any config value as JSON (an inline `jwk` written as a YAML mapping); scalars are strings.
private struct ConfigJSON: Decodable {
    let value: JSONValue

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }

        init(stringValue: String) {
            self.stringValue = stringValue
        }

        init?(intValue: Int) {
            return nil
        }
    }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys {
                members[key.stringValue] = try object.decode(ConfigJSON.self, forKey: key).value
            }
            self.value = .object(members)
        } else if var list = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !list.isAtEnd { elements.append(try list.decode(ConfigJSON.self).value) }
            self.value = .array(elements)
        } else {
            self.value = .string(try decoder.singleValueContainer().decode(String.self))
        }
    }
}
