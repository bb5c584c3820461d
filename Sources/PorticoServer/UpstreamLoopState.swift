import NIOCore
import PorticoCore

/// One event loop's view of one upstream: its balancer for the current target list, and
/// (per loop, like Envoy's workers) its passive health, circuit breaker and retry budget.
///
/// Lives on its loop only, so nothing is locked. Pieces follow the upstream's shared
/// ``TargetView``: the balancer is rebuilt when the target list changes, the eligibility mask
/// when health or ejections change. With every target healthy and none ejected, a pick costs
/// one atomic load and the balancer's own work.
final class UpstreamLoopState {
    let upstream: Upstream
    private(set) var targetsVersion: Int
    private(set) var targets: [UpstreamTarget]
    private var balancer: any Balancer
    private(set) var outlier: OutlierDetector<PoolKey>?
    private(set) var breaker: CircuitBreaker?
    private(set) var budget: RetryBudget
    /// Exchanges in flight per target (admin API).
    private(set) var inFlight: [Int]
    /// Probe successes of each ejected target when it was ejected: more since means an active
    /// check passed, which returns it early.
    private var probesAtEjection: [PoolKey: Int] = [:]
    /// The eligibility mask for (view version, ejection epoch); nil mask: all targets.
    private var maskKey = (view: -1, ejections: -1)
    private var mask: TargetMask?
    private var ejectionEpoch = 0
    let events: UpstreamEvents

    init(upstream: Upstream, events: UpstreamEvents, previous: UpstreamLoopState? = nil) {
        self.upstream = upstream
        self.events = events
        let view = upstream.state.view
        self.targetsVersion = view.targetsVersion
        self.targets = view.targets
        self.balancer = upstream.makeBalancer(for: view.targets)
        self.inFlight = Array(repeating: 0, count: view.targets.count)
        let resilience = upstream.resilience
        self.budget = RetryBudget(
            budgetPercent: resilience.retryBudgetPercent, minRetryConcurrency: resilience.minRetryConcurrency)
        let keys = view.targets.map(\.poolKey)
        if let settings = resilience.outlier {
            // A reload keeps ejections (keyed by address) when the settings stay the same.
            if var kept = previous?.outlier, kept.settings == settings {
                kept.setTargets(keys)
                self.outlier = kept
            } else {
                self.outlier = OutlierDetector(targets: keys, settings: settings)
            }
            self.probesAtEjection = previous?.probesAtEjection ?? [:]
        }
        if let settings = resilience.breaker {
            if let kept = previous?.breaker, kept.settings == settings {
                self.breaker = kept
            } else {
                self.breaker = CircuitBreaker(settings: settings)
            }
        }
    }

    // MARK: Picking

    /// A target for a request, avoiding `avoiding` (a retry's failed target) when another
    /// one is eligible.
    func pick(_ request: BalancerRequest, avoiding: PoolKey?) -> TargetChoice {
        let view = self.upstream.state.view
        if view.targetsVersion != self.targetsVersion { self.adopt(view) }
        var now: NIODeadline?
        var probe = false
        if self.breaker != nil {
            let time = NIODeadline.now()
            now = time
            let (admission, transition) = self.breaker!.admit(now: time)
            if let transition { self.events.circuitChanged(self.upstream, transition) }
            switch admission {
            case .allow: break
            case .probe: probe = true
            case .reject(let retryAfter): return .circuitOpen(retryAfter: retryAfter)
            }
        }
        if let detector = self.outlier, detector.ejectedCount > 0 {
            self.returnEjected(view: view, now: now ?? .now())
        }
        var request = request
        request.eligible = self.eligibility(view)
        if let avoiding, let index = view.index(of: avoiding) {
            let mask = request.eligible ?? TargetMask(count: view.targets.count, included: true)
            request.eligible = mask.excludingIfOthersRemain(index)
        }
        guard let index = self.balancer.pick(request) else {
            if probe { self.breaker!.probeAbandoned() }
            return .unavailable
        }
        return .target(view.targets[index], index: index, viewVersion: view.targetsVersion, circuitProbe: probe)
    }

