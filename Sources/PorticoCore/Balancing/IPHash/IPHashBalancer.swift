/// The same client IP always reaches the same target while the target set is unchanged
/// (session affinity without cookies), with targets weighted by their share of hash slots.
///
/// When the chosen target is ineligible the walk continues to the next slot, so only that
/// target's clients move.
public final class IPHashBalancer: Balancer {
    private let slots: [Int]

    /// A balancer over targets with these weights.
    public init(weights: [Int]) {
        var slots: [Int] = []
        for (index, weight) in weights.enumerated() {
            slots.append(contentsOf: repeatElement(index, count: max(weight, 1)))
        }
        self.slots = slots
    }

    public func pick(_ request: BalancerRequest) -> Int? {
        guard !self.slots.isEmpty else { return nil }
        let start = Int(Self.fnv1a(request.clientIP) % UInt64(self.slots.count))
        for offset in 0..<self.slots.count {
            let target = self.slots[(start + offset) % self.slots.count]
            if request.isEligible(target) { return target }
        }
        return nil
    }

    /// FNV-1a: stable across processes and restarts, unlike `Hasher`, which is seeded per
    /// process and would move every client on restart.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
