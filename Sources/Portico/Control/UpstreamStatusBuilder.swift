import NIOCore
import PorticoAdmin
import PorticoCore
import PorticoServer

/// Puts together what `GET /upstreams` shows: the shared target view, the health checker's
/// verdicts and every event loop's live state.
enum UpstreamStatusBuilder {
    static func status(of upstream: Upstream, live: UpstreamLiveState, health: [PoolKey: HealthStatus]?)
        -> UpstreamStatus
    {
        let view = upstream.state.view
        let targets = view.targets.enumerated().map { index, target in
            let state = live.targets[target.poolKey] ?? UpstreamLiveState.Target()
            let verdict = health.map { $0[target.poolKey]?.rawValue ?? HealthStatus.unknown.rawValue } ?? "unchecked"
            return TargetStatus(
                url: target.url,
                address: "\(target.address.ipAddress ?? target.host):\(target.port)",
                weight: target.weight,
                health: verdict,
                takesTraffic: view.healthy[index],
                ejectedWorkers: state.ejectedOnLoops,
                consecutiveFailures: state.consecutiveFailures,
                inFlight: state.inFlight,
                ewmaMilliseconds: state.latencyEstimate.map { Double($0.nanoseconds) / 1e6 }
            )
        }
        return UpstreamStatus(
            name: upstream.name,
            balancer: upstream.balancer.rawValue,
            discovery: upstream.discovery.map(Self.describe),
            healthCheck: upstream.healthCheck?.kind.rawValue,
            circuitBreaker: upstream.resilience.breaker.map { _ in
                CircuitBreakerStatus(
                    workers: live.circuitStates.map(\.rawValue),
                    reopensInSeconds: live.circuitReopensIn.map { Double($0.nanoseconds) / 1e9 })
            },
            activeRetries: live.activeRetries,
            targets: targets
        )
    }

    static func describe(_ discovery: TargetDiscovery) -> String {
        switch discovery {
        case .registry(let service): "registry:\(service)"
        case .dns(let host, let port, _): "dns:\(host):\(port)"
        case .srv(let name, _): "srv:\(name)"
        }
    }
}
