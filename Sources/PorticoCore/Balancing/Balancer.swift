/// Picks a target of one upstream for each request.
///
/// A balancer is per event loop (one instance per loop per snapshot), so its state needs no
/// locks and it sees only its loop's traffic — the same trade-off Envoy makes per worker.
/// Balancers are pure: no I/O, no clock reads; tests drive them directly.
public protocol Balancer: AnyObject {
    /// The index of the target to use, or nil when no target is eligible.
    func pick(_ request: BalancerRequest) -> Int?
    /// A request was sent to `target` (for balancers that count load).
    func requestStarted(target: Int)
    /// A request to `target` finished.
    func requestFinished(target: Int)
}

extension Balancer {
    public func requestStarted(target: Int) {}
    public func requestFinished(target: Int) {}
}

/// What a balancer may look at to pick a target.
public struct BalancerRequest {
    /// The client's IP address as text (for `ip_hash`).
    public var clientIP: String
    /// Which targets may be chosen (health, retries avoiding a failed target); all when nil.
    public var eligible: TargetMask?

    /// Creates a balancer input.
    public init(clientIP: String, eligible: TargetMask? = nil) {
        self.clientIP = clientIP
        self.eligible = eligible
    }

    /// Whether `target` may be chosen.
    @inlinable
    public func isEligible(_ target: Int) -> Bool {
        self.eligible?.contains(target) ?? true
    }
}

/// A set of target indices.
public struct TargetMask: Sendable, Equatable {
    private var bits: [Bool]

    /// A mask with every one of `count` targets included or excluded.
    public init(count: Int, included: Bool) {
        self.bits = Array(repeating: included, count: count)
    }

    /// Whether `target` is in the set.
    public func contains(_ target: Int) -> Bool {
        target < self.bits.count && self.bits[target]
    }

    /// Adds or removes `target`.
    public mutating func set(_ target: Int, _ included: Bool) {
        if target < self.bits.count { self.bits[target] = included }
    }

    /// How many targets are in the set.
    public var count: Int { self.bits.reduce(0) { $0 + ($1 ? 1 : 0) } }
}

/// The balancing algorithms, by their config name.
public enum BalancerKind: String, Sendable, CaseIterable {
    case roundRobin = "round_robin"
    case weightedRoundRobin = "weighted_round_robin"
    case leastConnections = "least_connections"
    case random
    case ipHash = "ip_hash"

    /// A fresh balancer of this kind over targets with these weights.
    public func make(weights: [Int], random: FastRandom = FastRandom()) -> any Balancer {
        switch self {
        case .roundRobin: RoundRobinBalancer(targetCount: weights.count)
        case .weightedRoundRobin: WeightedRoundRobinBalancer(weights: weights)
        case .leastConnections: LeastConnectionsBalancer(weights: weights, random: random)
        case .random: RandomBalancer(weights: weights, random: random)
        case .ipHash: IPHashBalancer(weights: weights)
        }
    }
}
