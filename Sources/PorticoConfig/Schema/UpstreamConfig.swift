import PorticoCore

/// An upstream: a named group of backend targets and how to reach and balance them.
public struct UpstreamConfig: Sendable, Hashable {
    /// The backends; at least one.
    public var targets: [TargetConfig]
    /// The balancing algorithm; default `round_robin`.
    public var balancer: BalancerAlgorithm
    /// Connect, response-header and total timeouts.
    public var timeouts: UpstreamTimeoutsConfig
    /// Keep-alive pool limits.
    public var pool: PoolConfig
    /// For `consistent_hash`: `header:NAME`, `cookie:NAME`, `query:NAME`, `path` or `client_ip`.
    public var hashOn: String?
    /// Active health checks.
    public var healthCheck: HealthCheckConfig?
    /// Passive health checks (outlier detection).
    public var passive: PassiveConfig?
    /// The circuit breaker.
    public var circuitBreaker: CircuitBreakerConfig?
    /// Retries.
    public var retries: RetriesConfig?
    /// Targets from the registry or DNS.
    public var discovery: DiscoveryConfig?
    /// Below this share (percent) of eligible targets, balance over all of them (panic mode);
    /// default 50, 0 turns panic mode off.
    public var panicThreshold: Int

    /// Creates an upstream with the documented defaults.
    public init(
        targets: [TargetConfig],
        balancer: BalancerAlgorithm = .roundRobin,
        timeouts: UpstreamTimeoutsConfig = UpstreamTimeoutsConfig(),
        pool: PoolConfig = PoolConfig(),
        hashOn: String? = nil,
        healthCheck: HealthCheckConfig? = nil,
        passive: PassiveConfig? = nil,
        circuitBreaker: CircuitBreakerConfig? = nil,
        retries: RetriesConfig? = nil,
        discovery: DiscoveryConfig? = nil,
        panicThreshold: Int = 50
    ) {
        self.targets = targets
        self.balancer = balancer
        self.timeouts = timeouts
        self.pool = pool
        self.hashOn = hashOn
        self.healthCheck = healthCheck
        self.passive = passive
        self.circuitBreaker = circuitBreaker
        self.retries = retries
        self.discovery = discovery
        self.panicThreshold = panicThreshold
    }
}

extension UpstreamConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case targets, balancer, timeouts, pool, passive, retries, discovery
        case hashOn = "hash_on"
        case healthCheck = "health_check"
        case circuitBreaker = "circuit_breaker"
        case panicThreshold = "panic_threshold"
        // Part of SPEC §9 but not implemented yet: recognised so it is refused, not "unknown".
        case tls
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.discovery = fields.optional(.discovery)
        self.targets = self.discovery == nil || fields.isPresent(.targets) ? fields.list(.targets) : []
        self.balancer = fields.value(.balancer, default: .roundRobin)
        self.timeouts = fields.value(.timeouts, default: UpstreamTimeoutsConfig())
        self.pool = fields.value(.pool, default: PoolConfig())
        self.hashOn = fields.optional(.hashOn)
        self.healthCheck = fields.optional(.healthCheck)
        self.passive = fields.optional(.passive)
        self.circuitBreaker = fields.optional(.circuitBreaker)
        self.retries = fields.optional(.retries)
        self.panicThreshold = fields.value(.panicThreshold, default: 50)
        fields.refuse(.tls, "`tls` is not supported yet", hint: "remove it; upstream TLS (F-07) is planned")
        try fields.finish()
    }
}

/// One backend of an upstream.
public struct TargetConfig: Sendable, Hashable {
    /// `http://host:port[/base]`; host names are resolved when the config is compiled.
    public var url: String
    /// Relative weight for weighted balancers (≥ 1); default 1.
    public var weight: Int

    /// Creates a target.
    public init(url: String, weight: Int = 1) {
        self.url = url
        self.weight = weight
    }
}

extension TargetConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, weight
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.url = fields.required(.url, or: "")
        self.weight = fields.value(.weight, default: 1)
        try fields.finish()
    }
}

/// A balancing algorithm, by config name.
public enum BalancerAlgorithm: String, Sendable, Hashable, CaseIterable, Decodable {
    case roundRobin = "round_robin"
    case weightedRoundRobin = "weighted_round_robin"
    case leastConnections = "least_connections"
    case random
    case ipHash = "ip_hash"
    /// Power of two choices over in-flight requests × EWMA latency.
    case p2cEWMA = "p2c_ewma"
    /// Consistent hashing (Maglev) on `hash_on`.
    case consistentHash = "consistent_hash"

    public init(from decoder: any Decoder) throws {
        self = try Keyword.decode(Self.self, from: decoder, kind: "balancer")
    }
}

/// Upstream timeouts.
public struct UpstreamTimeoutsConfig: Sendable, Hashable {
    /// TCP connect; default 5s.
    public var connect: ConfigDuration
    /// Request sent to response head received (504 after); default 60s.
    public var responseHeader: ConfigDuration
    /// Request head received to response end; default none.
    public var request: ConfigDuration?

    /// Creates timeouts with the documented defaults.
    public init(
        connect: ConfigDuration = .seconds(5),
        responseHeader: ConfigDuration = .seconds(60),
        request: ConfigDuration? = nil
    ) {
        self.connect = connect
        self.responseHeader = responseHeader
        self.request = request
    }
}

extension UpstreamTimeoutsConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case connect
        case responseHeader = "response_header"
        case request
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.connect = fields.value(.connect, default: defaults.connect)
        self.responseHeader = fields.value(.responseHeader, default: defaults.responseHeader)
        self.request = fields.optional(.request)
        try fields.finish()
    }
}

/// Keep-alive pool limits, per target and event loop.
public struct PoolConfig: Sendable, Hashable {
    /// Idle connections kept per target; default 64.
    public var maxIdlePerTarget: Int
    /// Idle connections are closed after this; default 60s.
    public var idleTimeout: ConfigDuration
    /// Busy plus idle connections per target (503 beyond); default 1024.
    public var maxConnectionsPerTarget: Int

    /// Creates limits with the documented defaults.
    public init(
        maxIdlePerTarget: Int = 64,
        idleTimeout: ConfigDuration = .seconds(60),
        maxConnectionsPerTarget: Int = 1024
    ) {
        self.maxIdlePerTarget = maxIdlePerTarget
        self.idleTimeout = idleTimeout
        self.maxConnectionsPerTarget = maxConnectionsPerTarget
    }
}

extension PoolConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxIdlePerTarget = "max_idle_per_target"
        case idleTimeout = "idle_timeout"
        case maxConnectionsPerTarget = "max_connections_per_target"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.maxIdlePerTarget = fields.value(.maxIdlePerTarget, default: defaults.maxIdlePerTarget)
        self.idleTimeout = fields.value(.idleTimeout, default: defaults.idleTimeout)
        self.maxConnectionsPerTarget = fields.value(.maxConnectionsPerTarget, default: defaults.maxConnectionsPerTarget)
        try fields.finish()
    }
}
