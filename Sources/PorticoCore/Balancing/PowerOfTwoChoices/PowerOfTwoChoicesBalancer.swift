import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Power of two choices over peak-EWMA latency (`p2c_ewma`, as in Finagle and Linkerd):
/// two distinct eligible targets are drawn at random (by weight), and the one with the lower
/// score — (requests in flight + 1) × its latency estimate — gets the request.
///
/// Two random candidates avoid the herding of "always the best" while still steering away
/// from slow or overloaded targets. The latency estimate is an exponentially weighted moving
/// average whose weights decay with the time between observations (time constant
/// `decayTime`), so it adapts at the same pace whatever the request rate; a sample above the
/// estimate replaces it at once (peak sensitivity), so a target that turns slow is noticed on
/// its first slow answer. Targets not heard from drift back toward `defaultLatency`, an
/// optimistic prior: new and long-idle targets get tried.
public final class PowerOfTwoChoicesBalancer: Balancer {
    private let weights: [Int]
    private let uniformWeights: Bool
    private var inFlight: [Int]
    /// Latency estimates in nanoseconds; nil until the first observation.
    private var estimates: [Double?]
    private var observedAt: [NIODeadline]
    /// The latest observation time: the balancer's notion of "now" (it never reads a clock).
    private var clock = NIODeadline.uptimeNanoseconds(0)
    private let decayNanoseconds: Double
    private let defaultNanoseconds: Double
    private var random: FastRandom

    /// A balancer over targets with these weights (each taken as at least 1).
    ///
    /// - Parameters:
    ///   - decayTime: the EWMA time constant; default 10 s.
    ///   - defaultLatency: the estimate of a target with no (recent) observation; default 1 ms.
    public init(
        weights: [Int],
        decayTime: TimeAmount = .seconds(10),
        defaultLatency: TimeAmount = .milliseconds(1),
        random: FastRandom = FastRandom()
    ) {
        self.weights = weights.map { max($0, 1) }
        self.uniformWeights = Set(self.weights).count <= 1
        self.inFlight = Array(repeating: 0, count: weights.count)
        self.estimates = Array(repeating: nil, count: weights.count)
        self.observedAt = Array(repeating: .uptimeNanoseconds(0), count: weights.count)
        self.decayNanoseconds = Double(max(decayTime.nanoseconds, 1))
        self.defaultNanoseconds = Double(max(defaultLatency.nanoseconds, 0))
        self.random = random
    }

    /// Requests currently in flight per target (for tests and the admin API).
    public var activeRequests: [Int] { self.inFlight }

    /// The current latency estimate of `target`, decayed toward the default as of the latest
    /// observation of any target.
    public func latencyEstimate(target: Int) -> TimeAmount {
        .nanoseconds(Int64(self.estimate(target)))
    }

    /// The score of `target`: lower is better.
    public func score(target: Int) -> Double {
        Double(self.inFlight[target] + 1) * self.estimate(target)
    }

    public func pick(_ request: BalancerRequest) -> Int? {
        let count = self.weights.count
        guard count > 0 else { return nil }
        let first: Int
        let second: Int
        if request.eligible == nil && self.uniformWeights {
            guard count > 1 else { return 0 }
            first = Int.random(in: 0..<count, using: &self.random)
            let other = Int.random(in: 0..<(count - 1), using: &self.random)
            second = other >= first ? other + 1 : other
        } else {
            var eligibleWeight = 0
            var eligibleCount = 0
            for index in 0..<count where request.isEligible(index) {
                eligibleWeight += self.weights[index]
                eligibleCount += 1
            }
            guard eligibleCount > 0 else { return nil }
            first = self.draw(request, totalWeight: eligibleWeight, excluding: nil)
            guard eligibleCount > 1 else { return first }
            second = self.draw(request, totalWeight: eligibleWeight - self.weights[first], excluding: first)
        }
        return self.score(target: second) < self.score(target: first) ? second : first
    }

    public func requestStarted(target: Int) {
        if target < self.inFlight.count { self.inFlight[target] += 1 }
    }

    public func requestFinished(target: Int) {
        if target < self.inFlight.count, self.inFlight[target] > 0 { self.inFlight[target] -= 1 }
    }

    public func recordLatency(target: Int, latency: TimeAmount, now: NIODeadline) {
        guard target >= 0 && target < self.estimates.count else { return }
        let sample = Double(max(latency.nanoseconds, 0))
        if let previous = self.estimates[target], sample < previous {
            let elapsed = Double(max((now - self.observedAt[target]).nanoseconds, 0))
            let keep = exp(-elapsed / self.decayNanoseconds)
            self.estimates[target] = previous * keep + sample * (1 - keep)
        } else {
            self.estimates[target] = sample
        }
        if now > self.observedAt[target] { self.observedAt[target] = now }
        if now > self.clock { self.clock = now }
    }

    private func estimate(_ target: Int) -> Double {
        guard let estimate = self.estimates[target] else { return self.defaultNanoseconds }
        let silence = Double(max((self.clock - self.observedAt[target]).nanoseconds, 0))
        guard silence > 0 else { return estimate }
        return self.defaultNanoseconds + (estimate - self.defaultNanoseconds) * exp(-silence / self.decayNanoseconds)
    }

    /// An eligible target other than `excluded`, with probability proportional to its weight;
    /// `totalWeight` is the sum over those candidates.
    private func draw(_ request: BalancerRequest, totalWeight: Int, excluding excluded: Int?) -> Int {
        var point = Int.random(in: 0..<totalWeight, using: &self.random)
        var last = 0
        for index in self.weights.indices where index != excluded && request.isEligible(index) {
            if point < self.weights[index] { return index }
            point -= self.weights[index]
            last = index
        }
        return last
    }
}
