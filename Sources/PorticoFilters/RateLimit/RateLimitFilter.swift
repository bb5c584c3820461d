import PorticoCore
import PorticoHTTP

/// `rate_limit` (SPEC F-43): limits requests per key with a token bucket or a sliding window.
/// Refused requests get `429` with `Retry-After`; every response carries `RateLimit-Limit`,
/// `RateLimit-Remaining` and `RateLimit-Reset` (seconds) unless `response_headers: false`.
///
/// ```yaml
/// limit-ip:  { type: rate_limit, rate: 100/s, burst: 200, key: client_ip }
/// per-user:  { type: rate_limit, algorithm: sliding_window, rate: 6000/m, key: consumer }
/// ```
///
/// The state is kept by a ``RateLimitStore``: for `scope: local`, a ``LocalRateLimitStore``
/// shared by all event loops of this process (exact per process; see there for how it avoids
/// locks). A filter instance has one store, shared by every route that lists it.
public struct RateLimitFilter: HTTPFilter {
    /// How requests are counted.
    public enum Algorithm: String, Sendable, CaseIterable {
        /// Refill `rate`, hold at most `burst`.
        case tokenBucket = "token_bucket"
        /// At most `rate` requests in any window of the rate's period (two-window estimate).
        case slidingWindow = "sliding_window"
    }

    /// What a request is counted under.
    public enum KeySource: Sendable, Equatable {
        /// The client address (after trusted proxies).
        case clientIP
        /// A request header's value.
        case header(String)
        /// The authenticated consumer (`api_key`, `basic_auth`, `jwt`).
        case consumer
        /// A claim of the verified JWT, as the `jwt` filter publishes it (`values["jwt.NAME"]`).
        case jwtClaim(String)
        /// The route: one budget for all its clients together.
        case route

        /// Parses `client_ip`, `header:NAME`, `consumer`, `jwt:CLAIM`, `route`.
        public init?(_ text: String) {
            switch text {
            case "client_ip": self = .clientIP
            case "consumer": self = .consumer
            case "route": self = .route
            default:
                if text.hasPrefix("header:"), HTTPSyntax.isValidFieldName(String(text.dropFirst(7))) {
                    self = .header(String(text.dropFirst(7)))
                } else if text.hasPrefix("jwt:"), text.count > 4 {
                    self = .jwtClaim(String(text.dropFirst(4)))
                } else {
                    return nil
                }
            }
        }
    }

    /// `count/period`: `100/s`, `6000/m`, `10/h`, `1000/d`, `50/10s`, `1/500ms`.
    public struct Rate: Sendable, Equatable {
        /// Requests (tokens) per period.
        public var count: Int
        /// The period in nanoseconds.
        public var periodNanoseconds: UInt64

