import NIOCore
import PorticoCore
import Testing

@Suite struct CircuitBreakerTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    private func breaker(
        failureThreshold: Int = 3, ratio: Int? = nil, minRequests: Int = 10, successThreshold: Int = 2,
        probes: Int = 1
    ) -> CircuitBreaker {
        CircuitBreaker(
            settings: CircuitBreakerSettings(
                failureThreshold: failureThreshold, failureRatioPercent: ratio, window: .seconds(10),
                minRequests: minRequests, successThreshold: successThreshold, openFor: .seconds(30),
                halfOpenMaxProbes: probes))
    }

    @Test func opensOnConsecutiveFailures() {
        var breaker = self.breaker()
        #expect(breaker.admit(now: self.start).admission == .allow)
        #expect(breaker.recordFailure(now: self.start) == nil)
        #expect(breaker.recordFailure(now: self.start) == nil)
        #expect(breaker.recordSuccess(now: self.start) == nil)  // resets the run
        #expect(breaker.recordFailure(now: self.start) == nil)
        #expect(breaker.recordFailure(now: self.start) == nil)
        #expect(breaker.recordFailure(now: self.start) == CircuitTransition(from: .closed, to: .open))
        #expect(breaker.state == .open)
        #expect(breaker.reopensAt == self.start + .seconds(30))
        let (admission, transition) = breaker.admit(now: self.start + .seconds(10))
        #expect(admission == .reject(retryAfter: .seconds(20)))
        #expect(transition == nil)
        // Late outcomes of requests admitted before it opened are ignored.
        #expect(breaker.recordSuccess(now: self.start + .seconds(11)) == nil)
        #expect(breaker.state == .open)
    }

    @Test func opensOnFailureRatioOnceEnoughRequestsWereSeen() {
        var breaker = self.breaker(failureThreshold: 100, ratio: 50, minRequests: 10)
        for _ in 0..<4 { _ = breaker.recordFailure(now: self.start) }
        // 4 failures of 4: above 50%, but below the minimum of 10 requests.
        #expect(breaker.state == .closed)
        for _ in 0..<5 {
            _ = breaker.recordSuccess(now: self.start + .seconds(1))
        }
        #expect(breaker.recordFailure(now: self.start + .seconds(2)) == CircuitTransition(from: .closed, to: .open))
    }

    @Test func oldOutcomesLeaveTheWindow() {
        var breaker = self.breaker(failureThreshold: 100, ratio: 50, minRequests: 10)
        for _ in 0..<9 { _ = breaker.recordFailure(now: self.start) }
        for _ in 0..<9 { _ = breaker.recordSuccess(now: self.start + .seconds(11)) }
        // The 9 failures are out of the 10 s window: 1 failure in 10.
        #expect(breaker.recordFailure(now: self.start + .seconds(11)) == nil)
        #expect(breaker.state == .closed)
    }

    @Test func halfOpenAfterTheOpenPeriodWithLimitedProbes() {
        var breaker = self.breaker(failureThreshold: 1, successThreshold: 2, probes: 2)
        _ = breaker.recordFailure(now: self.start)
        let later = self.start + .seconds(30)
        let first = breaker.admit(now: later)
        #expect(first.admission == .probe)
        #expect(first.transition == CircuitTransition(from: .open, to: .halfOpen))
        #expect(breaker.admit(now: later) == (.probe, nil))
        #expect(breaker.admit(now: later).admission == .reject(retryAfter: nil))
        #expect(breaker.recordSuccess(now: later, probe: true) == nil)
        #expect(breaker.admit(now: later).admission == .probe)
        #expect(breaker.recordSuccess(now: later, probe: true) == CircuitTransition(from: .halfOpen, to: .closed))
        #expect(breaker.admit(now: later).admission == .allow)
        #expect(breaker.reopensAt == nil)
    }

    @Test func anyProbeFailureReopens() {
        var breaker = self.breaker(failureThreshold: 1)
        _ = breaker.recordFailure(now: self.start)
        let later = self.start + .seconds(31)
        #expect(breaker.admit(now: later).admission == .probe)
        #expect(breaker.recordFailure(now: later, probe: true) == CircuitTransition(from: .halfOpen, to: .open))
        #expect(breaker.admit(now: later + .seconds(1)).admission == .reject(retryAfter: .seconds(29)))
        #expect(breaker.admit(now: later + .seconds(30)).admission == .probe)
    }

    @Test func abandonedProbesFreeTheirSlot() {
        var breaker = self.breaker(failureThreshold: 1)
        _ = breaker.recordFailure(now: self.start)
        let later = self.start + .seconds(30)
        #expect(breaker.admit(now: later).admission == .probe)
        #expect(breaker.admit(now: later).admission == .reject(retryAfter: nil))
        breaker.probeAbandoned()
        #expect(breaker.admit(now: later).admission == .probe)
    }

    @Test func nonProbeOutcomesDoNotCountWhileHalfOpen() {
        var breaker = self.breaker(failureThreshold: 1, successThreshold: 1)
        _ = breaker.recordFailure(now: self.start)
        #expect(breaker.admit(now: self.start + .seconds(30)).admission == .probe)
        #expect(breaker.recordFailure(now: self.start + .seconds(30)) == nil)
        #expect(breaker.recordSuccess(now: self.start + .seconds(30)) == nil)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.recordSuccess(now: self.start + .seconds(30), probe: true)?.to == .closed)
    }

    @Test func closingStartsWithACleanSlate() {
        var breaker = self.breaker(failureThreshold: 2, successThreshold: 1)
        _ = breaker.recordFailure(now: self.start)
        _ = breaker.recordFailure(now: self.start)
        _ = breaker.admit(now: self.start + .seconds(30))
        _ = breaker.recordSuccess(now: self.start + .seconds(30), probe: true)
        #expect(breaker.recordFailure(now: self.start + .seconds(31)) == nil)
        #expect(breaker.state == .closed)
    }
}
