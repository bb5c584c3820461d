import Logging
import NIOCore
import PorticoCore
import PorticoObservability

/// Where one loop's resilience events go: counters for `/metrics` and a log line for the
/// ones an operator wants to see (ejections, breaker changes). Retries are only counted:
/// under a failing upstream they are too many to log one by one.
final class UpstreamEvents {
    private let metrics: LoopMetrics
    private let logger: Logger

    init(metrics: LoopMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
    }

    func circuitChanged(_ upstream: Upstream, _ transition: CircuitTransition) {
        self.metrics.recordUpstreamEvent(
            GatewayMetrics.MetricName.circuitTransitions, upstream: upstream.name, label: "to",
            value: transition.to.rawValue)
        let level: Logger.Level = transition.to == .open ? .warning : .notice
        self.logger.log(
            level: level, "circuit breaker \(transition.from.rawValue) → \(transition.to.rawValue)",
            metadata: ["upstream": "\(upstream.name)"])
    }

    func outlierChanged(_ upstream: Upstream, _ transition: OutlierTransition<PoolKey>, target: String) {
        switch transition {
        case .ejected(_, let until, let ejections):
            self.metrics.recordUpstreamEvent(
                GatewayMetrics.MetricName.ejections, upstream: upstream.name, label: "target", value: target)
            self.logger.warning(
                "target ejected after consecutive failures",
                metadata: [
                    "upstream": "\(upstream.name)", "target": "\(target)",
                    "for_ms": "\((until - .now()).nanoseconds / 1_000_000)", "ejections": "\(ejections)",
                ])
        case .returned(_, let early):
            self.logger.notice(
                "ejected target back in service",
                metadata: [
                    "upstream": "\(upstream.name)", "target": "\(target)",
                    "reason": "\(early ? "active check passed" : "ejection time over")",
                ])
        }
    }

    func retried(_ upstream: Upstream, _ failure: AttemptFailure) {
        self.metrics.recordUpstreamEvent(
            GatewayMetrics.MetricName.retries, upstream: upstream.name, label: "reason", value: failure.metricReason)
    }

    func retryGaveUp(_ upstream: Upstream, _ reason: RetryGiveUpReason, _ failure: AttemptFailure) {
        // A failure no condition covers is not a skipped retry, just a failure.
        guard reason != .notRetryable else { return }
        self.metrics.recordUpstreamEvent(
            GatewayMetrics.MetricName.retriesSkipped, upstream: upstream.name, label: "reason", value: reason.rawValue)
    }
}

extension AttemptFailure {
    /// The `reason` label of the retry counter.
    var metricReason: String {
        switch self {
        case .connectFailure: "connect_failure"
        case .reset: "reset"
        case .timeout: "timeout"
        case .status(let status): String(status)
        }
    }
}
