import PorticoCore
import Testing

@Suite struct TargetMaskTests {
    @Test func setsAndCounts() {
        var mask = TargetMask([true, false, true])
        #expect(mask.count == 2)
        #expect(mask.targetCount == 3)
        #expect(!mask.contains(1) && mask.contains(2) && !mask.contains(3) && !mask.contains(-1))
        mask.set(1, true)
        mask.set(7, true)  // out of range: ignored
        #expect(mask == TargetMask(count: 3, included: true))
        #expect(TargetMask(count: 2, included: false).isEmpty)
    }

    @Test func intersects() {
        let healthy = TargetMask([true, true, false, true])
        let notEjected = TargetMask([false, true, true, true])
        #expect(healthy.intersection(notEjected) == TargetMask([false, true, false, true]))
    }

    @Test func excludesAFailedTargetOnlyIfAnotherRemains() {
        let mask = TargetMask([true, true, false])
        #expect(mask.excludingIfOthersRemain(0) == TargetMask([false, true, false]))
        #expect(TargetMask([false, true, false]).excludingIfOthersRemain(1) == TargetMask([false, true, false]))
        #expect(mask.excludingIfOthersRemain(2) == mask)
    }
}
