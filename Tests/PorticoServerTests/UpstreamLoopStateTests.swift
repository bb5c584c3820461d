import Foundation
import Logging
import NIOCore
import PorticoObservability
import Testing

@testable import PorticoCore
@testable import PorticoServer

/// One loop's picking rules — health, ejection, panic, breaker, budget — without sockets.
struct UpstreamLoopStateTests {
    static func upstream(_ count: Int, resilience: UpstreamResilience) -> Upstream {
        let targets = (0..<count).map { index in
            UpstreamTarget(
                url: "http://127.0.0.1:\(4000 + index)", host: "127.0.0.1", port: 4000 + index,
                address: try! SocketAddress(ipAddress: "127.0.0.1", port: 4000 + index))
        }
        return Upstream(name: "u", index: 0, targets: targets, resilience: resilience)
    }

    static func state(_ upstream: Upstream) -> UpstreamLoopState {
        UpstreamLoopState(
            upstream: upstream, events: UpstreamEvents(metrics: LoopMetrics(), logger: Logger(label: "t")))
    }

    static func plan(_ choice: TargetChoice, upstream: Upstream, attempt: Int = 1) -> UpstreamPlan? {
        guard case .target(let target, let index, let version, let probe) = choice else { return nil }
        return UpstreamPlan(
            upstream: upstream, target: target, targetIndex: index, viewVersion: version, fresh: false,
            attempt: attempt, circuitProbe: probe)
    }

    /// Picks `count` times and returns the ports chosen.
    static func ports(_ state: UpstreamLoopState, _ count: Int) -> [Int] {
        (0..<count).compactMap { _ in
            if case .target(let target, _, _, _) = state.pick(BalancerRequest(clientIP: "1.2.3.4"), avoiding: nil) {
                return target.port
            }
            return nil
        }
    }

    @Test func activeHealthVerdictsTakeATargetOutAndBack() {
        let upstream = Self.upstream(3, resilience: UpstreamResilience())
        let state = Self.state(upstream)
        #expect(Set(Self.ports(state, 6)) == [4000, 4001, 4002])
        upstream.state.setHealthy(false, for: upstream.targets[1].poolKey)
        #expect(Set(Self.ports(state, 6)) == [4000, 4002])
        upstream.state.setHealthy(true, for: upstream.targets[1].poolKey)
        #expect(Set(Self.ports(state, 6)) == [4000, 4001, 4002])
    }

    @Test func belowThePanicThresholdEveryTargetIsUsed() {
        let upstream = Self.upstream(4, resilience: UpstreamResilience(panic: PanicThreshold(percent: 50)))
        let state = Self.state(upstream)
        for index in 0..<3 { upstream.state.setHealthy(false, for: upstream.targets[index].poolKey) }
        // One healthy of four is under 50%: balancing goes over all four.
        #expect(Set(Self.ports(state, 8)) == [4000, 4001, 4002, 4003])

        let strict = Self.upstream(4, resilience: UpstreamResilience(panic: PanicThreshold(percent: 0)))
        let strictState = Self.state(strict)
        for index in 0..<3 { strict.state.setHealthy(false, for: strict.targets[index].poolKey) }
        #expect(Set(Self.ports(strictState, 8)) == [4003])
    }

    @Test func consecutiveFailuresEjectATargetButNeverMoreThanTheCap() {
        let settings = OutlierSettings(
            consecutiveFailures: 2, ejectionTime: .seconds(30), maxEjectionTime: .seconds(300), maxEjectionPercent: 50)
        let upstream = Self.upstream(
            2, resilience: UpstreamResilience(outlier: settings, panic: PanicThreshold(percent: 0)))
        let state = Self.state(upstream)
        let failing = UpstreamPlan(
            upstream: upstream, target: upstream.targets[0], targetIndex: 0, viewVersion: 0, fresh: false)
        for _ in 0..<2 {
            state.exchangeStarted(failing)
            state.exchangeFinished(failing, outcome: .failed(.connectFailed("refused")))
        }
        #expect(Set(Self.ports(state, 4)) == [4001])
        // The other target failing too would leave none: the 50% cap keeps it in.
        let other = UpstreamPlan(
            upstream: upstream, target: upstream.targets[1], targetIndex: 1, viewVersion: 0, fresh: false)
        for _ in 0..<3 {
            state.exchangeStarted(other)
            state.exchangeFinished(other, outcome: .responded(status: 503, latency: .milliseconds(1)))
        }
        #expect(Set(Self.ports(state, 4)) == [4001])
    }

    @Test func aPassingActiveCheckReturnsAnEjectedTargetEarly() {
        let settings = OutlierSettings(consecutiveFailures: 1, ejectionTime: .seconds(60), maxEjectionPercent: 100)
        let upstream = Self.upstream(
            2, resilience: UpstreamResilience(outlier: settings, panic: PanicThreshold(percent: 0)))
        let state = Self.state(upstream)
        let plan = UpstreamPlan(
            upstream: upstream, target: upstream.targets[0], targetIndex: 0, viewVersion: 0, fresh: false)
        state.exchangeStarted(plan)
        state.exchangeFinished(plan, outcome: .failed(.closed))
        #expect(Set(Self.ports(state, 4)) == [4001])
        upstream.state.recordProbeSuccess(for: upstream.targets[0].poolKey)
        #expect(Set(Self.ports(state, 4)) == [4000, 4001])
    }

