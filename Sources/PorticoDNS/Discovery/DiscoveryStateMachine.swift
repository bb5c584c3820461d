/// Timing and publication policy of DNS discovery.
public struct DiscoveryConfiguration: Sendable, Hashable {
    /// The longest time between two resolutions (`interval:` in the config, e.g. 30s).
    public var interval: Duration
    /// The shortest time between two resolutions, whatever the TTL (TTL 0 included).
    public var minimumInterval: Duration
    /// The wait after the first failure; it doubles with each failure in a row...
    public var initialBackoff: Duration
    /// ...up to this (``interval`` when `nil`).
    public var maximumBackoff: Duration?
    /// How long a name that DNS says is gone (NXDOMAIN, or no usable records) keeps its last
    /// good endpoints before an empty list is published; `nil` keeps them until the name
    /// comes back. Transient failures (timeouts, SERVFAIL, network errors) never empty a list.
    public var removalGrace: Duration?

    public init(
        interval: Duration = .seconds(30), minimumInterval: Duration = .seconds(1),
        initialBackoff: Duration = .seconds(1),
        maximumBackoff: Duration? = nil, removalGrace: Duration? = .seconds(300)
    ) {
        self.interval = interval
        self.minimumInterval = minimumInterval
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.removalGrace = removalGrace
    }
}

/// The scheduling and publication rules of DNS discovery, without I/O or clocks: the shell
/// resolves, reports each outcome with the current time, and carries out the ``Decision``.
///
/// - Success: publish the endpoints if they differ from the last published list; resolve
///   again after the answer's TTL, clamped to `minimumInterval...interval`.
/// - Transient failure: keep the list (publish nothing), report the error, retry after a
///   back-off (`initialBackoff`, doubling, at most `maximumBackoff`).
/// - Absence (``DNSResolutionError/isAbsence``: NXDOMAIN, or a name without usable records):
///   reported and retried like a failure, and the last good list is kept for `removalGrace`
///   counted from the first absent answer in a row, after which an empty list is published.
///   This protects against a flapping or misconfigured DNS server emptying a working upstream,
///   yet does not send traffic for ever to addresses of a deleted name (they may be reused).
///   If nothing was ever published, absence publishes the empty list at once, so a consumer
///   waiting for the first list learns there is nothing; a transient failure does not.
public struct DiscoveryStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The outcome of one resolution.
    public enum Outcome: Sendable, Hashable {
        case resolved(EndpointSet)
        case failed(DNSResolutionError)
    }

    /// What the shell does next.
    public struct Decision: Sendable, Hashable {
        /// A new endpoint list to publish, if it changed.
        public var publish: [DiscoveredEndpoint]?
        /// An error to report.
        public var report: DNSResolutionError?
        /// When to resolve again.
        public var nextResolution: Instant

        public init(publish: [DiscoveredEndpoint]? = nil, report: DNSResolutionError? = nil, nextResolution: Instant) {
            self.publish = publish
            self.report = report
            self.nextResolution = nextResolution
        }
    }

    /// The policy.
    public let configuration: DiscoveryConfiguration
    /// The last published list (`nil` before the first).
    public private(set) var published: [DiscoveredEndpoint]?
    /// Failures (absence included) since the last success.
    public private(set) var consecutiveFailures = 0
    /// When the current run of absent answers began.
    public private(set) var absentSince: Instant?

    public init(configuration: DiscoveryConfiguration) {
        self.configuration = configuration
    }

    /// Records the outcome of a resolution that finished at `now`.
    public mutating func resolutionFinished(_ outcome: Outcome, at now: Instant) -> Decision {
        switch outcome {
        case .resolved(let set):
            self.consecutiveFailures = 0
            self.absentSince = nil
            let ttl = Duration.seconds(Int64(set.ttl))
            let wait = min(max(ttl, self.configuration.minimumInterval), self.configuration.interval)
            return Decision(publish: self.change(to: set.endpoints), nextResolution: now.advanced(by: wait))

        case .failed(let error):
            self.consecutiveFailures += 1
            let wait = now.advanced(by: self.backoff())
            guard error.isAbsence else {
                return Decision(report: error, nextResolution: wait)
            }
            let since = self.absentSince ?? now
            self.absentSince = since
            let graceOver = self.configuration.removalGrace.map { since.duration(to: now) >= $0 } ?? false
            let emptyNow = self.published == nil || graceOver
            return Decision(publish: emptyNow ? self.change(to: []) : nil, report: error, nextResolution: wait)
        }
    }

    /// The wait before the next try after `consecutiveFailures` failures.
    private func backoff() -> Duration {
        let cap = max(
            self.configuration.maximumBackoff ?? self.configuration.interval, self.configuration.minimumInterval)
        var wait = max(self.configuration.initialBackoff, self.configuration.minimumInterval)
        var doublings = self.consecutiveFailures - 1
        while doublings > 0, wait < cap {
            wait *= 2
            doublings -= 1
        }
        return min(wait, cap)
    }

    /// Records `endpoints` as published and returns them, or `nil` if unchanged.
    private mutating func change(to endpoints: [DiscoveredEndpoint]) -> [DiscoveredEndpoint]? {
        guard endpoints != self.published else { return nil }
        self.published = endpoints
        return endpoints
    }
}
