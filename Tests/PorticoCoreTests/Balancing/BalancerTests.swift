import PorticoCore
import Testing

@Suite struct BalancerTests {
    private func picks(_ balancer: any Balancer, _ count: Int, eligible: TargetMask? = nil, ip: String = "10.0.0.1")
        -> [Int]
    {
        (0..<count).compactMap { _ in balancer.pick(BalancerRequest(clientIP: ip, eligible: eligible)) }
    }

    @Test func roundRobinCyclesAndSkipsIneligible() {
        let balancer = RoundRobinBalancer(targetCount: 3)
        #expect(self.picks(balancer, 6) == [0, 1, 2, 0, 1, 2])
        var mask = TargetMask(count: 3, included: true)
        mask.set(1, false)
        #expect(self.picks(balancer, 4, eligible: mask) == [0, 2, 0, 2])
        #expect(balancer.pick(BalancerRequest(clientIP: "x", eligible: TargetMask(count: 3, included: false))) == nil)
        #expect(RoundRobinBalancer(targetCount: 0).pick(BalancerRequest(clientIP: "x")) == nil)
    }

    @Test func smoothWeightedRoundRobinMatchesNginxSequence() {
        // nginx's documented example: weights 5, 1, 1 → a a b a c a a (spread, not bursty).
        let balancer = WeightedRoundRobinBalancer(weights: [5, 1, 1])
        #expect(self.picks(balancer, 7) == [0, 0, 1, 0, 2, 0, 0])
        // Over any window of Σweights picks, each target gets exactly its weight.
        let counts = Dictionary(grouping: self.picks(balancer, 700), by: { $0 }).mapValues(\.count)
        #expect(counts == [0: 500, 1: 100, 2: 100])
    }

    @Test func leastConnectionsPrefersIdleTargetsRelativeToWeight() {
        let balancer = LeastConnectionsBalancer(weights: [1, 1, 2], random: FastRandom(seed: 7))
        balancer.requestStarted(target: 0)
        balancer.requestStarted(target: 1)
        #expect(balancer.pick(BalancerRequest(clientIP: "x")) == 2)
        balancer.requestStarted(target: 2)
        // 2 has one in flight at weight 2 (0.5 per unit) vs 1.0 for the others.
        #expect(balancer.pick(BalancerRequest(clientIP: "x")) == 2)
        balancer.requestStarted(target: 2)
        balancer.requestStarted(target: 2)
        // Now 3/2 = 1.5 > 1.0: the others tie and share.
        let picks = Set(self.picks(balancer, 50))
        #expect(picks == [0, 1])
        balancer.requestFinished(target: 0)
        #expect(balancer.pick(BalancerRequest(clientIP: "x")) == 0)
        #expect(balancer.activeRequests == [0, 1, 3])
    }

    @Test func randomFollowsWeights() {
        let balancer = RandomBalancer(weights: [1, 3], random: FastRandom(seed: 42))
        let picks = self.picks(balancer, 4000)
        let heavy = picks.filter { $0 == 1 }.count
        #expect(heavy > 2700 && heavy < 3300)
        var mask = TargetMask(count: 2, included: true)
        mask.set(1, false)
        #expect(Set(self.picks(balancer, 100, eligible: mask)) == [0])
    }

    @Test func ipHashIsStickyAndMovesOnlyTheLostTargetsClients() {
        let balancer = IPHashBalancer(weights: [1, 1, 1, 1])
        let clients = (0..<200).map { "192.0.2.\($0)" }
        let before = clients.map { balancer.pick(BalancerRequest(clientIP: $0))! }
        #expect(clients.map { balancer.pick(BalancerRequest(clientIP: $0))! } == before)
        #expect(Set(before).count == 4)
        var mask = TargetMask(count: 4, included: true)
        mask.set(2, false)
        let after = clients.map { balancer.pick(BalancerRequest(clientIP: $0, eligible: mask))! }
        for (old, new) in zip(before, after) where old != 2 {
            #expect(old == new)
        }
        #expect(!after.contains(2))
    }

    @Test func kindsBuildTheirBalancers() {
        for kind in BalancerKind.allCases {
            let balancer = kind.make(weights: [1, 2])
            #expect(balancer.pick(BalancerRequest(clientIP: "1.2.3.4")) != nil)
        }
    }
}
