import NIOCore
import PorticoCore

/// What the event loops know about one upstream right now, summed over loops (admin API):
/// passive health, circuit breakers, requests in flight, latency estimates.
public struct UpstreamLiveState: Sendable {
    /// One target's live state.
    public struct Target: Sendable {
        /// Exchanges in flight to it, all loops together.
        public var inFlight = 0
        /// Loops on which passive detection has it ejected (each loop judges on its own).
        public var ejectedOnLoops = 0
        /// The longest current run of failures on any loop.
        public var consecutiveFailures = 0
        /// The mean of the loops' latency estimates (`p2c_ewma` only).
        public var latencyEstimate: TimeAmount?

        /// Nothing in flight, nothing ejected.
        public init() {}
    }

    /// The breaker state on each loop (empty without a breaker).
    public var circuitStates: [CircuitState] = []
    /// The longest time until an open breaker probes again, if one is open.
    public var circuitReopensIn: TimeAmount?
    /// Retries in flight, all loops together.
    public var activeRetries = 0
    /// Per target, by pool key.
    public var targets: [PoolKey: Target] = [:]

    /// No loop reported anything.
    public init() {}

    mutating func add(_ report: UpstreamLoopReport, loops: Int) {
        if let circuit = report.circuit { self.circuitStates.append(circuit) }
        if let reopens = report.circuitReopensAt {
            self.circuitReopensIn = max(self.circuitReopensIn ?? reopens, reopens)
        }
        self.activeRetries += report.activeRetries
        for entry in report.targets {
            var target = self.targets[entry.key] ?? Target()
            target.inFlight += entry.inFlight
            target.ejectedOnLoops += entry.ejected ? 1 : 0
            target.consecutiveFailures = max(target.consecutiveFailures, entry.consecutiveFailures)
            if let estimate = entry.latencyEstimate {
                let share = TimeAmount.nanoseconds(estimate.nanoseconds / Int64(max(loops, 1)))
                target.latencyEstimate = (target.latencyEstimate ?? .zero) + share
            }
            self.targets[entry.key] = target
        }
    }
}

extension GatewayServer {
    /// The live state of every upstream of the current snapshot, by name.
    public func upstreamLiveStates() async -> [String: UpstreamLiveState] {
        var result: [String: UpstreamLiveState] = [:]
        for loop in self.loops {
            guard let reports = try? await loop.submit({ self.runtimes.value(for: loop).upstreamReports() }).get()
            else { continue }
            for report in reports {
                result[report.upstream, default: UpstreamLiveState()].add(report, loops: self.loops.count)
            }
        }
        return result
    }

    /// Pooled connections per target address, all loops together (`/metrics`).
    public func poolSizes() async -> [PoolKey: (idle: Int, busy: Int)] {
        var result: [PoolKey: (idle: Int, busy: Int)] = [:]
        for loop in self.loops {
            guard let sizes = try? await loop.submit({ self.runtimes.value(for: loop).pool.sizes() }).get() else {
                continue
            }
            for (key, size) in sizes {
                let total = result[key] ?? (0, 0)
                result[key] = (total.idle + size.idle, total.busy + size.busy)
            }
        }
        return result
    }
}
