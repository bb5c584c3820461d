import Foundation
import Logging
import NIOCore
import PorticoCore
import PorticoHTTP

/// `jwt` (SPEC F-40): admits requests carrying a valid JSON Web Token.
///
/// ```yaml
/// jwt-users:
///   type: jwt
///   algorithms: [RS256]
///   jwks_url: https://idp/.well-known/jwks.json
///   issuer: https://idp
///   audience: users
///   required_roles: [admin]
///   roles_claim: realm_access.roles
///   forward_claims: { sub: X-User-Id }
/// ```
///
/// - A missing or invalid token is a 401 with `WWW-Authenticate: Bearer` (RFC 6750); a valid
///   token without the required roles or scopes is a 403 (`insufficient_scope`).
/// - A valid token sets the consumer (its `sub`, unless a filter set one) and the values
///   `jwt.<claim>` for every top-level string, number and boolean claim (rate-limit keys,
///   header templates such as `${jwt.sub}`), and its `forward_claims` go upstream as headers.
/// - Verified tokens are cached per event loop, keyed by the token text, until their `exp`;
///   a cache hit is a dictionary lookup and copies no claims (see ``TokenCache``).
/// - Verification is synchronous on the event loop (swift-crypto). Only an unknown `kid` with
///   a `jwks_url` suspends the request, for one single-flight, rate-limited JWKS refetch
///   (see ``KeyStore``); after it the request is verified once more and never waits again.
public struct JWTFilter: HTTPFilter {
    let verifier: TokenVerifier
    let store: KeyStore
    private let source: TokenSource
    private let cacheCapacity: Int
    private let cacheTTL: Double
    private let forwardPlan: [(value: String, header: String)]
    private let realm: String
    private let missingToken: GatewayError
    /// The `values` entry that marks a request as having waited for a refetch already.
    private let waitMarker: String
    /// Unix time in seconds (injectable for tests).
    private let clock: @Sendable () -> Double

    /// Builds the filter from a configuration and the keys it loaded.
    init(
        configuration: Configuration,
        name: String,
        keys: [VerificationKey],
        fetcher: @escaping JWKSFetcher,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        monotonic: @escaping @Sendable () -> NIODeadline = { .now() }
    ) {
        let policy = TokenPolicy(
            algorithms: configuration.algorithms,
            issuers: configuration.issuers,
            audiences: configuration.audiences,
            leeway: Double(configuration.leeway.nanoseconds) / 1e9,
            requiredClaims: configuration.requiredClaims.map(ClaimPath.init),
            requiredRoles: configuration.requiredRoles,
            rolesClaim: ClaimPath(configuration.rolesClaim),
            rolesMatch: configuration.rolesMatchAll ? .all : .any,
            requiredScopes: configuration.requiredScopes,
            scopesClaim: ClaimPath(configuration.scopesClaim),
            consumerClaim: ClaimPath(configuration.consumerClaim),
            forwardedClaims: configuration.forwardClaims.keys.sorted().map(ClaimPath.init)
        )
        self.verifier = TokenVerifier(policy: policy)
        var logger = Logger(label: "portico.jwt")
        logger[metadataKey: "filter"] = "\(name)"
        self.store = KeyStore(
            configured: keys,
            jwks: configuration.jwksURL.map {
                KeyStore.JWKSSettings(
                    url: $0, refreshInterval: configuration.jwksRefresh,
                    minRefetchInterval: configuration.jwksMinRefetchInterval)
            },
            allowed: configuration.algorithms,
            fetcher: fetcher,
            logger: logger,
            monotonic: monotonic
        )
        self.source = TokenSource(
            header: configuration.header, cookie: configuration.cookie, query: configuration.query)
        self.cacheCapacity = configuration.cacheSize
        self.cacheTTL = Double(configuration.cacheTTL.nanoseconds) / 1e9
        self.forwardPlan = configuration.forwardClaims.sorted { $0.key < $1.key }.map { ("jwt." + $0.key, $0.value) }
        self.realm = configuration.realm
        self.missingToken = GatewayError(
            .unauthorized, "missing bearer token",
            headers: HeaderList([("WWW-Authenticate", "Bearer realm=\"\(configuration.realm)\"")]))
        self.waitMarker = "portico.jwt-refetched." + name
        self.clock = clock
    }

    public func onRequest(_ context: inout RequestContext) -> FilterDecision {
        guard let token = self.source.token(in: context.request) else { return .reject(self.missingToken) }
        guard self.cacheCapacity > 0 else { return self.verify(token, cache: nil, context: &context) }
        let capacity = self.cacheCapacity
        let cache = context.loopState(for: ObjectIdentifier(self.store)) { TokenCache(capacity: capacity) }
        if let cached = cache.lookup(token, now: context.startedAt) {
            return self.admit(cached, context: &context)
        }
        return self.verify(token, cache: cache, context: &context)
    }

    public var phases: FilterPhases { self.forwardPlan.isEmpty ? .request : [.request, .upstreamRequest] }

    public func onUpstreamRequest(_ request: inout RequestHead, context: RequestContext) {
        for (value, header) in self.forwardPlan {
            if let text = context.values[value] {
                request.headers.set(name: header, value: text)
            } else {
                // Never let the client supply what should come from the token.
                request.headers.remove(name: header)
            }
        }
    }

