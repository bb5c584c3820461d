/// Panic mode (SPEC F-26): when too few targets are eligible, balancing over just those
/// would pile the whole load onto them and likely take them down too, so the balancer uses
/// every target instead and lets some requests fail rather than all.
public struct PanicThreshold: Sendable, Equatable {
    /// Below this share of eligible targets (in percent), balance over all of them; 0 never
    /// panics (no eligible target then means no target); default 50, as in Envoy.
    public var percent: Int

    /// Creates a threshold; `percent` is clamped to 0...100.
    public init(percent: Int = 50) {
        self.percent = min(max(percent, 0), 100)
    }

    /// The mask to balance with, given which targets are eligible (healthy and not ejected).
    public func decide(eligible: TargetMask) -> PanicDecision {
        let total = eligible.targetCount
        let count = eligible.count
        if count == total { return PanicDecision(mask: nil, isPanic: false, eligibleCount: count) }
        if count * 100 < self.percent * total {
            return PanicDecision(mask: nil, isPanic: true, eligibleCount: count)
        }
        return PanicDecision(mask: eligible, isPanic: false, eligibleCount: count)
    }

    /// The mask to balance with, given active-health verdicts and passive ejections (a target
    /// is eligible when healthy and not ejected).
    public func decide(healthy: TargetMask, notEjected: TargetMask) -> PanicDecision {
        self.decide(eligible: healthy.intersection(notEjected))
    }
}
