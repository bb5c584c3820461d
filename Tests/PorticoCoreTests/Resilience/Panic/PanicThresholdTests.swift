import PorticoCore
import Testing

@Suite struct PanicThresholdTests {
    @Test func balancesOverEligibleTargetsAboveTheThreshold() {
        let threshold = PanicThreshold(percent: 50)
        let mask = TargetMask([true, true, false, false])
        #expect(threshold.decide(eligible: mask) == PanicDecision(mask: mask, isPanic: false, eligibleCount: 2))
        #expect(
            threshold.decide(eligible: TargetMask(count: 3, included: true))
                == PanicDecision(mask: nil, isPanic: false, eligibleCount: 3))
    }

    @Test func panicsBelowTheThreshold() {
        let threshold = PanicThreshold(percent: 50)
        #expect(
            threshold.decide(eligible: TargetMask([true, false, false, false]))
                == PanicDecision(mask: nil, isPanic: true, eligibleCount: 1))
        #expect(threshold.decide(eligible: TargetMask(count: 2, included: false)).isPanic)
    }

    @Test func zeroNeverPanics() {
        let none = TargetMask(count: 3, included: false)
        #expect(
            PanicThreshold(percent: 0).decide(eligible: none)
                == PanicDecision(mask: none, isPanic: false, eligibleCount: 0))
    }

    @Test func combinesHealthAndEjections() {
        let decision = PanicThreshold(percent: 30).decide(
            healthy: TargetMask([true, true, true, false]), notEjected: TargetMask([false, true, true, true]))
        #expect(
            decision == PanicDecision(mask: TargetMask([false, true, true, false]), isPanic: false, eligibleCount: 2))
        #expect(PanicThreshold(percent: 150).percent == 100)
    }
}