    @Test func aRetryAvoidsTheTargetThatFailedWhileAnotherIsEligible() {
        let upstream = Self.upstream(2, resilience: UpstreamResilience())
        let state = Self.state(upstream)
        for _ in 0..<4 {
            let choice = state.pick(BalancerRequest(clientIP: "1.2.3.4"), avoiding: upstream.targets[0].poolKey)
            #expect(Self.plan(choice, upstream: upstream)?.target.port == 4001)
        }
        let single = Self.upstream(1, resilience: UpstreamResilience())
        let singleState = Self.state(single)
        let choice = singleState.pick(BalancerRequest(clientIP: "1.2.3.4"), avoiding: single.targets[0].poolKey)
        #expect(Self.plan(choice, upstream: single)?.target.port == 4000)  // the only one left
    }

    @Test func theBreakerOpensRejectsAndLetsOneProbeThrough() throws {
        let settings = CircuitBreakerSettings(
            failureThreshold: 2, successThreshold: 1, openFor: .milliseconds(50), halfOpenMaxProbes: 1)
        let upstream = Self.upstream(1, resilience: UpstreamResilience(breaker: settings))
        let state = Self.state(upstream)
        for _ in 0..<2 {
            let plan = try #require(
                Self.plan(state.pick(BalancerRequest(clientIP: "x"), avoiding: nil), upstream: upstream))
            state.exchangeStarted(plan)
            state.exchangeFinished(plan, outcome: .responded(status: 500, latency: .milliseconds(1)))
        }
        guard case .circuitOpen(let retryAfter) = state.pick(BalancerRequest(clientIP: "x"), avoiding: nil) else {
            Issue.record("expected the circuit to be open")
            return
        }
        #expect(retryAfter != nil)
        Thread.sleep(forTimeInterval: 0.06)
        let probe = try #require(
            Self.plan(state.pick(BalancerRequest(clientIP: "x"), avoiding: nil), upstream: upstream))
        #expect(probe.circuitProbe)
        // Only one probe at a time.
        guard case .circuitOpen = state.pick(BalancerRequest(clientIP: "x"), avoiding: nil) else {
            Issue.record("expected a second request to be refused while probing")
            return
        }
        state.exchangeStarted(probe)
        state.exchangeFinished(probe, outcome: .responded(status: 200, latency: .milliseconds(1)))
        #expect(state.breaker?.state == .closed)
    }

    @Test func theRetryBudgetCapsRetriesInFlight() throws {
        let upstream = Self.upstream(
            2,
            resilience: UpstreamResilience(
                retry: RetryPolicy(attempts: 5), retryBudgetPercent: 0, minRetryConcurrency: 1))
        let state = Self.state(upstream)
        var random = FastRandom(seed: 7)
        let facts = RetryFacts(
            method: .GET, routeAllowsNonIdempotent: false, bodyReplayable: true, neverReachedUpstream: false)
        let plan = UpstreamPlan(
            upstream: upstream, target: upstream.targets[0], targetIndex: 0, viewVersion: 0, fresh: false)
        guard case .retry = state.decideRetry(plan, failure: .reset, facts: facts, random: &random) else {
            Issue.record("the first retry fits the budget")
            return
        }
        #expect(state.decideRetry(plan, failure: .reset, facts: facts, random: &random) == .giveUp(.budgetExhausted))
        state.retryReleased()
        guard case .retry = state.decideRetry(plan, failure: .reset, facts: facts, random: &random) else {
            Issue.record("a released place is free again")
            return
        }
    }

    @Test func discoveredTargetsRebuildTheBalancerAndKeepEjections() {
        let settings = OutlierSettings(consecutiveFailures: 1, ejectionTime: .seconds(60), maxEjectionPercent: 100)
        let upstream = Self.upstream(
            2, resilience: UpstreamResilience(outlier: settings, panic: PanicThreshold(percent: 0)))
        let state = Self.state(upstream)
        let plan = UpstreamPlan(
            upstream: upstream, target: upstream.targets[0], targetIndex: 0, viewVersion: 0, fresh: false)
        state.exchangeStarted(plan)
        state.exchangeFinished(plan, outcome: .failed(.closed))
        let added = UpstreamTarget(
            url: "http://127.0.0.1:4009", host: "127.0.0.1", port: 4009,
            address: try! SocketAddress(ipAddress: "127.0.0.1", port: 4009))
        upstream.state.replaceTargets(upstream.targets + [added])
        #expect(Set(Self.ports(state, 6)) == [4001, 4009])
        // An outcome for the old list's indices is still accounted for (no crash, no count).
        state.exchangeFinished(plan, outcome: .responded(status: 200, latency: .milliseconds(1)))
    }
}
