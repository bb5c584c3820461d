import NIOCore

/// A change made by passive outlier detection (for logs, metrics and balancer masks).
public enum OutlierTransition<Target: Hashable & Sendable>: Sendable, Equatable {
    /// `target` failed too often in a row and takes no traffic until `until`; this is its
    /// `ejections`-th ejection in recent memory (which set the length).
    case ejected(Target, until: NIODeadline, ejections: Int)
    /// `target` takes traffic again: its ejection ran out, or (`early`) an active health
    /// check succeeded first.
    case returned(Target, early: Bool)
}
