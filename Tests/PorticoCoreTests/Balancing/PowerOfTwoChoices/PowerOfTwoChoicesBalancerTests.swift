import NIOCore
import PorticoCore
import Testing

@Suite struct PowerOfTwoChoicesBalancerTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    private func picks(_ balancer: PowerOfTwoChoicesBalancer, _ count: Int, eligible: TargetMask? = nil) -> [Int] {
        (0..<count).compactMap { _ in balancer.pick(BalancerRequest(clientIP: "", eligible: eligible)) }
    }

    @Test func theSlowestTargetLosesEveryPairing() {
        let balancer = PowerOfTwoChoicesBalancer(weights: [1, 1, 1], random: FastRandom(seed: 1))
        balancer.recordLatency(target: 0, latency: .milliseconds(200), now: self.start)
        balancer.recordLatency(target: 1, latency: .milliseconds(10), now: self.start)
        balancer.recordLatency(target: 2, latency: .milliseconds(12), now: self.start)
        let picks = self.picks(balancer, 300)
        // Two distinct candidates: target 0 is always paired with a faster one.
        #expect(!picks.contains(0))
        #expect(Set(picks) == [1, 2])
    }

    @Test func requestsInFlightRaiseTheScore() {
        let balancer = PowerOfTwoChoicesBalancer(weights: [1, 1], random: FastRandom(seed: 2))
        balancer.recordLatency(target: 0, latency: .milliseconds(10), now: self.start)
        balancer.recordLatency(target: 1, latency: .milliseconds(30), now: self.start)
        #expect(balancer.pick(BalancerRequest(clientIP: "")) == 0)
        // (2 + 1) × 10 ms = 30 ms ties (0 + 1) × 30 ms; one more makes 0 the worse choice.
        for _ in 0..<3 { balancer.requestStarted(target: 0) }
        #expect(balancer.score(target: 0) > balancer.score(target: 1))
        #expect(balancer.pick(BalancerRequest(clientIP: "")) == 1)
        balancer.requestFinished(target: 0)
        balancer.requestFinished(target: 0)
        #expect(balancer.activeRequests == [1, 0])
        #expect(balancer.pick(BalancerRequest(clientIP: "")) == 0)
    }

    @Test func unknownTargetsAreTriedFirst() {
        let balancer = PowerOfTwoChoicesBalancer(
            weights: [1, 1], defaultLatency: .milliseconds(1), random: FastRandom(seed: 3))
        balancer.recordLatency(target: 0, latency: .milliseconds(5), now: self.start)
        #expect(balancer.latencyEstimate(target: 1) == .milliseconds(1))
        #expect(balancer.pick(BalancerRequest(clientIP: "")) == 1)
    }

    @Test func estimateDecaysWithTimeBetweenObservations() {
        let balancer = PowerOfTwoChoicesBalancer(weights: [1], decayTime: .seconds(10), random: FastRandom(seed: 4))
        balancer.recordLatency(target: 0, latency: .milliseconds(100), now: self.start)
        #expect(balancer.latencyEstimate(target: 0) == .milliseconds(100))
        // One time constant later, the old estimate keeps e^-1 of its weight.
        balancer.recordLatency(target: 0, latency: .milliseconds(10), now: self.start + .seconds(10))
        let expected = 100 * 0.367_879_4 + 10 * (1 - 0.367_879_4)
        let estimate = Double(balancer.latencyEstimate(target: 0).nanoseconds) / 1e6
        #expect(abs(estimate - expected) < 0.01)
        // Samples at the same instant barely move a lower estimate: the pace is set by time.
        balancer.recordLatency(target: 0, latency: .milliseconds(1), now: self.start + .seconds(10))
        #expect(abs(Double(balancer.latencyEstimate(target: 0).nanoseconds) / 1e6 - expected) < 0.01)
        // A slower sample replaces the estimate at once (peak sensitivity).
        balancer.recordLatency(target: 0, latency: .milliseconds(250), now: self.start + .seconds(11))
        #expect(balancer.latencyEstimate(target: 0) == .milliseconds(250))
    }

    @Test func silentTargetsDriftBackToTheDefault() {
        let balancer = PowerOfTwoChoicesBalancer(
            weights: [1, 1], decayTime: .seconds(10), defaultLatency: .milliseconds(1), random: FastRandom(seed: 5))
        balancer.recordLatency(target: 0, latency: .milliseconds(500), now: self.start)
        balancer.recordLatency(target: 1, latency: .milliseconds(20), now: self.start)
        #expect(balancer.pick(BalancerRequest(clientIP: "")) == 1)
        // Target 1 keeps answering in 20 ms for a minute; target 0 is not heard from.
        for second in 1...60 {
            balancer.recordLatency(target: 1, latency: .milliseconds(20), now: self.start + .seconds(Int64(second)))
        }
        let stale = balancer.latencyEstimate(target: 0)
        #expect(stale < .milliseconds(3))
        #expect(balancer.pick(BalancerRequest(clientIP: "")) == 0)
    }

    @Test func respectsEligibility() {
        let balancer = PowerOfTwoChoicesBalancer(weights: [1, 1, 1], random: FastRandom(seed: 6))
        var mask = TargetMask(count: 3, included: false)
        #expect(balancer.pick(BalancerRequest(clientIP: "", eligible: mask)) == nil)
        mask.set(2, true)
        #expect(Set(self.picks(balancer, 20, eligible: mask)) == [2])
        mask.set(0, true)
        #expect(Set(self.picks(balancer, 50, eligible: mask)).isSubset(of: [0, 2]))
        #expect(PowerOfTwoChoicesBalancer(weights: []).pick(BalancerRequest(clientIP: "")) == nil)
        #expect(PowerOfTwoChoicesBalancer(weights: [3]).pick(BalancerRequest(clientIP: "")) == 0)
    }

    @Test func weightsShapeTheCandidates() {
        // Equal scores: the first (weighted) candidate wins the tie, so picks follow weights.
        let balancer = PowerOfTwoChoicesBalancer(weights: [1, 3], random: FastRandom(seed: 7))
        let heavy = self.picks(balancer, 4000).filter { $0 == 1 }.count
        #expect(heavy > 2800 && heavy < 3200)
    }

    @Test func kindBuildsIt() {
        let balancer = BalancerKind.p2cEWMA.make(weights: [1, 1], random: FastRandom(seed: 8))
        balancer.recordLatency(target: 0, latency: .seconds(1), now: self.start)
        balancer.recordLatency(target: 1, latency: .milliseconds(1), now: self.start)
        #expect(balancer.pick(BalancerRequest(clientIP: "")) == 1)
        #expect(BalancerKind(rawValue: "p2c_ewma") == .p2cEWMA)
        #expect(BalancerKind(rawValue: "consistent_hash") == .consistentHash)
    }
}
