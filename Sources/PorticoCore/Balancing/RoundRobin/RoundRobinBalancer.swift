/// Each target in turn, ignoring weights; skips ineligible targets.
public final class RoundRobinBalancer: Balancer {
    private let targetCount: Int
    private var next = 0

    /// A balancer over `targetCount` targets.
    public init(targetCount: Int) {
        self.targetCount = targetCount
    }

    public func pick(_ request: BalancerRequest) -> Int? {
        guard self.targetCount > 0 else { return nil }
        for _ in 0..<self.targetCount {
            let candidate = self.next
            self.next = candidate + 1 == self.targetCount ? 0 : candidate + 1
            if request.isEligible(candidate) { return candidate }
        }
        return nil
    }
}
