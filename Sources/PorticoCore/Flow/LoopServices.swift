import NIOCore

/// The per-event-loop services a ``RequestFlow`` uses: balancer state, id generation, and
/// per-loop storage for filters.
///
/// The server gives each loop one implementation; tests use a scripted one. Everything here
/// is called on the loop that owns it, so implementations need no locks.
public protocol LoopServices: AnyObject {
    /// The target for a request to `upstream`: health, ejections, the circuit breaker and
    /// the balancer decide. A retry passes the target that failed as `avoiding`: another is
    /// chosen if one is eligible.
    func pickTarget(for upstream: Upstream, request: BalancerRequest, avoiding: PoolKey?) -> TargetChoice
    /// A request was sent to the planned target.
    func exchangeStarted(_ plan: UpstreamPlan)
    /// That attempt ended, with this outcome (reported once per started attempt).
    func exchangeFinished(_ plan: UpstreamPlan, outcome: ExchangeOutcome)
    /// Whether the failed attempt `plan` is retried (the upstream's retry policy and this
    /// loop's retry budget decide). A `.retry` answer reserves a place in the budget: the
    /// retry's ``exchangeStarted(_:)``/``exchangeFinished(_:outcome:)`` carry it on, or
    /// ``retryReleased(_:)`` gives it back if the retry never starts.
    func decideRetry(_ plan: UpstreamPlan, failure: AttemptFailure, facts: RetryFacts) -> RetryDecision
    /// A retry decided for `plan` (the failed attempt) will not run.
    func retryReleased(_ plan: UpstreamPlan)
    /// A fresh request id (UUID text).
    func makeRequestID() -> String
    /// The event loop this runs on (filters that suspend complete their futures here).
    var eventLoop: any EventLoop { get }
    /// The object a filter keeps on this loop under `key`, made on first use. Lock-free
    /// because only this loop touches it; dropped when the loop adopts a new snapshot.
    func filterState<State: AnyObject>(for key: ObjectIdentifier, make: () -> State) -> State
}

extension LoopServices {
    /// No retry budget: every retry the policy allows runs (tests, explanations).
    public func decideRetry(_ plan: UpstreamPlan, failure: AttemptFailure, facts: RetryFacts) -> RetryDecision {
        guard let policy = plan.upstream.resilience.retry else { return .giveUp(.notRetryable) }
        var random = FastRandom()
        return policy.decide(
            failure: failure, attempt: plan.attempt, target: plan.targetIndex, method: facts.method,
            routeAllowsNonIdempotent: facts.routeAllowsNonIdempotent, bodyReplayable: facts.bodyReplayable,
            neverReachedUpstream: facts.neverReachedUpstream, budget: RetryBudget(), random: &random)
    }

    public func retryReleased(_ plan: UpstreamPlan) {}
}
