import PorticoCore

/// `health_check`: active probes of every target (SPEC F-22).
public struct HealthCheckConfig: Sendable, Hashable {
    /// `tcp`, `http`, `https`, `grpc` (h2c) or `grpcs` (gRPC over TLS).
    public var type: HealthCheckType
    /// HTTP path probed; default `/`.
    public var path: String
    /// `Host` header of HTTP probes; default the target's `host:port`.
    public var host: String?
    /// Time between probes of one target (with ±10% jitter); default 5s.
    public var interval: ConfigDuration
    /// Time a probe may take; default 1s.
    public var timeout: ConfigDuration
    /// Consecutive successes that make an unhealthy target healthy; default 2.
    public var healthyThreshold: Int
    /// Consecutive failures that make a healthy target unhealthy; default 3.
    public var unhealthyThreshold: Int
    /// HTTP statuses counted as success: codes, ranges (`200-299`) or classes (`2xx`);
    /// default `[200]`.
    public var expectedStatuses: [String]
    /// A substring the HTTP body must contain.
    public var body: String?
    /// gRPC service name checked (empty: the server as a whole).
    public var service: String
    /// TLS for `https` / `grpcs` probes.
    public var tls: ProbeTLSConfig

    /// Creates a health check with the documented defaults.
    public init(
        type: HealthCheckType,
        path: String = "/",
        host: String? = nil,
        interval: ConfigDuration = .seconds(5),
        timeout: ConfigDuration = .seconds(1),
        healthyThreshold: Int = 2,
        unhealthyThreshold: Int = 3,
        expectedStatuses: [String] = ["200"],
        body: String? = nil,
        service: String = "",
        tls: ProbeTLSConfig = ProbeTLSConfig()
    ) {
        self.type = type
        self.path = path
        self.host = host
        self.interval = interval
        self.timeout = timeout
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.expectedStatuses = expectedStatuses
        self.body = body
        self.service = service
        self.tls = tls
    }
}

extension HealthCheckConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, path, host, interval, timeout, body, service, tls
        case healthyThreshold = "healthy_threshold"
        case unhealthyThreshold = "unhealthy_threshold"
        case expectedStatuses = "expected_statuses"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let type: HealthCheckType = fields.required(.type, or: .tcp)
        let defaults = Self(type: type)
        self.type = type
        self.path = fields.value(.path, default: defaults.path)
        self.host = fields.optional(.host)
        self.interval = fields.value(.interval, default: defaults.interval)
        self.timeout = fields.value(.timeout, default: defaults.timeout)
        self.healthyThreshold = fields.value(.healthyThreshold, default: defaults.healthyThreshold)
        self.unhealthyThreshold = fields.value(.unhealthyThreshold, default: defaults.unhealthyThreshold)
        self.expectedStatuses = fields.list(.expectedStatuses, default: defaults.expectedStatuses)
        self.body = fields.optional(.body)
        self.service = fields.value(.service, default: "")
        self.tls = fields.value(.tls, default: ProbeTLSConfig())
        try fields.finish()
    }
}

/// A probe type.
public enum HealthCheckType: String, Sendable, Hashable, CaseIterable, Decodable {
    case tcp, http, https, grpc, grpcs

    public init(from decoder: any Decoder) throws {
        self = try Keyword.decode(Self.self, from: decoder, kind: "health check type")
    }
}

/// TLS settings of `https`/`grpcs` probes.
public struct ProbeTLSConfig: Sendable, Hashable {
    /// A PEM file of trusted CAs (relative to the config file); default the system's.
    public var ca: String?
    /// Name sent as SNI and verified; default the target's host.
    public var serverName: String?
    /// Verify the certificate; default true.
    public var verify: Bool
    /// A client certificate (PEM) for targets that require mTLS, with its `key`.
    public var cert: String?
    public var key: String?

    /// Creates TLS settings with the documented defaults.
    public init(
        ca: String? = nil, serverName: String? = nil, verify: Bool = true, cert: String? = nil, key: String? = nil
    ) {
        self.ca = ca
        self.serverName = serverName
        self.verify = verify
        self.cert = cert
        self.key = key
    }
}

extension ProbeTLSConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case ca, verify, cert, key
        case serverName = "server_name"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.ca = fields.optional(.ca)
        self.serverName = fields.optional(.serverName)
        self.verify = fields.value(.verify, default: true)
        self.cert = fields.optional(.cert)
        self.key = fields.optional(.key)
        try fields.finish()
    }
}

