/// One upstream as `GET /upstreams` shows it.
public struct UpstreamStatus: Encodable, Sendable {
    /// The upstream's name.
    public var name: String
    /// The balancing algorithm.
    public var balancer: String
    /// Where targets come from besides `targets:` (`registry:users`, `dns:host:port`,
    /// `srv:name`), if anywhere.
    public var discovery: String?
    /// Whether active health checks run, and of what type.
    public var healthCheck: String?
    /// The circuit breaker, if configured.
    public var circuitBreaker: CircuitBreakerStatus?
    /// Retries in flight now.
    public var activeRetries: Int
    /// The targets.
    public var targets: [TargetStatus]

    public init(
        name: String, balancer: String, discovery: String?, healthCheck: String?,
        circuitBreaker: CircuitBreakerStatus?, activeRetries: Int, targets: [TargetStatus]
    ) {
        self.name = name
        self.balancer = balancer
        self.discovery = discovery
        self.healthCheck = healthCheck
        self.circuitBreaker = circuitBreaker
        self.activeRetries = activeRetries
        self.targets = targets
    }

    enum CodingKeys: String, CodingKey {
        case name, balancer, discovery, targets
        case healthCheck = "health_check"
        case circuitBreaker = "circuit_breaker"
        case activeRetries = "active_retries"
    }
}

/// A circuit breaker's state on each worker (each event loop keeps its own).
public struct CircuitBreakerStatus: Encodable, Sendable {
    /// `closed`, `open` or `half_open`, one per worker.
    public var workers: [String]
    /// Seconds until an open breaker lets probes through, if one is open.
    public var reopensInSeconds: Double?

    public init(workers: [String], reopensInSeconds: Double?) {
        self.workers = workers
        self.reopensInSeconds = reopensInSeconds
    }

    enum CodingKeys: String, CodingKey {
        case workers
        case reopensInSeconds = "reopens_in_seconds"
    }
}

/// One target as `GET /upstreams` shows it.
public struct TargetStatus: Encodable, Sendable {
    /// The target's URL.
    public var url: String
    /// The socket address requests go to.
    public var address: String
    /// Its weight.
    public var weight: Int
    /// Active health: `healthy`, `unhealthy`, `unknown` (not probed yet) or `unchecked`
    /// (no health check configured).
    public var health: String
    /// Whether it takes traffic by the active checks' verdict.
    public var takesTraffic: Bool
    /// Workers on which passive detection has it ejected.
    public var ejectedWorkers: Int
    /// The longest current run of failures on a worker.
    public var consecutiveFailures: Int
    /// Requests in flight to it.
    public var inFlight: Int
    /// The latency estimate in milliseconds (`p2c_ewma`).
    public var ewmaMilliseconds: Double?

    public init(
        url: String, address: String, weight: Int, health: String, takesTraffic: Bool, ejectedWorkers: Int,
        consecutiveFailures: Int, inFlight: Int, ewmaMilliseconds: Double?
    ) {
        self.url = url
        self.address = address
        self.weight = weight
        self.health = health
        self.takesTraffic = takesTraffic
        self.ejectedWorkers = ejectedWorkers
        self.consecutiveFailures = consecutiveFailures
        self.inFlight = inFlight
        self.ewmaMilliseconds = ewmaMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case url, address, weight, health
        case takesTraffic = "takes_traffic"
        case ejectedWorkers = "ejected_workers"
        case consecutiveFailures = "consecutive_failures"
        case inFlight = "in_flight"
        case ewmaMilliseconds = "ewma_ms"
    }
}
