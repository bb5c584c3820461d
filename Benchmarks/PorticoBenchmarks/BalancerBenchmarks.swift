import Benchmark
import NIOCore
import Portico

/// One balancer over 8 targets and the requests it picks for.
///
/// Every balancer is built as the server builds it (`BalancerKind.make` with the targets'
/// weights and identities), all targets eligible (the common case: no unhealthy or ejected
/// target, so no mask). Requests come from 1000 client addresses; for `consistent_hash` each
/// carries the hash of a user id header, as `hash_on: header:x-user-id` computes it.
/// `least_connections` and `p2c_ewma` start from a loaded state (requests in flight, latency
/// estimates), so their picks compare real numbers.
final class BalancerState {
    static let targetCount = 8
    /// One benchmark iteration picks once for each (the scaling factor, `.kilo`).
    static let requestCount = 1000

    let balancer: any Balancer
    let requests: [BalancerRequest]

    init(kind: BalancerKind) {
        let weights = [3, 1, 1, 2, 1, 1, 2, 1]
        let identities = (0..<Self.targetCount).map { "backend-\($0).internal@10.0.0.\($0 + 10):8080" }
        self.balancer = kind.make(weights: weights, identities: identities, random: FastRandom(seed: 42))
        let hashOn = HashOn.header("x-user-id")
        self.requests = (0..<Self.requestCount).map { index in
            let clientIP = "198.51.\(100 + index / 256).\(index % 256)"
            var request = BalancerRequest(clientIP: clientIP)
            if kind == .consistentHash {
                let head = RequestHead(
                    method: .GET, target: "/", headers: HeaderList([("x-user-id", "user-\(index * 7919)")]))
                request.hashKey = hashOn.key(of: head, clientIP: clientIP)
            }
            return request
        }
        var random = InputRandom()
        for target in 0..<Self.targetCount {
            for _ in 0..<random.below(6) { self.balancer.requestStarted(target: target) }
            let latency = TimeAmount.microseconds(Int64(400 + random.below(1600)))
            self.balancer.recordLatency(target: target, latency: latency, now: .uptimeNanoseconds(1_000_000_000))
        }
    }
}

func balancerBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: standardMetrics,
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 100_000
    )
    for kind in BalancerKind.allCases {
        Benchmark("Balancer.\(kind.rawValue)", configuration: configuration) { benchmark, state in
            let balancer = state.balancer
            let requests = state.requests
            precondition(requests.count == benchmark.scaledIterations.count)
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                blackHole(balancer.pick(requests[index]))
            }
            benchmark.stopMeasurement()
        } setup: {
            BalancerState(kind: kind)
        }
    }
}
