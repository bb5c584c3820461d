/// Active health checking's rules for one upstream's targets, as a pure state machine:
/// consecutive probe successes and failures against the thresholds (SPEC F-22).
///
/// The prober reports each probe's result; a returned transition is what changed. Targets
/// are keyed by a stable identity (a pool key, `"host:port"`), so verdicts survive a change
/// of the target list: ``setTargets(_:)`` keeps the state of targets that stay.
public struct HealthTracker<Target: Hashable & Sendable>: Sendable {
    /// Thresholds and the status of targets not probed yet.
    public struct Settings: Sendable, Equatable {
        /// Consecutive successes that make an unhealthy target healthy; default 2.
        public var healthyThreshold: Int
        /// Consecutive failures that make a healthy (or unknown) target unhealthy; default 3.
        public var unhealthyThreshold: Int
        /// The status of a target before its first probe; default ``HealthStatus/unknown``
        /// (takes traffic). ``HealthStatus/unhealthy`` holds new targets back until they
        /// pass `healthyThreshold` probes.
        public var initialStatus: HealthStatus

        /// Creates settings; thresholds below 1 count as 1.
        public init(healthyThreshold: Int = 2, unhealthyThreshold: Int = 3, initialStatus: HealthStatus = .unknown) {
            self.healthyThreshold = max(healthyThreshold, 1)
            self.unhealthyThreshold = max(unhealthyThreshold, 1)
            self.initialStatus = initialStatus
        }
    }

    struct TargetState: Sendable {
        var status: HealthStatus
        var successes = 0
        var failures = 0
    }

    /// The thresholds in force.
    public let settings: Settings
    private var states: [Target: TargetState] = [:]

    /// A tracker for `targets`, each starting at `settings.initialStatus`.
    public init(targets: some Sequence<Target>, settings: Settings = Settings()) {
        self.settings = settings
        self.setTargets(targets)
    }

    /// Adopts a new target list: targets that stay keep their state, new ones start at the
    /// initial status, and the rest are forgotten.
    public mutating func setTargets(_ targets: some Sequence<Target>) {
        var next: [Target: TargetState] = [:]
        for target in targets {
            next[target] = self.states[target] ?? TargetState(status: self.settings.initialStatus)
        }
        self.states = next
    }

    /// A probe of `target` succeeded; returns the transition it caused, if any.
    public mutating func probeSucceeded(_ target: Target) -> HealthTransition<Target>? {
        guard var state = self.states[target] else { return nil }
        state.failures = 0
        state.successes += 1
        let before = state.status
        switch before {
        case .unknown: state.status = .healthy
        case .unhealthy where state.successes >= self.settings.healthyThreshold: state.status = .healthy
        case .healthy, .unhealthy: break
        }
        self.states[target] = state
        return state.status == before ? nil : HealthTransition(target: target, from: before, to: state.status)
    }

    /// A probe of `target` failed (refused, timed out, unexpected status or body); returns
    /// the transition it caused, if any.
    public mutating func probeFailed(_ target: Target) -> HealthTransition<Target>? {
        guard var state = self.states[target] else { return nil }
        state.successes = 0
        state.failures += 1
        let before = state.status
        if before != .unhealthy && state.failures >= self.settings.unhealthyThreshold {
            state.status = .unhealthy
        }
        self.states[target] = state
        return state.status == before ? nil : HealthTransition(target: target, from: before, to: state.status)
    }

    /// The verdict on `target`; nil when it is not tracked.
    public func status(of target: Target) -> HealthStatus? {
        self.states[target]?.status
    }

    /// Whether `target` may take traffic (untracked targets may: nothing speaks against them).
    public func takesTraffic(_ target: Target) -> Bool {
        self.states[target]?.status.takesTraffic ?? true
    }

    /// The targets of `order` that may take traffic, as a mask over its indices.
    public func mask(for order: [Target]) -> TargetMask {
        TargetMask(order.map { self.takesTraffic($0) })
    }

    /// The tracked targets.
    public var targets: [Target] { Array(self.states.keys) }
}
