import NIOConcurrencyHelpers
import NIOCore

/// The I/O shell of active health checking (F-22): probes every target periodically and reports each
/// result. It knows nothing of thresholds; feed its results to the health state machine.
///
/// - Each target has its own loop: probe, report, wait `jitter(interval)`, probe again. So there is
///   at most one probe in flight per target, targets are probed concurrently, and a slow target
///   delays only itself. The first probe of a target starts at once.
/// - ``replaceTargets(_:)`` may be called at any time: removed targets stop at once (an in-flight
///   probe is cancelled and not reported), new ones start, unchanged ones keep their rhythm.
/// - ``run(onResult:)`` returns when its task is cancelled, after every probe has ended; no
///   callback runs after it returns.
public final class HealthCheckScheduler: Sendable {
    /// Maps the nominal interval to the delay before a target's next probe.
    public typealias Jitter = @Sendable (TimeAmount) -> TimeAmount

    private let probe: any HealthProbing
    private let interval: TimeAmount
    private let timeout: TimeAmount?
    private let jitter: Jitter
    private let state: NIOLockedValueBox<State>

    private struct State {
        var targets: [ProbeTarget]
        var updates: AsyncStream<[ProbeTarget]>.Continuation?
    }

    /// Creates a scheduler.
    /// - Parameters:
    ///   - targets: The targets to probe; duplicates are probed once.
    ///   - probe: The probe to run, typically a ``HealthProbe``.
    ///   - interval: The nominal time between the end of one probe of a target and the start of the next.
    ///   - timeout: An upper bound for one probe, enforced by cancelling it and reporting
    ///     ``ProbeFailure/timedOut(_:)``; `nil` relies on the probe's own timeout (a ``HealthProbe`` has one).
    ///   - jitter: Maps `interval` to the actual delay; the default is no jitter. See
    ///     ``proportionalJitter(fraction:seed:)``.
    public init(
        targets: [ProbeTarget],
        probe: any HealthProbing,
        interval: TimeAmount,
        timeout: TimeAmount? = nil,
        jitter: @escaping Jitter = { $0 }
    ) {
        precondition(interval > .zero, "the health-check interval must be positive")
        self.probe = probe
        self.interval = interval
        self.timeout = timeout
        self.jitter = jitter
        self.state = NIOLockedValueBox(State(targets: targets, updates: nil))
    }

    /// The current targets.
    public var targets: [ProbeTarget] {
        self.state.withLockedValue { $0.targets }
    }

    /// Replaces the targets, also while ``run(onResult:)`` is running.
    public func replaceTargets(_ targets: [ProbeTarget]) {
        self.state.withLockedValue { state in
            state.targets = targets
            state.updates?.yield(targets)
        }
    }

    /// Probes the targets until the calling task is cancelled, calling `onResult` with every result
    /// (from several tasks at once, one at a time per target). Only one `run` may be active at a time.
    public func run(onResult: @escaping @Sendable (ProbeResult) async -> Void) async {
        let (updates, continuation) = AsyncStream.makeStream(
            of: [ProbeTarget].self, bufferingPolicy: .bufferingNewest(1))
        self.state.withLockedValue { state in
            precondition(state.updates == nil, "HealthCheckScheduler.run is already running")
            state.updates = continuation
            continuation.yield(state.targets)
        }
        defer {
            self.state.withLockedValue { $0.updates = nil }
        }

        await withDiscardingTaskGroup { group in
            var stops: [ProbeTarget: AsyncStream<Void>.Continuation] = [:]
            // Ends when the task is cancelled.
            for await targets in updates {
                let wanted = Set(targets)
                for (target, stop) in stops where !wanted.contains(target) {
                    stop.finish()
                    stops[target] = nil
                }
                for target in wanted where stops[target] == nil {
                    let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
                    stops[target] = stop
                    group.addTask {
                        await self.runTarget(target, until: stopped, onResult: onResult)
                    }
                }
            }
            for stop in stops.values {
                stop.finish()
            }
            group.cancelAll()
        }
    }

    /// One target's loop, cancelled when `stopped` finishes or the scheduler's task is cancelled.
    private func runTarget(
        _ target: ProbeTarget,
        until stopped: AsyncStream<Void>,
        onResult: @escaping @Sendable (ProbeResult) async -> Void
    ) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    let result = await self.probeOnce(target)
                    if Task.isCancelled { return }
                    await onResult(result)
                    let delay = max(.zero, self.jitter(self.interval))
                    do {
                        try await Task.sleep(nanoseconds: UInt64(delay.nanoseconds))
                    } catch {
                        return
                    }
                }
            }
            group.addTask {
                for await _ in stopped {}
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func probeOnce(_ target: ProbeTarget) async -> ProbeResult {
        guard let timeout = self.timeout else {
            return await self.probe.probe(target)
        }
        return await withTaskGroup(of: ProbeResult?.self) { group in
            group.addTask { await self.probe.probe(target) }
            group.addTask {
                do {
                    try await Task.sleep(nanoseconds: UInt64(max(0, timeout.nanoseconds)))
                } catch {
                    return nil
                }
                return ProbeResult(target: target, outcome: .failure(.timedOut(timeout)), elapsed: timeout)
            }
            var outcome: ProbeResult?
            while outcome == nil, let next = await group.next() {
                outcome = next
            }
            group.cancelAll()
            // The probe child always returns a result, so `outcome` is set here.
            return outcome ?? ProbeResult(target: target, outcome: .failure(.cancelled), elapsed: .zero)
        }
    }

    /// A jitter of up to ±`fraction` of the interval, uniformly distributed, from a seeded generator
    /// (SplitMix64) so tests and simulations can repeat it. `fraction` is clamped to 0...1.
    public static func proportionalJitter(fraction: Double, seed: UInt64) -> Jitter {
        let fraction = min(1, max(0, fraction))
        let generator = NIOLockedValueBox(SplitMix64(seed: seed))
        return { interval in
            let unit = generator.withLockedValue { Double($0.next() >> 11) / Double(1 << 53) }  // 0..<1
            let offset = (unit * 2 - 1) * fraction * Double(interval.nanoseconds)
            return .nanoseconds(max(0, interval.nanoseconds + Int64(offset)))
        }
    }
}

/// A tiny seedable generator (SplitMix64), enough for spreading probes.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
