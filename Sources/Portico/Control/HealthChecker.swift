import Logging
import NIOConcurrencyHelpers
import NIOCore
import PorticoCore
import PorticoHealth

/// Active health checks of one upstream (SPEC F-22): the probe scheduler (I/O) feeding the
/// health state machine, whose verdicts go into the upstream's shared ``UpstreamState``.
final class HealthChecker: Sendable {
    private let upstream: Upstream
    private let scheduler: HealthCheckScheduler
    private let state: NIOLockedValueBox<State>
    private let logger: Logger
    /// Whether probe successes are published for passive detection (returns ejected
    /// targets early); without `passive` nobody reads them.
    private let publishSuccesses: Bool

    private struct State {
        var tracker: HealthTracker<PoolKey>
        var keys: [ProbeTarget: PoolKey]
        var names: [PoolKey: String]
    }

    /// Builds the probe (TLS files are loaded now: a broken one fails here, not later).
    init(upstream: Upstream, check: ActiveHealthCheck, group: any EventLoopGroup, logger: Logger) throws {
        self.upstream = upstream
        self.logger = logger
        self.publishSuccesses = upstream.resilience.outlier != nil
        let configuration = ProbeConfiguration(
            kind: ProbeConfiguration.Kind(rawValue: check.kind.rawValue) ?? .tcp,
            path: check.path,
            host: check.host,
            expectedStatuses: check.expectedStatuses,
            bodyContains: check.bodyContains,
            service: check.service,
            tls: ProbeConfiguration.TLSOptions(
                caFile: check.tls.caFile, serverName: check.tls.serverName, verify: check.tls.verify,
                certificateFile: check.tls.certificateFile, keyFile: check.tls.keyFile),
            timeout: check.timeout
        )
        let probe: HealthProbe
        do {
            probe = try HealthProbe(configuration: configuration, eventLoopGroup: group)
        } catch {
            throw ControlPlaneError("upstream '\(upstream.name)': health_check: \(error)")
        }
        let targets = upstream.state.view.targets
        self.state = NIOLockedValueBox(
            State(
                tracker: HealthTracker(
                    targets: targets.map(\.poolKey),
                    settings: .init(
                        healthyThreshold: check.healthyThreshold, unhealthyThreshold: check.unhealthyThreshold)),
                keys: Self.keys(targets), names: Self.names(targets)))
        self.scheduler = HealthCheckScheduler(
            targets: Array(Self.keys(targets).keys),
            probe: probe,
            interval: check.interval,
            timeout: check.timeout + .milliseconds(100),
            jitter: HealthCheckScheduler.proportionalJitter(fraction: 0.1, seed: UInt64.random(in: 0...UInt64.max))
        )
    }

    /// The upstream's targets changed (discovery): probe the new list.
    func setTargets(_ targets: [UpstreamTarget]) {
        let keys = Self.keys(targets)
        self.state.withLockedValue { state in
            state.tracker.setTargets(targets.map(\.poolKey))
            state.keys = keys
            state.names = Self.names(targets)
        }
        self.scheduler.replaceTargets(Array(keys.keys))
    }

    /// Probes until the task is cancelled.
    func run() async {
        await self.scheduler.run { result in self.record(result) }
    }

    private func record(_ result: ProbeResult) {
        let (key, transition, name) = self.state.withLockedValue {
            state -> (PoolKey?, HealthTransition<PoolKey>?, String) in
            guard let key = state.keys[result.target] else { return (nil, nil, "") }
            let transition =
                result.isSuccess ? state.tracker.probeSucceeded(key) : state.tracker.probeFailed(key)
            return (key, transition, state.names[key] ?? result.target.description)
        }
        guard let key else { return }
        if result.isSuccess && self.publishSuccesses { self.upstream.state.recordProbeSuccess(for: key) }
        guard let transition else { return }
        self.upstream.state.setHealthy(transition.to.takesTraffic, for: key)
        var metadata: Logger.Metadata = [
            "upstream": "\(self.upstream.name)", "target": "\(name)",
            "from": "\(transition.from.rawValue)", "to": "\(transition.to.rawValue)",
        ]
        if let failure = result.failure { metadata["reason"] = "\(failure)" }
        if transition.to == .unhealthy {
            self.logger.warning("target unhealthy", metadata: metadata)
        } else {
            self.logger.notice("target healthy", metadata: metadata)
        }
    }

    /// The verdict on each target (admin API).
    func statuses() -> [PoolKey: HealthStatus] {
        self.state.withLockedValue { state in
            var result: [PoolKey: HealthStatus] = [:]
            for key in state.keys.values { result[key] = state.tracker.status(of: key) }
            return result
        }
    }

    private static func keys(_ targets: [UpstreamTarget]) -> [ProbeTarget: PoolKey] {
        var keys: [ProbeTarget: PoolKey] = [:]
        for target in targets {
            keys[ProbeTarget(host: target.host, port: target.port, address: target.address)] = target.poolKey
        }
        return keys
    }

    private static func names(_ targets: [UpstreamTarget]) -> [PoolKey: String] {
        Dictionary(targets.map { ($0.poolKey, $0.authority) }) { first, _ in first }
    }
}

/// A control-plane component that cannot start (a health check's TLS files, ...).
public struct ControlPlaneError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
