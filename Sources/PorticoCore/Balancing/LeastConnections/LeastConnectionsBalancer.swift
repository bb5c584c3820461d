/// The target with the fewest requests in flight on this event loop, relative to its
/// weight; ties are broken at random so equal targets share load.
public final class LeastConnectionsBalancer: Balancer {
    private let weights: [Int]
    private var inFlight: [Int]
    private var random: FastRandom

    /// A balancer over targets with these weights.
    public init(weights: [Int], random: FastRandom = FastRandom()) {
        self.weights = weights.map { max($0, 1) }
        self.inFlight = Array(repeating: 0, count: weights.count)
        self.random = random
    }

    /// Requests currently in flight per target (for tests and the admin API).
    public var activeRequests: [Int] { self.inFlight }

    public func pick(_ request: BalancerRequest) -> Int? {
        var best: Int?
        var ties = 0
        for index in self.weights.indices where request.isEligible(index) {
            guard let current = best else {
                best = index
                ties = 1
                continue
            }
            // Compare inFlight/weight without division: a/wa < b/wb ⇔ a·wb < b·wa.
            let lhs = self.inFlight[index] * self.weights[current]
            let rhs = self.inFlight[current] * self.weights[index]
            if lhs < rhs {
                best = index
                ties = 1
            } else if lhs == rhs {
                // Reservoir sampling keeps each tied target equally likely.
                ties += 1
                if Int.random(in: 0..<ties, using: &self.random) == 0 { best = index }
            }
        }
        return best
    }

    public func requestStarted(target: Int) {
        if target < self.inFlight.count { self.inFlight[target] += 1 }
    }

    public func requestFinished(target: Int) {
        if target < self.inFlight.count, self.inFlight[target] > 0 { self.inFlight[target] -= 1 }
    }
}
