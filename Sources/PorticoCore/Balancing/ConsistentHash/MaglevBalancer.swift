/// Consistent hashing over a ``MaglevTable`` (`consistent_hash`): requests with the same
/// ``BalancerRequest/hashKey`` reach the same target, targets get keys in proportion to
/// their weights, and adding or removing one target of N moves only about 1/N of the keys.
///
/// When a key's target is ineligible (unhealthy, ejected, or just failed on a retry), the
/// key is re-hashed to further slots in a fixed sequence: only that target's keys move, they
/// spread over the others by weight, and they come back when it does. Requests without a key
/// walk the table in order, which interleaves the targets by weight.
public final class MaglevBalancer: Balancer {
    /// The lookup table (shared between event loops).
    public let table: MaglevTable
    private var nextKeylessSlot = 0

    /// Re-hashed probes tried for an ineligible target before walking the table in order.
    private static let rehashProbes = 16

    /// A balancer over a table built once for the upstream's current targets.
    public init(table: MaglevTable) {
        self.table = table
    }

    /// A balancer over a table of its own (see ``MaglevTable/init(identities:weights:size:)``).
    public convenience init(identities: [String], weights: [Int], tableSize: Int? = nil) {
        self.init(table: MaglevTable(identities: identities, weights: weights, size: tableSize))
    }

    /// The number of slots in the lookup table.
    public var tableSize: Int { self.table.size }

    /// Slots owned by each target: its share of keys is `slots / tableSize`.
    public var slotCounts: [Int] { self.table.slotCounts }

    public func pick(_ request: BalancerRequest) -> Int? {
        let size = self.table.size
        guard size > 0 else { return nil }
        guard let key = request.hashKey else {
            let start = self.nextKeylessSlot
            self.nextKeylessSlot = start + 1 == size ? 0 : start + 1
            return self.walk(from: start, request)
        }
        // Mixed once more so that keys hashed some other way still spread over all slots.
        var probe = StableHash.mix(key)
        let first = self.table.owner(ofSlot: Int(probe % UInt64(size)))
        if request.isEligible(first) { return first }
        guard (0..<self.table.targetCount).contains(where: { request.isEligible($0) }) else { return nil }
        for _ in 0..<Self.rehashProbes {
            probe = StableHash.mix(probe &+ 0x9E37_79B9_7F4A_7C15)
            let target = self.table.owner(ofSlot: Int(probe % UInt64(size)))
            if request.isEligible(target) { return target }
        }
        return self.walk(from: Int(probe % UInt64(size)), request)
    }

    /// The first eligible owner from `start` on, wrapping around.
    private func walk(from start: Int, _ request: BalancerRequest) -> Int? {
        let size = self.table.size
        var slot = start
        for _ in 0..<size {
            let target = self.table.owner(ofSlot: slot)
            if request.isEligible(target) { return target }
            slot = slot + 1 == size ? 0 : slot + 1
        }
        return nil
    }
}
