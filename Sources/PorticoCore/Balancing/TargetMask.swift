/// A set of target indices.
public struct TargetMask: Sendable, Equatable {
    private var bits: [Bool]

    /// A mask with every one of `count` targets included or excluded.
    public init(count: Int, included: Bool) {
        self.bits = Array(repeating: included, count: count)
    }

    /// A mask including the targets whose flag is true (`flags[i]` for target `i`).
    public init(_ flags: [Bool]) {
        self.bits = flags
    }

    /// Whether `target` is in the set.
    public func contains(_ target: Int) -> Bool {
        target >= 0 && target < self.bits.count && self.bits[target]
    }

    /// Adds or removes `target`.
    public mutating func set(_ target: Int, _ included: Bool) {
        if target >= 0 && target < self.bits.count { self.bits[target] = included }
    }

    /// How many targets are in the set.
    public var count: Int { self.bits.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// How many targets the mask describes (included or not).
    public var targetCount: Int { self.bits.count }

    /// Whether no target is in the set.
    public var isEmpty: Bool { !self.bits.contains(true) }

    /// The targets in both masks.
    public func intersection(_ other: TargetMask) -> TargetMask {
        var result = self
        for index in result.bits.indices where result.bits[index] && !other.contains(index) {
            result.bits[index] = false
        }
        return result
    }

    /// This mask without `target`, unless that would leave it empty: a retry avoids the
    /// target that just failed only when another one can take the request.
    public func excludingIfOthersRemain(_ target: Int) -> TargetMask {
        guard self.contains(target) else { return self }
        var result = self
        result.bits[target] = false
        return result.isEmpty ? self : result
    }
}
