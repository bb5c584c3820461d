import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus

/// The gateway's Prometheus metrics: names in one place (``MetricName``), series created
/// through swift-metrics on a ``PrometheusMetricsFactory``, fed from the per-loop
/// ``LoopMetrics`` when scraped.
///
/// Latency histograms are written here rather than through swift-prometheus's `Histogram`:
/// that type takes a lock per `record` and cannot merge pre-bucketed counts, so per-loop
/// buckets could not be folded into it without replaying every sample.
public final class GatewayMetrics: Sendable {
    /// The registry that `/metrics` renders (library metrics may share it).
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let state = NIOLockedValueBox(State())

    private struct State {
        var counters: [String: CoreMetrics.Counter] = [:]
        var gauges: [String: CoreMetrics.Gauge] = [:]
        var latency: [String: HistogramDelta] = [:]
    }

    /// Metric names.
    public enum MetricName {
        public static let requests = "portico_requests_total"
        public static let requestDuration = "portico_request_duration_seconds"
        public static let activeConnections = "portico_active_connections"
        public static let activeTunnels = "portico_active_tunnels"
        public static let upgrades = "portico_websocket_upgrades_total"
        public static let upstreamErrors = "portico_upstream_errors_total"
        public static let bytesReceived = "portico_request_body_bytes_total"
        public static let bytesSent = "portico_response_body_bytes_total"
        public static let configReloads = "portico_config_reloads_total"
        public static let retries = "portico_upstream_retries_total"
        public static let retriesSkipped = "portico_upstream_retries_skipped_total"
        public static let ejections = "portico_upstream_ejections_total"
        public static let circuitTransitions = "portico_circuit_breaker_transitions_total"
        public static let targetHealthy = "portico_upstream_target_healthy"
        public static let poolConnections = "portico_upstream_pool_connections"
    }

    /// Metrics on a fresh registry (or a given one).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
        // Series that should exist (at 0) before the first request.
        self.state.withLockedValue { state in
            _ = self.gauge(MetricName.activeConnections, [], &state)
            _ = self.gauge(MetricName.activeTunnels, [], &state)
            _ = self.counter(MetricName.bytesReceived, [], &state)
            _ = self.counter(MetricName.bytesSent, [], &state)
        }
    }

    /// Folds drained per-loop counts in.
    public func apply(_ deltas: [MetricsDelta]) {
        self.state.withLockedValue { state in
            var connections = 0
            var tunnels = 0
            for delta in deltas {
                for (key, count) in delta.requests {
                    let route = key.route.isEmpty ? "(none)" : key.route
                    let statusClass = key.statusClass == 0 ? "none" : "\(key.statusClass)xx"
                    self.counter(MetricName.requests, [("route", route), ("status_class", statusClass)], &state)
                        .increment(by: count)
                }
                for (route, histogram) in delta.latency {
                    let name = route.isEmpty ? "(none)" : route
                    var total = state.latency[name] ?? HistogramDelta(bucketCount: histogram.counts.count)
                    for index in histogram.counts.indices { total.counts[index] += histogram.counts[index] }
                    total.sumNanos += histogram.sumNanos
                    state.latency[name] = total
                }
                for (key, count) in delta.upstreamErrors {
                    self.counter(MetricName.upstreamErrors, [("upstream", key.upstream), ("kind", key.kind)], &state)
                        .increment(by: count)
                }
                for (key, count) in delta.upstreamEvents {
                    self.counter(key.metric, [("upstream", key.upstream), (key.label, key.value)], &state)
                        .increment(by: count)
                }
                if delta.upgrades > 0 { self.counter(MetricName.upgrades, [], &state).increment(by: delta.upgrades) }
                if delta.bytesReceived > 0 {
                    self.counter(MetricName.bytesReceived, [], &state).increment(by: delta.bytesReceived)
                }
                if delta.bytesSent > 0 { self.counter(MetricName.bytesSent, [], &state).increment(by: delta.bytesSent) }
                connections += delta.activeConnections
                tunnels += delta.activeTunnels
            }
            self.gauge(MetricName.activeConnections, [], &state).record(connections)
            self.gauge(MetricName.activeTunnels, [], &state).record(tunnels)
        }
    }

    /// Sets a gauge (target health, pool sizes), created on first use.
    public func setGauge(_ name: String, _ labels: [(String, String)], to value: Int) {
        self.state.withLockedValue { state in
            self.gauge(name, labels, &state).record(value)
        }
    }

    /// Counts a config reload attempt.
    public func recordReload(succeeded: Bool) {
        self.state.withLockedValue { state in
            self.counter(MetricName.configReloads, [("result", succeeded ? "ok" : "failed")], &state).increment()
        }
    }

    /// The Prometheus text exposition.
    public func render() -> String {
        var text = self.registry.emitToString()
        let latency = self.state.withLockedValue { $0.latency }
        guard !latency.isEmpty else { return text }
        let name = MetricName.requestDuration
        text += "# HELP \(name) Time from request head received to response end.\n"
        text += "# TYPE \(name) histogram\n"
        for route in latency.keys.sorted() {
            let histogram = latency[route]!
            let label = "route=\"\(Self.escapeLabel(route))\""
            var cumulative = 0
            for (index, bound) in LoopMetrics.latencyBounds.enumerated() {
                cumulative += histogram.counts[index]
                text += "\(name)_bucket{\(label),le=\"\(bound)\"} \(cumulative)\n"
            }
            cumulative += histogram.counts[LoopMetrics.latencyBounds.count]
            text += "\(name)_bucket{\(label),le=\"+Inf\"} \(cumulative)\n"
            text += "\(name)_sum{\(label)} \(Double(histogram.sumNanos) / 1e9)\n"
            text += "\(name)_count{\(label)} \(cumulative)\n"
        }
        return text
    }

    @discardableResult
    private func counter(_ name: String, _ labels: [(String, String)], _ state: inout State) -> CoreMetrics.Counter {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        if let existing = state.counters[key] { return existing }
        let counter = CoreMetrics.Counter(label: name, dimensions: labels, factory: self.factory)
        state.counters[key] = counter
        return counter
    }

    @discardableResult
    private func gauge(_ name: String, _ labels: [(String, String)], _ state: inout State) -> CoreMetrics.Gauge {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        if let existing = state.gauges[key] { return existing }
        let gauge = CoreMetrics.Gauge(label: name, dimensions: labels, factory: self.factory)
        state.gauges[key] = gauge
        return gauge
    }

    static func escapeLabel(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
