/// A random target, with probability proportional to its weight.
public final class RandomBalancer: Balancer {
    private let weights: [Int]
    private var random: FastRandom

    /// A balancer over targets with these weights.
    public init(weights: [Int], random: FastRandom = FastRandom()) {
        self.weights = weights.map { max($0, 1) }
        self.random = random
    }

    public func pick(_ request: BalancerRequest) -> Int? {
        var total = 0
        for index in self.weights.indices where request.isEligible(index) { total += self.weights[index] }
        guard total > 0 else { return nil }
        var point = Int.random(in: 0..<total, using: &self.random)
        for index in self.weights.indices where request.isEligible(index) {
            if point < self.weights[index] { return index }
            point -= self.weights[index]
        }
        return nil
    }
}
