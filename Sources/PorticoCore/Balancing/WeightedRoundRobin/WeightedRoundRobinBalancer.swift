/// Smooth weighted round robin (the nginx algorithm): over any window of `Σweights` picks,
/// each target gets exactly its weight, and picks of a heavy target are spread out instead
/// of coming in bursts.
public final class WeightedRoundRobinBalancer: Balancer {
    private let weights: [Int]
    private var current: [Int]

    /// A balancer over targets with these weights (each ≥ 1).
    public init(weights: [Int]) {
        self.weights = weights.map { max($0, 1) }
        self.current = Array(repeating: 0, count: weights.count)
    }

    public func pick(_ request: BalancerRequest) -> Int? {
        var best: Int?
        var total = 0
        for index in self.weights.indices where request.isEligible(index) {
            self.current[index] += self.weights[index]
            total += self.weights[index]
            if best == nil || self.current[index] > self.current[best!] { best = index }
        }
        guard let best else { return nil }
        self.current[best] -= total
        return best
    }
}
