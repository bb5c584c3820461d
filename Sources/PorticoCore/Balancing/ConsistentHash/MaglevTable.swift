/// A Maglev lookup table (Eisenbud et al., NSDI 2016), weighted: slot → target index.
///
/// Immutable and `Sendable`: build it once per target list and share it between the event
/// loops' ``MaglevBalancer``s. It is built from stable target identities (`"host:port"`),
/// never from indices, and its size does not depend on the number of targets, so a table
/// rebuilt for a changed target list keeps every surviving target's keys except about the
/// share of the target that came or went.
public final class MaglevTable: Sendable {
    /// The default size, as in Envoy: about 1% share precision up to 655 targets.
    public static let defaultSize = 65537
    /// The size for more than 655 targets.
    public static let largeSize = 655_373

    /// Slot → target index.
    let slots: [Int32]
    /// The number of targets.
    public let targetCount: Int

    /// A table over targets named by `identities`, with these weights (each taken as at least
    /// 1). `size` is rounded up to a prime; keep it the same across rebuilds (every key moves
    /// when it changes); by default ``defaultSize``, or ``largeSize`` past 655 targets.
    public init(identities: [String], weights: [Int], size: Int? = nil) {
        precondition(identities.count == weights.count, "one identity per target")
        self.targetCount = identities.count
        guard !identities.isEmpty else {
            self.slots = []
            return
        }
        let requested = size ?? (identities.count * 100 <= Self.defaultSize ? Self.defaultSize : Self.largeSize)
        self.slots = Self.populate(
            identities: Self.unique(identities),
            weights: weights.map { max($0, 1) },
            size: Self.prime(atLeast: max(requested, identities.count + 1, 2))
        )
    }

    /// The number of slots (a prime).
    public var size: Int { self.slots.count }

    /// The owner of `slot`.
    @inline(__always)
    public func owner(ofSlot slot: Int) -> Int { Int(self.slots[slot]) }

    /// Slots owned by each target: its share of keys is `slots / size`.
    public var slotCounts: [Int] {
        var counts = Array(repeating: 0, count: self.targetCount)
        for owner in self.slots { counts[Int(owner)] += 1 }
        return counts
    }

    /// Maglev population: each target walks its own permutation of the slots (from an
    /// offset, by a skip, both derived from its identity) and claims the next free slot on
    /// its turn; a target of weight w takes a turn w/maxWeight as often as the heaviest one
    /// (Envoy's weighted variant). Turns go in identity order, so config order is irrelevant.
    private static func populate(identities: [String], weights: [Int], size: Int) -> [Int32] {
        let count = identities.count
        var offsets = [Int](repeating: 0, count: count)
        var skips = [Int](repeating: 0, count: count)
        for (index, identity) in identities.enumerated() {
            let hash = StableHash.hash(identity)
            offsets[index] = Int(StableHash.mix(hash ^ 0x5851_F42D_4C95_7F2D) % UInt64(size))
            skips[index] = Int(StableHash.mix(hash ^ 0x1405_7B7E_F767_814F) % UInt64(size - 1)) + 1
        }
        let order = identities.indices.sorted { identities[$0] < identities[$1] }
        let maxWeight = weights.max() ?? 1
        var next = [Int](repeating: 0, count: count)
        var credit = [Int](repeating: 0, count: count)
        var table = [Int32](repeating: -1, count: size)
        var filled = 0
        var round = 1
        while filled < size {
            for index in order where filled < size && round * weights[index] >= credit[index] {
                credit[index] += maxWeight
                var slot = (offsets[index] + next[index] * skips[index]) % size
                while table[slot] >= 0 {
                    next[index] += 1
                    slot = (offsets[index] + next[index] * skips[index]) % size
                }
                table[slot] = Int32(index)
                next[index] += 1
                filled += 1
            }
            round += 1
        }
        return table
    }

    /// Identities made unique (a repeated `"host:port"` gets `#2`, `#3`, …) so that each
    /// target has its own permutation.
    private static func unique(_ identities: [String]) -> [String] {
        var seen: [String: Int] = [:]
        return identities.map { identity in
            let occurrence = seen[identity, default: 0] + 1
            seen[identity] = occurrence
            return occurrence == 1 ? identity : "\(identity)#\(occurrence)"
        }
    }

    private static func prime(atLeast value: Int) -> Int {
        var candidate = max(value, 2)
        while !Self.isPrime(candidate) { candidate += 1 }
        return candidate
    }

    private static func isPrime(_ value: Int) -> Bool {
        if value < 4 { return value >= 2 }
        if value % 2 == 0 { return false }
        var divisor = 3
        while divisor * divisor <= value {
            if value % divisor == 0 { return false }
            divisor += 2
        }
        return true
    }
}