    /// Active health, ejections and panic mode combined; nil when every target may be used.
    private func eligibility(_ view: TargetView) -> TargetMask? {
        let ejected = self.outlier?.ejectedCount ?? 0
        if view.allHealthy && ejected == 0 { return nil }
        if self.maskKey == (view.version, self.ejectionEpoch) { return self.mask }
        var flags = view.healthy
        if let detector = self.outlier, ejected > 0 {
            for (index, target) in view.targets.enumerated() where detector.isEjected(target.poolKey) {
                flags[index] = false
            }
        }
        let decision = self.upstream.resilience.panic.decide(eligible: TargetMask(flags))
        self.mask = decision.mask
        self.maskKey = (view.version, self.ejectionEpoch)
        return decision.mask
    }

    /// Ends ejections that ran out, and those an active check has since vouched for.
    private func returnEjected(view: TargetView, now: NIODeadline) {
        var returned = self.outlier!.expire(now: now)
        if view.version != self.maskKey.view {
            for (key, probes) in self.probesAtEjection {
                guard let index = view.index(of: key), view.probeSuccesses[index] > probes,
                    let transition = self.outlier!.activeCheckSucceeded(key, now: now)
                else { continue }
                returned.append(transition)
            }
        }
        guard !returned.isEmpty else { return }
        for transition in returned {
            if case .returned(let key, _) = transition { self.probesAtEjection[key] = nil }
            self.events.outlierChanged(self.upstream, transition, target: self.name(of: transition))
        }
        self.ejectionEpoch += 1
    }

    private func name(of transition: OutlierTransition<PoolKey>) -> String {
        let key: PoolKey
        switch transition {
        case .ejected(let ejected, _, _): key = ejected
        case .returned(let returned, _): key = returned
        }
        return self.targets.first { $0.poolKey == key }?.authority ?? "?"
    }

    /// The target list changed: a new balancer, and per-target state for the new list.
    private func adopt(_ view: TargetView) {
        self.targetsVersion = view.targetsVersion
        self.targets = view.targets
        self.balancer = self.upstream.makeBalancer(for: view.targets)
        self.inFlight = Array(repeating: 0, count: view.targets.count)
        self.outlier?.setTargets(view.targets.map(\.poolKey))
        self.ejectionEpoch += 1
    }

    // MARK: Outcomes

    func exchangeStarted(_ plan: UpstreamPlan) {
        // A retry's place in the budget was reserved when it was decided.
        if plan.attempt == 1 { self.budget.requestStarted() }
        guard plan.viewVersion == self.targetsVersion else { return }
        self.balancer.requestStarted(target: plan.targetIndex)
        self.inFlight[plan.targetIndex] += 1
    }

    func exchangeFinished(_ plan: UpstreamPlan, outcome: ExchangeOutcome) {
        if plan.attempt == 1 { self.budget.requestFinished() } else { self.budget.retryFinished() }
        let sameTargets = plan.viewVersion == self.targetsVersion
        if sameTargets {
            self.balancer.requestFinished(target: plan.targetIndex)
            self.inFlight[plan.targetIndex] = max(self.inFlight[plan.targetIndex] - 1, 0)
        }
        let failed: Bool
        switch outcome {
        case .abandoned:
            if plan.circuitProbe { self.breaker?.probeAbandoned() }
            return
        case .responded(let status, let latency):
            failed = status >= 500
            if sameTargets { self.balancer.recordLatency(target: plan.targetIndex, latency: latency, now: .now()) }
        case .failed(let failure):
            guard failure.countsAgainstTarget else {
                if plan.circuitProbe { self.breaker?.probeAbandoned() }
                return
            }
            failed = true
            if sameTargets, let penalty = failure.latencyPenalty(plan.upstream) {
                self.balancer.recordLatency(target: plan.targetIndex, latency: penalty, now: .now())
            }
        }
        self.record(failed: failed, plan: plan)
    }

