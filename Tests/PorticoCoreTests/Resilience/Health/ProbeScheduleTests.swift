import NIOCore
import PorticoCore
import Testing

@Suite struct ProbeScheduleTests {
    let now = NIODeadline.uptimeNanoseconds(5_000_000_000)

    @Test func nextProbeStaysWithinTheJitterBounds() {
        let schedule = ProbeSchedule(interval: .seconds(5), jitter: 0.1)
        var random = FastRandom(seed: 11)
        var low = TimeAmount.seconds(10)
        var high = TimeAmount.zero
        for _ in 0..<2000 {
            let delay = schedule.nextProbe(after: self.now, random: &random) - self.now
            #expect(delay >= .milliseconds(4500) && delay <= .milliseconds(5500))
            low = min(low, delay)
            high = max(high, delay)
        }
        // The whole range is used, not just its middle.
        #expect(low < .milliseconds(4520) && high > .milliseconds(5480))
    }

    @Test func noJitterMeansExactInterval() {
        let schedule = ProbeSchedule(interval: .seconds(2), jitter: 0)
        var random = FastRandom(seed: 1)
        #expect(schedule.nextProbe(after: self.now, random: &random) == self.now + .seconds(2))
    }

    @Test func firstProbesSpreadOverOneInterval() {
        let schedule = ProbeSchedule(interval: .seconds(5))
        var random = FastRandom(seed: 3)
        let firsts = (0..<500).map { _ in schedule.firstProbe(now: self.now, random: &random) - self.now }
        #expect(firsts.allSatisfy { $0 >= .zero && $0 < .seconds(5) })
        #expect(firsts.contains { $0 < .seconds(1) } && firsts.contains { $0 > .seconds(4) })
    }

    @Test func clampsNonsense() {
        let schedule = ProbeSchedule(interval: .zero, jitter: 3)
        #expect(schedule.interval == .milliseconds(1))
        #expect(schedule.jitter == 0.99)
        #expect(ProbeSchedule(jitter: -1).jitter == 0)
    }
}
