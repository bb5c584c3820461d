/// The balancing algorithms, by their config name.
public enum BalancerKind: String, Sendable, CaseIterable {
    case roundRobin = "round_robin"
    case weightedRoundRobin = "weighted_round_robin"
    case leastConnections = "least_connections"
    case random
    case ipHash = "ip_hash"
    case p2cEWMA = "p2c_ewma"
    case consistentHash = "consistent_hash"

    /// A fresh balancer of this kind over targets with these weights.
    ///
    /// `identities` name the targets stably across rebuilds (`"host:port"`, one per weight):
    /// `consistent_hash` builds its table from them so that adding or removing a target moves
    /// only about that target's share of keys. Without them, indices stand in, which is
    /// stable only while targets are appended at the end. (To build the Maglev table once
    /// per target list rather than once per event loop, share a ``MaglevTable`` between
    /// ``MaglevBalancer/init(table:)``s instead.)
    public func make(weights: [Int], identities: [String]? = nil, random: FastRandom = FastRandom()) -> any Balancer {
        switch self {
        case .roundRobin: RoundRobinBalancer(targetCount: weights.count)
        case .weightedRoundRobin: WeightedRoundRobinBalancer(weights: weights)
        case .leastConnections: LeastConnectionsBalancer(weights: weights, random: random)
        case .random: RandomBalancer(weights: weights, random: random)
        case .ipHash: IPHashBalancer(weights: weights)
        case .p2cEWMA: PowerOfTwoChoicesBalancer(weights: weights, random: random)
        case .consistentHash:
            MaglevBalancer(
                identities: identities ?? weights.indices.map { String($0) },
                weights: weights
            )
        }
    }
}