/// `passive`: outlier detection from live traffic (SPEC F-23).
public struct PassiveConfig: Sendable, Hashable {
    /// Consecutive failures (5xx, connect or reset) that eject a target; default 5.
    public var consecutiveFailures: Int
    /// First ejection's length; each further ejection of the same target lasts longer
    /// (times the number of ejections), up to `max_ejection_time`; default 30s.
    public var ejectionTime: ConfigDuration
    /// The longest ejection; default 300s.
    public var maxEjectionTime: ConfigDuration
    /// At most this share of an upstream's targets is ejected at once; default 50.
    public var maxEjectionPercent: Int

    /// Creates settings with the documented defaults.
    public init(
        consecutiveFailures: Int = 5,
        ejectionTime: ConfigDuration = .seconds(30),
        maxEjectionTime: ConfigDuration = .seconds(300),
        maxEjectionPercent: Int = 50
    ) {
        self.consecutiveFailures = consecutiveFailures
        self.ejectionTime = ejectionTime
        self.maxEjectionTime = maxEjectionTime
        self.maxEjectionPercent = maxEjectionPercent
    }
}

extension PassiveConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case consecutiveFailures = "consecutive_failures"
        case ejectionTime = "ejection_time"
        case maxEjectionTime = "max_ejection_time"
        case maxEjectionPercent = "max_ejection_percent"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.consecutiveFailures = fields.value(.consecutiveFailures, default: defaults.consecutiveFailures)
        self.ejectionTime = fields.value(.ejectionTime, default: defaults.ejectionTime)
        self.maxEjectionTime = fields.value(.maxEjectionTime, default: defaults.maxEjectionTime)
        self.maxEjectionPercent = fields.value(.maxEjectionPercent, default: defaults.maxEjectionPercent)
        try fields.finish()
    }
}

/// `circuit_breaker` (SPEC F-25).
public struct CircuitBreakerConfig: Sendable, Hashable {
    /// Consecutive failures that open the breaker; default 5.
    public var failureThreshold: Int
    /// Failure share (0–100) over `window` that opens it too, once `min_requests` were seen.
    public var failureRatio: Int?
    /// The window of `failure_ratio`; default 10s.
    public var window: ConfigDuration
    /// Requests needed in the window before the ratio counts; default 20.
    public var minRequests: Int
    /// Consecutive probe successes that close it again; default 2.
    public var successThreshold: Int
    /// How long it stays open before probing; default 30s.
    public var openFor: ConfigDuration
    /// Probe requests allowed at once while half-open; default 1.
    public var halfOpenMaxProbes: Int

    /// Creates settings with the documented defaults.
    public init(
        failureThreshold: Int = 5,
        failureRatio: Int? = nil,
        window: ConfigDuration = .seconds(10),
        minRequests: Int = 20,
        successThreshold: Int = 2,
        openFor: ConfigDuration = .seconds(30),
        halfOpenMaxProbes: Int = 1
    ) {
        self.failureThreshold = failureThreshold
        self.failureRatio = failureRatio
        self.window = window
        self.minRequests = minRequests
        self.successThreshold = successThreshold
        self.openFor = openFor
        self.halfOpenMaxProbes = halfOpenMaxProbes
    }
}

extension CircuitBreakerConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case window
        case failureThreshold = "failure_threshold"
        case failureRatio = "failure_ratio"
        case minRequests = "min_requests"
        case successThreshold = "success_threshold"
        case openFor = "open_for"
        case halfOpenMaxProbes = "half_open_max_probes"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.failureThreshold = fields.value(.failureThreshold, default: defaults.failureThreshold)
        self.failureRatio = fields.optional(.failureRatio)
        let window: ConfigDuration? = fields.optional(.window)
        let minRequests: Int? = fields.optional(.minRequests)
        self.window = window ?? defaults.window
        self.minRequests = minRequests ?? defaults.minRequests
        self.successThreshold = fields.value(.successThreshold, default: defaults.successThreshold)
        self.openFor = fields.value(.openFor, default: defaults.openFor)
        self.halfOpenMaxProbes = fields.value(.halfOpenMaxProbes, default: defaults.halfOpenMaxProbes)
        try fields.finish()
        // They only shape the ratio rule: accepted alone, they would silently do nothing.
        if self.failureRatio == nil && (window != nil || minRequests != nil) {
            throw ConfigIssue(
                "window and min_requests apply only with failure_ratio",
                key: window != nil ? "window" : "min_requests",
                hint: "add e.g. failure_ratio: 50, or remove them")
        }
    }
}

