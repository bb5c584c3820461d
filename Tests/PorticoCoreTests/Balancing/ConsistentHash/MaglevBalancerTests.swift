import PorticoCore
import Testing

@Suite struct MaglevBalancerTests {
    private let keys: [UInt64] = (0..<100_000).map { StableHash.hash("user-\($0)") }

    private func identities(_ count: Int) -> [String] {
        (0..<count).map { "10.0.0.\($0):8080" }
    }

    private func owners(_ balancer: MaglevBalancer, _ identities: [String], eligible: TargetMask? = nil) -> [String] {
        self.keys.map { identities[balancer.pick(BalancerRequest(clientIP: "", eligible: eligible, hashKey: $0))!] }
    }

    private func movedShare(_ before: [String], _ after: [String]) -> Double {
        Double(zip(before, after).filter { $0 != $1 }.count) / Double(before.count)
    }

    @Test func sameKeySameTargetAcrossRebuilds() {
        let ids = self.identities(5)
        let first = MaglevBalancer(identities: ids, weights: [1, 1, 1, 1, 1])
        let second = MaglevBalancer(identities: ids, weights: [1, 1, 1, 1, 1])
        #expect(self.owners(first, ids) == self.owners(second, ids))
        // Config order does not matter: identities, not indices, own the slots.
        let reversed = Array(ids.reversed())
        let third = MaglevBalancer(identities: reversed, weights: [1, 1, 1, 1, 1])
        #expect(self.owners(third, reversed) == self.owners(first, ids))
    }

    @Test func addingOneTargetMovesAboutItsShare() {
        for count in [3, 10, 25] {
            let before = self.identities(count)
            let after = self.identities(count + 1)
            let old = self.owners(
                MaglevBalancer(identities: before, weights: Array(repeating: 1, count: count)), before)
            let new = self.owners(
                MaglevBalancer(identities: after, weights: Array(repeating: 1, count: count + 1)), after)
            let moved = self.movedShare(old, new)
            #expect(moved <= 1.5 / Double(count + 1), "count \(count): moved \(moved)")
            // What moved went to the new target.
            let newTarget = after.last!
            let movedElsewhere = zip(old, new).filter { $0 != $1 && $1 != newTarget }.count
            #expect(Double(movedElsewhere) / Double(self.keys.count) <= 0.5 / Double(count + 1))
        }
    }

    @Test func removingOneTargetMovesAboutItsShare() {
        for count in [4, 10, 25] {
            let before = self.identities(count)
            var after = before
            after.remove(at: count / 2)
            let old = self.owners(
                MaglevBalancer(identities: before, weights: Array(repeating: 1, count: count)), before)
            let new = self.owners(
                MaglevBalancer(identities: after, weights: Array(repeating: 1, count: count - 1)), after)
            let moved = self.movedShare(old, new)
            #expect(moved <= 1.5 / Double(count), "count \(count): moved \(moved)")
        }
    }

    @Test func distributionFollowsWeights() {
        let ids = self.identities(4)
        let weights = [1, 2, 3, 4]
        let balancer = MaglevBalancer(identities: ids, weights: weights)
        var counts = [String: Int]()
        for owner in self.owners(balancer, ids) { counts[owner, default: 0] += 1 }
        for (index, weight) in weights.enumerated() {
            let share = Double(counts[ids[index], default: 0]) / Double(self.keys.count)
            let expected = Double(weight) / 10
            #expect(abs(share - expected) < 0.03 * expected + 0.005, "target \(index): \(share) vs \(expected)")
        }
        let slots = balancer.slotCounts
        #expect(slots.reduce(0, +) == balancer.tableSize)
        #expect(abs(Double(slots[3]) / Double(slots[0]) - 4) < 0.1)
    }

    @Test func ineligibleTargetMovesOnlyItsKeysSpreadOverTheOthers() {
        let ids = self.identities(5)
        let balancer = MaglevBalancer(identities: ids, weights: [1, 1, 1, 1, 1])
        let before = self.owners(balancer, ids)
        var mask = TargetMask(count: 5, included: true)
        mask.set(2, false)
        let after = self.owners(balancer, ids, eligible: mask)
        var receivers = [String: Int]()
        for (old, new) in zip(before, after) {
            if old != ids[2] {
                #expect(old == new)
            } else {
                receivers[new, default: 0] += 1
            }
        }
        #expect(!after.contains(ids[2]))
        // The lost target's keys spread over all four others, roughly evenly.
        #expect(receivers.count == 4)
        let lost = receivers.values.reduce(0, +)
        for count in receivers.values { #expect(abs(Double(count) / Double(lost) - 0.25) < 0.05) }
        // Deterministic: the same fallback every time.
        #expect(self.owners(balancer, ids, eligible: mask) == after)
        // Back when it is eligible again.
        #expect(self.owners(balancer, ids) == before)
    }

    @Test func noEligibleTargetOrNoTargetGivesNil() {
        let balancer = MaglevBalancer(identities: self.identities(3), weights: [1, 1, 1])
        let none = TargetMask(count: 3, included: false)
        #expect(balancer.pick(BalancerRequest(clientIP: "", eligible: none, hashKey: 42)) == nil)
        #expect(balancer.pick(BalancerRequest(clientIP: "", eligible: none)) == nil)
        #expect(MaglevBalancer(identities: [], weights: []).pick(BalancerRequest(clientIP: "", hashKey: 1)) == nil)
        var onlyOne = none
        onlyOne.set(1, true)
        #expect(balancer.pick(BalancerRequest(clientIP: "", eligible: onlyOne, hashKey: 42)) == 1)
    }

    @Test func requestsWithoutKeySpreadByWeight() {
        let balancer = MaglevBalancer(identities: self.identities(3), weights: [1, 1, 2])
        var counts = [0, 0, 0]
        for _ in 0..<balancer.tableSize { counts[balancer.pick(BalancerRequest(clientIP: ""))!] += 1 }
        #expect(counts == balancer.slotCounts)
        #expect(abs(Double(counts[2]) / Double(counts[0]) - 2) < 0.1)
    }

    @Test func duplicateIdentitiesStillGetTheirOwnShare() {
        let balancer = MaglevBalancer(identities: ["a:1", "a:1"], weights: [1, 1])
        let slots = balancer.slotCounts
        #expect(slots[0] > 0 && slots[1] > 0)
    }

    @Test func tableSizeIsPrimeAndIndependentOfTheTargetCount() {
        #expect(MaglevBalancer(identities: self.identities(2), weights: [1, 1]).tableSize == MaglevTable.defaultSize)
        #expect(
            MaglevBalancer(identities: self.identities(600), weights: Array(repeating: 1, count: 600)).tableSize
                == MaglevTable.defaultSize)
        let small = MaglevTable(identities: self.identities(3), weights: [1, 1, 1], size: 1000)
        #expect(small.size == 1009)
    }

    @Test func oneTableServesManyBalancers() {
        let table = MaglevTable(identities: self.identities(4), weights: [1, 1, 1, 1])
        let first = MaglevBalancer(table: table)
        let second = MaglevBalancer(table: table)
        #expect(
            first.pick(BalancerRequest(clientIP: "", hashKey: 7))
                == second.pick(BalancerRequest(clientIP: "", hashKey: 7)))
    }
}
