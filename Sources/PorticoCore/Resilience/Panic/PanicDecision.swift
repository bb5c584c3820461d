/// The outcome of ``PanicThreshold/decide(eligible:)``.
public struct PanicDecision: Sendable, Equatable {
    /// The targets to balance over, for ``BalancerRequest/eligible``: nil means all of them
    /// (every target is eligible, or panic).
    public var mask: TargetMask?
    /// Whether the upstream is in panic (report it: it means failures are expected).
    public var isPanic: Bool
    /// How many targets are eligible.
    public var eligibleCount: Int

    /// Creates a decision.
    public init(mask: TargetMask?, isPanic: Bool, eligibleCount: Int) {
        self.mask = mask
        self.isPanic = isPanic
        self.eligibleCount = eligibleCount
    }
}