/// `retries` (SPEC F-24).
public struct RetriesConfig: Sendable, Hashable {
    /// Total attempts, the first included; default 2 (one retry).
    public var attempts: Int
    /// When to retry: `connect_failure`, `reset`, `timeout`, `5xx` or status codes; default
    /// `[connect_failure, reset, 502, 503, 504]`.
    public var on: [String]
    /// Time one attempt may take to get a response head; default the upstream's
    /// `timeouts.response_header`.
    public var perTryTimeout: ConfigDuration?
    /// Back-off before a retry: full jitter over `base × 2^(retry-1)`, capped at `max`;
    /// defaults 25ms and 250ms.
    public var backoff: BackoffConfig
    /// Retries in flight at most this share of the requests in flight; default 20.
    public var budgetPercent: Int
    /// Retries always allowed at once whatever the budget; default 3.
    public var minRetryConcurrency: Int
    /// Request bodies up to this size are kept so the request can be retried after the body
    /// was sent; default 64KiB, at most 1MiB.
    public var bufferBody: ByteSize

    /// Creates settings with the documented defaults.
    public init(
        attempts: Int = 2,
        on: [String] = ["connect_failure", "reset", "502", "503", "504"],
        perTryTimeout: ConfigDuration? = nil,
        backoff: BackoffConfig = BackoffConfig(),
        budgetPercent: Int = 20,
        minRetryConcurrency: Int = 3,
        bufferBody: ByteSize = .kibibytes(64)
    ) {
        self.attempts = attempts
        self.on = on
        self.perTryTimeout = perTryTimeout
        self.backoff = backoff
        self.budgetPercent = budgetPercent
        self.minRetryConcurrency = minRetryConcurrency
        self.bufferBody = bufferBody
    }
}

extension RetriesConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case attempts, on, backoff
        case perTryTimeout = "per_try_timeout"
        case budgetPercent = "budget_percent"
        case minRetryConcurrency = "min_retry_concurrency"
        case bufferBody = "buffer_body"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.attempts = fields.value(.attempts, default: defaults.attempts)
        self.on = fields.list(.on, default: defaults.on)
        self.perTryTimeout = fields.optional(.perTryTimeout)
        self.backoff = fields.value(.backoff, default: defaults.backoff)
        self.budgetPercent = fields.value(.budgetPercent, default: defaults.budgetPercent)
        self.minRetryConcurrency = fields.value(.minRetryConcurrency, default: defaults.minRetryConcurrency)
        self.bufferBody = fields.value(.bufferBody, default: defaults.bufferBody)
        try fields.finish()
    }
}

/// Retry back-off.
public struct BackoffConfig: Sendable, Hashable {
    public var base: ConfigDuration
    public var max: ConfigDuration

    /// Creates back-off settings with the documented defaults.
    public init(base: ConfigDuration = .milliseconds(25), max: ConfigDuration = .milliseconds(250)) {
        self.base = base
        self.max = max
    }
}

extension BackoffConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case base, max
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.base = fields.value(.base, default: defaults.base)
        self.max = fields.value(.max, default: defaults.max)
        try fields.finish()
    }
}

/// `discovery`: targets from the service registry or DNS instead of (or besides) `targets`.
public struct DiscoveryConfig: Sendable, Hashable {
    /// A service name in the registry (`discovery: { registry: users }`).
    public var registry: String?
    /// A host name re-resolved for A/AAAA records (`dns: users.svc.local`, with `port`).
    public var dns: String?
    /// An SRV name (`srv: _http._tcp.users.svc.local`): ports and weights from the records.
    public var srv: String?
    /// Port for `dns` targets.
    public var port: Int?
    /// Re-resolution interval (record TTLs shorten it); default 30s.
    public var interval: ConfigDuration

    /// Creates discovery settings.
    public init(
        registry: String? = nil, dns: String? = nil, srv: String? = nil, port: Int? = nil,
        interval: ConfigDuration = .seconds(30)
    ) {
        self.registry = registry
        self.dns = dns
        self.srv = srv
        self.port = port
        self.interval = interval
    }
}

extension DiscoveryConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case registry, dns, srv, port, interval
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.registry = fields.optional(.registry)
        self.dns = fields.optional(.dns)
        self.srv = fields.optional(.srv)
        self.port = fields.optional(.port)
        let interval: ConfigDuration? = fields.optional(.interval)
        self.interval = interval ?? .seconds(30)
        try fields.finish()
        if self.registry != nil && interval != nil {
            // The registry pushes changes as they happen; there is nothing to poll.
            throw ConfigIssue("interval applies to dns and srv discovery only", key: "interval")
        }
        let sources = [self.registry, self.dns, self.srv].compactMap { $0 }.count
        if sources != 1 {
            throw ConfigIssue(
                "discovery needs exactly one of registry, dns, srv",
                hint: "e.g. discovery: { registry: users } or { dns: users.svc.local, port: 8080 }"
            )
        }
        if self.dns != nil && self.port == nil {
            throw ConfigIssue("dns discovery needs a port", key: "port", hint: "e.g. port: 8080")
        }
        if self.dns == nil && self.port != nil {
            throw ConfigIssue("port applies to dns discovery only", key: "port")
        }
    }
}
