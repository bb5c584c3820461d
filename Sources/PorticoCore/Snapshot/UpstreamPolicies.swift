import NIOCore

/// How an upstream copes with failing targets (SPEC F-23..F-26), compiled from its config.
/// Every part is optional: an upstream without any pays nothing for them on the hot path.
public struct UpstreamResilience: Sendable {
    /// The request key `consistent_hash` uses.
    public var hashOn: HashOn?
    /// Passive health checking (`passive:`).
    public var outlier: OutlierSettings?
    /// The circuit breaker (`circuit_breaker:`).
    public var breaker: CircuitBreakerSettings?
    /// Retries (`retries:`); nil: only the always-safe replay of a request that never reached
    /// the upstream over a stale pooled connection.
    public var retry: RetryPolicy?
    /// The retry budget: retries in flight at most this share of requests in flight.
    public var retryBudgetPercent: Int
    /// Retries in flight always allowed, whatever the budget.
    public var minRetryConcurrency: Int
    /// Request bodies up to this size are kept for a retry after they were sent.
    public var retryBufferBytes: Int
    /// Panic mode.
    public var panic: PanicThreshold

    /// Creates resilience settings; the defaults turn every mechanism off but panic mode.
    public init(
        hashOn: HashOn? = nil,
        outlier: OutlierSettings? = nil,
        breaker: CircuitBreakerSettings? = nil,
        retry: RetryPolicy? = nil,
        retryBudgetPercent: Int = 20,
        minRetryConcurrency: Int = 3,
        retryBufferBytes: Int = 64 * 1024,
        panic: PanicThreshold = PanicThreshold()
    ) {
        self.hashOn = hashOn
        self.outlier = outlier
        self.breaker = breaker
        self.retry = retry
        self.retryBudgetPercent = retryBudgetPercent
        self.minRetryConcurrency = minRetryConcurrency
        self.retryBufferBytes = retryBufferBytes
        self.panic = panic
    }
}

/// Active health checks of an upstream's targets (`health_check:`, SPEC F-22), as compiled;
/// the control plane turns it into probes.
public struct ActiveHealthCheck: Sendable, Hashable {
    /// The probe protocol.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case tcp, http, https, grpc, grpcs
    }

    /// TLS of `https`/`grpcs` probes.
    public struct TLS: Sendable, Hashable {
        /// Trusted CAs (PEM file, absolute); nil: the system's.
        public var caFile: String?
        /// SNI and the name verified; nil: the target's host.
        public var serverName: String?
        /// Whether the certificate is verified.
        public var verify: Bool
        /// Client certificate and key (PEM files, absolute) for upstreams that want mTLS.
        public var certificateFile: String?
        public var keyFile: String?

        /// Creates TLS settings.
        public init(
            caFile: String? = nil, serverName: String? = nil, verify: Bool = true, certificateFile: String? = nil,
            keyFile: String? = nil
        ) {
            self.caFile = caFile
            self.serverName = serverName
            self.verify = verify
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    public var kind: Kind
    /// HTTP path probed.
    public var path: String
    /// `Host` (or `:authority`) of probes; nil: the target's.
    public var host: String?
    /// Time between the end of one probe of a target and the start of the next (±10%).
    public var interval: TimeAmount
    /// Time one probe may take.
    public var timeout: TimeAmount
    /// Consecutive successes that make a target healthy.
    public var healthyThreshold: Int
    /// Consecutive failures that make a target unhealthy.
    public var unhealthyThreshold: Int
    /// HTTP statuses that count as success.
    public var expectedStatuses: [ClosedRange<Int>]
    /// A substring the HTTP response body must contain.
    public var bodyContains: String?
    /// The gRPC service checked ("" = the server).
    public var service: String
    /// TLS settings.
    public var tls: TLS

    /// Creates a health check with the documented defaults.
    public init(
        kind: Kind,
        path: String = "/",
        host: String? = nil,
        interval: TimeAmount = .seconds(5),
        timeout: TimeAmount = .seconds(1),
        healthyThreshold: Int = 2,
        unhealthyThreshold: Int = 3,
        expectedStatuses: [ClosedRange<Int>] = [200...200],
        bodyContains: String? = nil,
        service: String = "",
        tls: TLS = TLS()
    ) {
        self.kind = kind
        self.path = path
        self.host = host
        self.interval = interval
        self.timeout = timeout
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.expectedStatuses = expectedStatuses
        self.bodyContains = bodyContains
        self.service = service
        self.tls = tls
    }

    /// Parses an expected-status entry: `200`, `200-299` or `2xx`; nil when invalid.
    public static func statusRange(_ text: String) -> ClosedRange<Int>? {
        let valid = 100...599
        if text.utf8.count == 3, let first = text.first?.wholeNumberValue, text.hasSuffix("xx") {
            let range = (first * 100)...(first * 100 + 99)
            return valid.contains(range.lowerBound) ? range : nil
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts.last!), low <= high,
            valid.contains(low), valid.contains(high)
        else { return nil }
        return low...high
    }
}

/// Where an upstream's targets come from besides its static list (`discovery:`).
public enum TargetDiscovery: Sendable, Hashable {
    /// The instances of this service in the service registry (SPEC F-31).
    case registry(service: String)
    /// A host name's A/AAAA records, with this port, re-resolved every `interval` or when
    /// the records' TTL runs out (SPEC F-32).
    case dns(host: String, port: Int, interval: TimeAmount)
    /// An SRV name's records (targets, ports and weights), re-resolved likewise.
    case srv(name: String, interval: TimeAmount)
}
