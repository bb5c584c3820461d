import NIOCore
import PorticoCore

/// One event loop's counters: plain integers bumped on the hot path (no atomics, no locks)
/// and drained into Prometheus by the control plane when `/metrics` is scraped.
///
/// Requests are counted by route index for speed; when a new snapshot changes the routes,
/// the counts gathered so far are carried under their route names.
public final class LoopMetrics: @unchecked Sendable {
    // @unchecked: confined to its event loop (one instance per loop); `drain` runs there too.

    /// Upper bounds of the latency histogram buckets, in seconds.
    public static let latencyBounds: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ]
    static let latencyBoundsNanos: [Int64] = latencyBounds.map { Int64($0 * 1e9) }
    static let statusClasses = 6  // index 0: no status sent; 1...5: 1xx...5xx

    private var layoutVersion = -1
    private var routeNames: [String] = []
    private var requests: [Int] = []
    private var latencyCounts: [Int] = []
    private var latencySums: [Int64] = []
    private var carried = MetricsDelta()
    private var upstreamErrors: [UpstreamErrorKey: Int] = [:]
    private var upstreamEvents: [UpstreamEventKey: Int] = [:]

    /// Open client connections on this loop.
    public var activeConnections = 0
    /// Open WebSocket/upgrade tunnels on this loop.
    public var activeTunnels = 0
    /// Upgrades completed (101 relayed).
    public var upgrades = 0
    /// Request body bytes received.
    public var bytesReceived = 0
    /// Response body bytes sent.
    public var bytesSent = 0

    /// Empty counters.
    public init() {}

    /// Matches the counters to `snapshot`'s routes (cheap when unchanged).
    public func adopt(_ snapshot: RuntimeSnapshot) {
        guard snapshot.version != self.layoutVersion else { return }
        self.carryCurrentCounts()
        self.layoutVersion = snapshot.version
        self.routeNames = snapshot.routes.map(\.name)
        let slots = self.routeNames.count + 1
        self.requests = Array(repeating: 0, count: slots * Self.statusClasses)
        self.latencyCounts = Array(repeating: 0, count: slots * (Self.latencyBounds.count + 1))
        self.latencySums = Array(repeating: 0, count: slots)
    }

    /// Counts a finished request (`routeIndex` -1: no route matched).
    public func recordRequest(routeIndex: Int, status: Int, duration: TimeAmount, bytesIn: Int, bytesOut: Int) {
        let slot = routeIndex + 1
        guard slot >= 0, slot <= self.routeNames.count, !self.latencySums.isEmpty else { return }
        let statusClass = status >= 100 && status < 600 ? status / 100 : 0
        self.requests[slot * Self.statusClasses + statusClass] += 1
        let nanos = duration.nanoseconds
        var bucket = 0
        while bucket < Self.latencyBoundsNanos.count, nanos > Self.latencyBoundsNanos[bucket] { bucket += 1 }
        self.latencyCounts[slot * (Self.latencyBounds.count + 1) + bucket] += 1
        self.latencySums[slot] += nanos
        self.bytesReceived += bytesIn
        self.bytesSent += bytesOut
    }

    /// Counts an upstream failure.
    public func recordUpstreamError(upstream: String, kind: String) {
        self.upstreamErrors[UpstreamErrorKey(upstream: upstream, kind: kind), default: 0] += 1
    }

    /// Counts a resilience event of an upstream: `metric{upstream, label=value}` (retries by
    /// reason, ejections by target, breaker transitions by state). Rare, so a dictionary will do.
    public func recordUpstreamEvent(_ metric: String, upstream: String, label: String, value: String) {
        self.upstreamEvents[
            UpstreamEventKey(metric: metric, upstream: upstream, label: label, value: value), default: 0] +=
            1
    }

    /// Everything counted since the last drain, and resets the counters (gauges are kept).
    public func drain() -> MetricsDelta {
        self.carryCurrentCounts()
        var delta = self.carried
        self.carried = MetricsDelta()
        delta.upstreamErrors.merge(self.upstreamErrors, uniquingKeysWith: +)
        self.upstreamErrors = [:]
        delta.upstreamEvents.merge(self.upstreamEvents, uniquingKeysWith: +)
        self.upstreamEvents = [:]
        delta.activeConnections = self.activeConnections
        delta.activeTunnels = self.activeTunnels
        delta.upgrades = self.upgrades
        delta.bytesReceived = self.bytesReceived
        delta.bytesSent = self.bytesSent
        self.upgrades = 0
        self.bytesReceived = 0
        self.bytesSent = 0
        return delta
    }

    private func carryCurrentCounts() {
        let bucketCount = Self.latencyBounds.count + 1
        for slot in 0..<(self.routeNames.count + 1) where !self.requests.isEmpty {
            let route = slot == 0 ? "" : self.routeNames[slot - 1]
            for statusClass in 0..<Self.statusClasses {
                let count = self.requests[slot * Self.statusClasses + statusClass]
                if count > 0 {
                    self.carried.requests[RequestKey(route: route, statusClass: statusClass), default: 0] += count
                    self.requests[slot * Self.statusClasses + statusClass] = 0
                }
            }
            let counts = Array(self.latencyCounts[(slot * bucketCount)..<((slot + 1) * bucketCount)])
            if counts.contains(where: { $0 > 0 }) {
                var histogram = self.carried.latency[route] ?? HistogramDelta(bucketCount: bucketCount)
                for index in 0..<bucketCount { histogram.counts[index] += counts[index] }
                histogram.sumNanos += self.latencySums[slot]
                self.carried.latency[route] = histogram
                for index in 0..<bucketCount { self.latencyCounts[slot * bucketCount + index] = 0 }
                self.latencySums[slot] = 0
            }
        }
    }
}

/// Counts drained from one loop.
public struct MetricsDelta: Sendable {
    public var requests: [RequestKey: Int] = [:]
    public var latency: [String: HistogramDelta] = [:]
    public var upstreamErrors: [UpstreamErrorKey: Int] = [:]
    public var upstreamEvents: [UpstreamEventKey: Int] = [:]
    public var activeConnections = 0
    public var activeTunnels = 0
    public var upgrades = 0
    public var bytesReceived = 0
    public var bytesSent = 0

    public init() {}
}

/// Requests of one route and status class.
public struct RequestKey: Hashable, Sendable {
    public var route: String
    /// 0: none sent, 1...5: 1xx...5xx.
    public var statusClass: Int
}

/// Failures of one upstream and kind.
public struct UpstreamErrorKey: Hashable, Sendable {
    public var upstream: String
    public var kind: String
}

/// A resilience event of an upstream, with one extra label.
public struct UpstreamEventKey: Hashable, Sendable {
    public var metric: String
    public var upstream: String
    public var label: String
    public var value: String
}

/// Latency bucket counts (not cumulative; the last is +Inf) and their sum.
public struct HistogramDelta: Sendable {
    public var counts: [Int]
    public var sumNanos: Int64 = 0

    public init(bucketCount: Int) {
        self.counts = Array(repeating: 0, count: bucketCount)
    }
}