        /// Parses the text.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let count = Int(parts[0]), count > 0 else { return nil }
            let unit = String(parts[1])
            let period: Int64?
            switch unit {
            case "s": period = 1_000_000_000
            case "m": period = 60_000_000_000
            case "h": period = 3_600_000_000_000
            case "d": period = 86_400_000_000_000
            default: period = ConfigValues.duration(unit)
            }
            guard let period, period > 0 else { return nil }
            self.count = count
            self.periodNanoseconds = UInt64(period)
        }
    }

    /// The filter's configuration.
    public struct Configuration: FilterConfiguration {
        public static let typeName = "rate_limit"
        /// The counting algorithm (default `token_bucket`).
        public var algorithm: Algorithm
        /// The rate.
        public var rate: Rate
        /// Token bucket size (default: the rate's count).
        public var burst: Int
        /// What requests are counted under (default `client_ip`).
        public var key: KeySource
        /// Keys kept at most (default 100000).
        public var maxKeys: Int
        /// Send `RateLimit-*` headers on every response (default true); 429s always carry them.
        public var responseHeaders: Bool
        /// The clock (not configurable in files; tests inject a manual one).
        public var clock: RateLimitClock = .system

        enum CodingKeys: String, CodingKey, CaseIterable {
            case algorithm, rate, burst, key, scope
            case maxKeys = "max_keys"
            case responseHeaders = "response_headers"
        }

        /// A configuration.
        public init(
            algorithm: Algorithm = .tokenBucket, rate: Rate, burst: Int? = nil, key: KeySource = .clientIP,
            maxKeys: Int = 100_000, responseHeaders: Bool = true
        ) {
            self.algorithm = algorithm
            self.rate = rate
            self.burst = burst ?? rate.count
            self.key = key
            self.maxKeys = maxKeys
            self.responseHeaders = responseHeaders
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let algorithm = try container.decodeIfPresent(String.self, forKey: .algorithm) ?? "token_bucket"
            guard let parsedAlgorithm = Algorithm(rawValue: algorithm) else {
                throw ConfigIssue(
                    "unknown algorithm '\(algorithm)'", key: "algorithm", hint: "token_bucket or sliding_window")
            }
            self.algorithm = parsedAlgorithm
            let rateText = try container.decode(String.self, forKey: .rate)
            guard let rate = Rate(rateText) else {
                throw ConfigIssue(
                    "'\(rateText)' is not a rate", key: "rate", hint: "requests per period: 100/s, 6000/m, 10/h, 50/10s"
                )
            }
            self.rate = rate
            let burst = try container.decodeIfPresent(Int.self, forKey: .burst)
            if burst != nil && parsedAlgorithm == .slidingWindow {
                throw ConfigIssue(
                    "burst applies to token_bucket only", key: "burst",
                    hint: "a sliding window allows `rate` requests per period")
            }
            if let burst, burst < 1 {
                throw ConfigIssue("burst must be at least 1", key: "burst")
            }
            self.burst = burst ?? rate.count
            let keyText = try container.decodeIfPresent(String.self, forKey: .key) ?? "client_ip"
            guard let key = KeySource(keyText) else {
                throw ConfigIssue(
                    "'\(keyText)' is not a rate-limit key", key: "key",
                    hint: "client_ip, header:NAME, consumer, jwt:CLAIM or route")
            }
            self.key = key
            let scope = try container.decodeIfPresent(String.self, forKey: .scope) ?? "local"
            switch scope {
            case "local": break
            case "cluster":
                throw ConfigIssue(
                    "scope 'cluster' is not supported yet", key: "scope",
                    hint: "use scope: local (limits per gateway process)")
            default:
                throw ConfigIssue("unknown scope '\(scope)'", key: "scope", hint: "local")
            }
            self.maxKeys = try container.decodeIfPresent(Int.self, forKey: .maxKeys) ?? 100_000
            guard self.maxKeys >= 1 else { throw ConfigIssue("max_keys must be at least 1", key: "max_keys") }
            self.responseHeaders = try container.decodeIfPresent(Bool.self, forKey: .responseHeaders) ?? true
            switch parsedAlgorithm {
            case .tokenBucket:
                guard
                    TokenBucket(count: rate.count, periodNanoseconds: rate.periodNanoseconds, burst: self.burst) != nil
                else {
                    throw ConfigIssue("rate and burst are too large", key: "burst")
                }
            case .slidingWindow:
                guard SlidingWindow(limit: rate.count, windowNanoseconds: rate.periodNanoseconds) != nil else {
                    throw ConfigIssue(
                        "a sliding window allows at most \(SlidingWindow.maxLimit) requests per window", key: "rate",
                        hint: "use a shorter period, e.g. 1000/s rather than 3600000/h")
                }
            }
        }

        public func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            let store: any RateLimitStore
            switch self.algorithm {
            case .tokenBucket:
                guard
                    let rule = TokenBucket(
                        count: self.rate.count, periodNanoseconds: self.rate.periodNanoseconds, burst: self.burst)
                else { throw ConfigIssue("rate and burst are too large", key: "burst") }
                store = LocalRateLimitStore(rule: rule, maxKeys: self.maxKeys, clock: self.clock)
            case .slidingWindow:
                guard let rule = SlidingWindow(limit: self.rate.count, windowNanoseconds: self.rate.periodNanoseconds)
                else { throw ConfigIssue("rate is out of range", key: "rate") }
                store = LocalRateLimitStore(rule: rule, maxKeys: self.maxKeys, clock: self.clock)
            }
            return RateLimitFilter(configuration: self, store: store, name: context.name)
        }
    }

    /// Keys longer than this are replaced by their SHA-256, so a client cannot make the
    /// limiter hold large strings.
    static let maxKeyBytes = 96

    private let key: KeySource
    private let jwtValueName: String
    private let store: any RateLimitStore
    private let responseHeaders: Bool
    /// The limit every decision reports, and its text (formatted once, not per response).
    private let limit: Int
    private let limitText: String

    /// A filter deciding through `store`.
    public init(configuration: Configuration, store: any RateLimitStore, name: String) {
        self.key = configuration.key
        if case .jwtClaim(let claim) = configuration.key {
            self.jwtValueName = "jwt." + claim
        } else {
            self.jwtValueName = ""
        }
        self.store = store
        self.responseHeaders = configuration.responseHeaders
        self.limit = configuration.algorithm == .tokenBucket ? configuration.burst : configuration.rate.count
        self.limitText = String(self.limit)
    }

    /// The key this request is counted under. Requests that lack the configured value (no
    /// such header, no consumer, no claim) are counted by client address instead, in a
    /// separate namespace.
    func key(for context: RequestContext) -> String {
        var value: String?
        switch self.key {
        case .clientIP: return context.clientIP
        case .route: return context.route.name
        case .consumer: value = context.consumer
        case .header(let name): value = context.request.headers[name]
        case .jwtClaim: value = context.values[self.jwtValueName]
        }
        guard let value, !value.isEmpty else { return "\u{0}ip:" + context.clientIP }
        if value.utf8.count > Self.maxKeyBytes {
            return "\u{0}sha256:" + Bytes.hexEncode(Hashing.sha256(value))
        }
        return value
    }

    public func onRequest(_ context: inout RequestContext) -> FilterDecision {
        let decision = self.store.acquire(self.key(for: context), context: context)
        guard decision.allowed else {
            var headers = HeaderList()
            headers.add(name: "Retry-After", value: String(max(1, Self.seconds(decision.retryAfterNanoseconds))))
            Self.addHeaders(decision, to: &headers)
            return .reject(GatewayError(.tooManyRequests, "rate limit exceeded", headers: headers))
        }
        if self.responseHeaders, context.rateLimitStatus.map({ $0.remaining > decision.remaining }) ?? true {
            // With several limits on a route, the client is told about the tightest one.
            context.rateLimitStatus = RateLimitStatus(
                limit: decision.limit, remaining: decision.remaining,
                resetSeconds: Self.seconds(decision.resetNanoseconds))
        }
        return .proceed
    }

    public var phases: FilterPhases { self.responseHeaders ? [.request, .response] : .request }

    public func onResponse(_ response: inout ResponseHead, context: RequestContext) {
        guard self.responseHeaders, let status = context.rateLimitStatus else { return }
        // One pass tells whether any `RateLimit-*` field is there already; usually none is,
        // and the three are appended without scanning the list again for each.
        var hasFields = false
        var shownRemaining: Int?
        for (name, value) in response.headers.pairs where Self.isRateLimitField(name) {
            hasFields = true
            if shownRemaining == nil, HTTPSyntax.equalsCaseInsensitive(name, "ratelimit-remaining") {
                shownRemaining = Int(value)
            }
        }
        // The first limiter to answer writes the tightest status; later ones find it there
        // (as they do an upstream's own, when that is tighter).
        if let shownRemaining, shownRemaining <= status.remaining { return }
        let limit = status.limit == self.limit ? self.limitText : HTTPSyntax.decimal(status.limit)
        let remaining = HTTPSyntax.decimal(status.remaining)
        let reset = HTTPSyntax.decimal(status.resetSeconds)
        guard hasFields else {
            response.headers.add(name: "RateLimit-Limit", value: limit)
            response.headers.add(name: "RateLimit-Remaining", value: remaining)
            response.headers.add(name: "RateLimit-Reset", value: reset)
            return
        }
        response.headers.set(name: "RateLimit-Limit", value: limit)
        response.headers.set(name: "RateLimit-Remaining", value: remaining)
        response.headers.set(name: "RateLimit-Reset", value: reset)
    }

    /// Whether `name` starts with `RateLimit-` (any case).
    static func isRateLimitField(_ name: String) -> Bool {
        // The first byte rules out nearly every other field before the full comparison.
        guard name.utf8.count > 10, let first = name.utf8.first, first | 0x20 == UInt8(ascii: "r") else { return false }
        return HTTPSyntax.hasPrefixCaseInsensitive(name, lowercasedPrefix: "ratelimit-")
    }

    static func addHeaders(_ decision: RateLimitDecision, to headers: inout HeaderList) {
        headers.add(name: "RateLimit-Limit", value: String(decision.limit))
        headers.add(name: "RateLimit-Remaining", value: String(decision.remaining))
        headers.add(name: "RateLimit-Reset", value: String(Self.seconds(decision.resetNanoseconds)))
    }

    /// Whole seconds, rounded up.
    static func seconds(_ nanoseconds: UInt64) -> UInt64 {
        (nanoseconds + 999_999_999) / 1_000_000_000
    }
}
