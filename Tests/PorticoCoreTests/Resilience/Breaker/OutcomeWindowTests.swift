import NIOCore
import PorticoCore
import Testing

@Suite struct OutcomeWindowTests {
    let start = NIODeadline.uptimeNanoseconds(100_000_000_000)

    @Test func countsWithinTheWindowAndSlidesBucketByBucket() {
        var window = OutcomeWindow(span: .seconds(10), buckets: 10)
        window.recordFailure(now: self.start)
        window.recordSuccess(now: self.start + .milliseconds(500))
        window.recordSuccess(now: self.start + .seconds(5))
        #expect(window.totals(now: self.start + .seconds(5)) == (successes: 2, failures: 1))
        // The first bucket leaves after 10 s; the one at 5 s stays until 15 s.
        #expect(window.totals(now: self.start + .seconds(10)) == (successes: 1, failures: 0))
        #expect(window.totals(now: self.start + .seconds(15)) == (successes: 0, failures: 0))
    }

    @Test func longSilenceClearsEverything() {
        var window = OutcomeWindow(span: .seconds(1), buckets: 4)
        for _ in 0..<50 { window.recordFailure(now: self.start) }
        window.recordSuccess(now: self.start + .seconds(3600))
        #expect(window.totals(now: self.start + .seconds(3600)) == (successes: 1, failures: 0))
        window.reset()
        #expect(window.totals(now: self.start + .seconds(3600)) == (successes: 0, failures: 0))
    }

    @Test func olderTimesCountInTheNewestBucket() {
        var window = OutcomeWindow(span: .seconds(10))
        window.recordSuccess(now: self.start + .seconds(5))
        window.recordFailure(now: self.start)
        #expect(window.totals(now: self.start + .seconds(5)) == (successes: 1, failures: 1))
    }
}