    /// The cache-miss path: verify, cache, admit; or suspend once for a JWKS refetch.
    private func verify(_ token: Substring, cache: TokenCache?, context: inout RequestContext) -> FilterDecision {
        let waited = !context.values.isEmpty && context.values.removeValue(forKey: self.waitMarker) != nil
        let now = self.clock()
        var keys = self.store.keysForVerification()
        var mayRefetch = !waited
        while true {
            switch self.verifier.verify(token, keys: keys, now: now) {
            case .accepted(let verified):
                let entry = CachedToken(
                    consumer: verified.consumer,
                    values: RequestValues(verified.values),
                    forbidden: verified.insufficient.map(self.forbidden)
                )
                if let cache {
                    let lifetime = min(verified.usableUntil.map { $0 - now } ?? .infinity, self.cacheTTL)
                    if lifetime > 0 {
                        let deadline = context.startedAt + .nanoseconds(Int64(lifetime * 1e9))
                        cache.insert(token, entry: entry, deadline: deadline, now: context.startedAt)
                    }
                }
                return self.admit(entry, context: &context)
            case .rejected(let description):
                return .reject(self.unauthorized(description))
            case .unknownKid:
                guard mayRefetch else { return .reject(self.unauthorized("unknown signing key")) }
                mayRefetch = false
                switch self.store.refetch(on: context.eventLoop, seen: keys.generation) {
                case .wait(let refetched):
                    context.values[self.waitMarker] = "1"
                    return .suspend(refetched)
                case .newerKeys(let newer):
                    // A fetch finished since the keys were read: check once more, at once.
                    keys = newer
                case .refused:
                    return .reject(self.unauthorized("unknown signing key"))
                }
            }
        }
    }

    private func admit(_ entry: CachedToken, context: inout RequestContext) -> FilterDecision {
        if context.consumer == nil, let consumer = entry.consumer { context.consumer = consumer }
        if context.values.isEmpty {
            // Shares the entry's storage: no copy, no allocation.
            context.values = entry.values
        } else {
            context.values.removeValue(forKey: self.waitMarker)
            context.values.merge(entry.values)
        }
        if let forbidden = entry.forbidden { return .reject(forbidden) }
        return .proceed
    }

    private func unauthorized(_ description: String) -> GatewayError {
        let text = Self.quotable(description)
        return GatewayError(
            .unauthorized, "invalid token: \(text)",
            headers: HeaderList([
                (
                    "WWW-Authenticate",
                    "Bearer realm=\"\(self.realm)\", error=\"invalid_token\", error_description=\"\(text)\""
                )
            ])
        )
    }

    private func forbidden(_ insufficient: VerifiedToken.Insufficient) -> GatewayError {
        var challenge =
            "Bearer realm=\"\(self.realm)\", error=\"insufficient_scope\", error_description=\"\(insufficient.description)\""
        if !insufficient.scopes.isEmpty {
            challenge += ", scope=\"\(Self.quotable(insufficient.scopes.joined(separator: " ")))\""
        }
        return GatewayError(
            .forbidden, "forbidden: \(insufficient.description)",
            headers: HeaderList([("WWW-Authenticate", challenge)]))
    }

    /// Text safe inside a quoted-string: no quotes, backslashes or control characters.
    private static func quotable(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && $0 != "\"" && $0 != "\\" })
    }
}

/// Where a request's token is: a header (`Authorization: Bearer ...` by default), then
/// optionally a cookie and a query parameter.
struct TokenSource: Sendable {
    let header: String
    /// For `Authorization` the `Bearer` scheme is required; other headers may carry the bare token.
    let requiresScheme: Bool
    let cookie: String?
    let query: String?

    init(header: String, cookie: String?, query: String?) {
        self.header = header
        self.requiresScheme = HTTPSyntax.equalsCaseInsensitive(header, "authorization")
        self.cookie = cookie
        self.query = query
    }

    /// The token, a view into the request's own text (nothing copied).
    func token(in request: RequestHead) -> Substring? {
        if let value = request.headers[self.header], let token = self.fromHeader(value) {
            return token
        }
        if let cookie = self.cookie {
            for (name, value) in request.headers.pairs where HTTPSyntax.equalsCaseInsensitive(name, "cookie") {
                if let token = Self.cookie(cookie, in: value) { return token }
            }
        }
        if let query = self.query, let token = request.queryParameter(query), !token.isEmpty {
            return token
        }
        return nil
    }

    private func fromHeader(_ value: String) -> Substring? {
        // Byte offsets over the contiguous UTF-8: walking String indices cost several times more.
        let bounds: (start: Int, end: Int)?? = value.utf8.withContiguousStorageIfAvailable { bytes in
            var start = 0
            // `Bearer` is matched case-insensitively (RFC 9110 §11.1), then one or more spaces.
            let scheme: StaticString = "bearer"
            var matched = bytes.count > scheme.utf8CodeUnitCount
            if matched {
                scheme.withUTF8Buffer { expected in
                    for index in 0..<expected.count where HTTPSyntax.lowercase(bytes[index]) != expected[index] {
                        matched = false
                        break
                    }
                }
            }
            if matched, bytes[scheme.utf8CodeUnitCount] == UInt8(ascii: " ") {
                start = scheme.utf8CodeUnitCount
                while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
            } else if self.requiresScheme {
                return nil
            }
            var end = bytes.count
            while end > start, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
            return start < end ? (start, end) : nil
        }
        guard let found = bounds else {
            var copy = value  // not contiguous (never for native strings): make it so
            copy.makeContiguousUTF8()
            return self.fromHeader(copy)
        }
        guard let (start, end) = found else { return nil }
        let utf8 = value.utf8
        return Substring(
            utf8[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)])
    }

    static func cookie(_ name: String, in header: String) -> Substring? {
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " }
            guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
            let value = trimmed[trimmed.index(after: equals)...]
            return value.isEmpty ? nil : value
        }
        return nil
    }
}