    private func record(failed: Bool, plan: UpstreamPlan) {
        guard self.outlier != nil || self.breaker != nil else { return }
        let now = NIODeadline.now()
        let key = plan.target.poolKey
        if self.outlier != nil {
            if !failed {
                self.outlier!.requestSucceeded(key)
            } else if let transition = self.outlier!.requestFailed(key, now: now) {
                let view = self.upstream.state.view
                self.probesAtEjection[key] = view.index(of: key).map { view.probeSuccesses[$0] } ?? 0
                self.ejectionEpoch += 1
                self.events.outlierChanged(self.upstream, transition, target: plan.target.authority)
            }
        }
        if self.breaker != nil {
            let transition =
                failed
                ? self.breaker!.recordFailure(now: now, probe: plan.circuitProbe)
                : self.breaker!.recordSuccess(now: now, probe: plan.circuitProbe)
            if let transition { self.events.circuitChanged(self.upstream, transition) }
        }
    }

    // MARK: Retries

    /// Whether to retry, reserving a place in the budget when the answer is yes.
    func decideRetry(_ plan: UpstreamPlan, failure: AttemptFailure, facts: RetryFacts, random: inout FastRandom)
        -> RetryDecision
    {
        guard let policy = self.upstream.resilience.retry else { return .giveUp(.notRetryable) }
        let decision = policy.decide(
            failure: failure,
            attempt: plan.attempt,
            target: plan.targetIndex,
            method: facts.method,
            routeAllowsNonIdempotent: facts.routeAllowsNonIdempotent,
            bodyReplayable: facts.bodyReplayable,
            neverReachedUpstream: facts.neverReachedUpstream,
            budget: self.budget,
            random: &random
        )
        switch decision {
        case .retry:
            self.budget.retryStarted()
            self.events.retried(self.upstream, failure)
        case .giveUp(let reason): self.events.retryGaveUp(self.upstream, reason, failure)
        }
        return decision
    }

    /// A retry reserved by ``decideRetry`` will not run (the client left, no target).
    func retryReleased() {
        self.budget.retryFinished()
    }

    // MARK: Reporting

    /// What the admin API shows of this loop's state.
    func report(now: NIODeadline) -> UpstreamLoopReport {
        var targets: [UpstreamLoopReport.Target] = []
        let estimates = self.balancer as? PowerOfTwoChoicesBalancer
        for (index, target) in self.targets.enumerated() {
            var entry = UpstreamLoopReport.Target(key: target.poolKey, inFlight: self.inFlight[index])
            entry.consecutiveFailures = self.outlier?.consecutiveFailures(of: target.poolKey) ?? 0
            entry.ejected = self.outlier?.isEjected(target.poolKey) ?? false
            entry.latencyEstimate = estimates?.latencyEstimate(target: index)
            targets.append(entry)
        }
        return UpstreamLoopReport(
            upstream: self.upstream.name,
            circuit: self.breaker?.state,
            circuitReopensAt: self.breaker?.reopensAt.map { $0 - now },
            activeRetries: self.budget.activeRetries,
            targets: targets
        )
    }
}

/// What one event loop knows about one upstream (admin API).
struct UpstreamLoopReport: Sendable {
    struct Target: Sendable {
        var key: PoolKey
        var inFlight: Int
        var consecutiveFailures = 0
        var ejected = false
        var latencyEstimate: TimeAmount?
    }

    var upstream: String
    var circuit: CircuitState?
    var circuitReopensAt: TimeAmount?
    var activeRetries: Int
    var targets: [Target]
}

extension UpstreamFailure {
    /// Whether the failure says something about the target (a local pool limit does not).
    var countsAgainstTarget: Bool {
        if case .poolExhausted = self { return false }
        return true
    }

    /// The latency a latency-aware balancer records for a failure, so a target that fails
    /// fast does not look like the fastest one.
    func latencyPenalty(_ upstream: Upstream) -> TimeAmount? {
        switch self {
        case .responseHeaderTimeout: upstream.attemptTimeout
        case .connectFailed: upstream.timeouts.connect
        case .closed, .invalidResponse: .seconds(1)
        case .poolExhausted: nil
        }
    }
}
