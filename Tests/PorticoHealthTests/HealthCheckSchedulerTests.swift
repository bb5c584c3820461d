import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import PorticoHealth

/// Records calls per target; targets whose host is `hang` never answer until cancelled.
private final class FakeProbe: HealthProbing {
    struct Counts {
        var calls = 0
        var inFlight = 0
        var maxInFlight = 0
        var cancelled = 0
    }

    let counts = NIOLockedValueBox<[ProbeTarget: Counts]>([:])

    func probe(_ target: ProbeTarget) async -> ProbeResult {
        self.counts.withLockedValue { counts in
            counts[target, default: Counts()].calls += 1
            counts[target, default: Counts()].inFlight += 1
            counts[target]!.maxInFlight = max(counts[target]!.maxInFlight, counts[target]!.inFlight)
        }
        defer { self.counts.withLockedValue { $0[target]!.inFlight -= 1 } }
        if target.host == "hang" {
            try? await Task.sleep(for: .seconds(60))
            self.counts.withLockedValue { $0[target]!.cancelled += 1 }
            return ProbeResult(target: target, outcome: .failure(.cancelled), elapsed: .zero)
        }
        try? await Task.sleep(for: .milliseconds(5))
        return ProbeResult(target: target, outcome: .success, elapsed: .milliseconds(5))
    }
}

private final class Results: Sendable {
    private let box = NIOLockedValueBox<[ProbeResult]>([])

    func append(_ result: ProbeResult) {
        self.box.withLockedValue { $0.append(result) }
    }

    func count(for target: ProbeTarget) -> Int {
        self.box.withLockedValue { $0.filter { $0.target == target }.count }
    }

    var all: [ProbeResult] { self.box.withLockedValue { $0 } }
}

@Suite("Health-check scheduler", .timeLimit(.minutes(1)))
struct HealthCheckSchedulerTests {
    @Test func probesEveryTargetReplacesTargetsAndStopsOnCancel() async throws {
        let a = ProbeTarget(host: "a", port: 1)
        let b = ProbeTarget(host: "b", port: 1)
        let c = ProbeTarget(host: "c", port: 1)
        let probe = FakeProbe()
        let results = Results()
        let scheduler = HealthCheckScheduler(
            targets: [a, b], probe: probe, interval: .milliseconds(20),
            jitter: HealthCheckScheduler.proportionalJitter(fraction: 0.5, seed: 7))
        let task = Task { await scheduler.run { results.append($0) } }

        try await eventually("results for a and b") { results.count(for: a) >= 3 && results.count(for: b) >= 3 }
        scheduler.replaceTargets([b, c])
        #expect(scheduler.targets == [b, c])
        try await eventually("results for c") { results.count(for: c) >= 3 }
        let aAfterRemoval = results.count(for: a)
        let bBefore = results.count(for: b)
        try await eventually("b to keep going") { results.count(for: b) >= bBefore + 2 }
        #expect(results.count(for: a) == aAfterRemoval)

        task.cancel()
        try await withTimeout("the scheduler to stop") { await task.value }
        let stopped = results.all.count
        try await Task.sleep(for: .milliseconds(100))
        #expect(results.all.count == stopped)
        #expect(results.all.allSatisfy { $0.isSuccess })
        for (target, counts) in probe.counts.withLockedValue({ $0 }) {
            #expect(counts.maxInFlight == 1, "\(target) had \(counts.maxInFlight) probes in flight")
            #expect(counts.inFlight == 0)
        }
    }

    @Test func schedulerTimeoutCancelsAHangingProbe() async throws {
        let hang = ProbeTarget(host: "hang", port: 1)
        let probe = FakeProbe()
        let results = Results()
        let scheduler = HealthCheckScheduler(
            targets: [hang], probe: probe, interval: .milliseconds(10), timeout: .milliseconds(50))
        let task = Task { await scheduler.run { results.append($0) } }
        try await eventually("two timeouts") { results.count(for: hang) >= 2 }
        task.cancel()
        try await withTimeout("the scheduler to stop") { await task.value }
        #expect(results.all.allSatisfy { $0.failure == .timedOut(.milliseconds(50)) })
        let counts = probe.counts.withLockedValue { $0[hang]! }
        #expect(counts.cancelled == counts.calls)
        #expect(counts.inFlight == 0)
    }

    @Test func removingAHangingTargetCancelsItsProbe() async throws {
        let hang = ProbeTarget(host: "hang", port: 1)
        let probe = FakeProbe()
        let results = Results()
        let scheduler = HealthCheckScheduler(targets: [hang], probe: probe, interval: .seconds(1))
        let task = Task { await scheduler.run { results.append($0) } }
        try await eventually("the probe to start") { probe.counts.withLockedValue { $0[hang]?.calls == 1 } }
        scheduler.replaceTargets([])
        try await eventually("the probe to be cancelled") { probe.counts.withLockedValue { $0[hang]?.cancelled == 1 } }
        #expect(results.all.isEmpty)
        task.cancel()
        try await withTimeout("the scheduler to stop") { await task.value }
    }

    @Test func realProbesAgainstOpenAndClosedPorts() async throws {
        let closed = ProbeTarget(host: "127.0.0.1", port: try await closedPort())
        try await withServer(acceptOnly) { server in
            let probe = try HealthProbe(
                configuration: ProbeConfiguration(kind: .tcp, timeout: .seconds(10)),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            let results = Results()
            let scheduler = HealthCheckScheduler(
                targets: [server.target, closed], probe: probe, interval: .milliseconds(50))
            let task = Task { await scheduler.run { results.append($0) } }
            try await eventually("two results per target") {
                results.count(for: server.target) >= 2 && results.count(for: closed) >= 2
            }
            task.cancel()
            try await withTimeout("the scheduler to stop") { await task.value }
            #expect(results.all.filter { $0.target == server.target }.allSatisfy { $0.isSuccess })
            #expect(results.all.filter { $0.target == closed }.allSatisfy { !$0.isSuccess })
            try await eventually("every probe connection to close") {
                server.connections.closed == server.connections.opened
            }
        }
    }

    @Test func proportionalJitterIsSeededAndBounded() {
        let first = HealthCheckScheduler.proportionalJitter(fraction: 0.2, seed: 42)
        let second = HealthCheckScheduler.proportionalJitter(fraction: 0.2, seed: 42)
        let interval = TimeAmount.seconds(5)
        var values: Set<Int64> = []
        for _ in 0..<200 {
            let delay = first(interval)
            #expect(delay == second(interval))
            #expect(delay >= .seconds(4) && delay <= .seconds(6))
            values.insert(delay.nanoseconds)
        }
        #expect(values.count > 100)
        let none = HealthCheckScheduler.proportionalJitter(fraction: 0, seed: 1)
        #expect(none(interval) == interval)
    }
}
