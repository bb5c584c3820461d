/// A target's active-health verdict changed (for logs, metrics and the upstream's state).
public struct HealthTransition<Target: Hashable & Sendable>: Sendable, Equatable {
    /// The target.
    public var target: Target
    /// The verdict before.
    public var from: HealthStatus
    /// The verdict now.
    public var to: HealthStatus

    /// Creates a transition.
    public init(target: Target, from: HealthStatus, to: HealthStatus) {
        self.target = target
        self.from = from
        self.to = to
    }
}
