import NIOCore
import PorticoHTTP

extension RequestFlow {
    /// Phase 6: a failed attempt (no usable response) is retried if the upstream's retry
    /// policy, the loop's retry budget and what was sent allow it; nil to give up.
    mutating func retryAfterFailure(
        _ failure: UpstreamFailure, error: GatewayError, neverReached: Bool, now: NIODeadline
    ) -> FlowAction? {
        guard let plan = self.plan, plan.upstream.resilience.retry != nil, !self.isUpgrade else { return nil }
        let attemptFailure: AttemptFailure
        switch failure {
        case .connectFailed, .poolExhausted: attemptFailure = .connectFailure
        case .closed, .invalidResponse: attemptFailure = .reset
        case .responseHeaderTimeout: attemptFailure = .timeout
        }
        let hadConnection = self.phase == .awaitingResponse
        return self.retry(
            plan, attemptFailure, outcome: .failed(failure), fallback: error, neverReached: neverReached,
            upstream: hadConnection ? .close : .none)
    }

    /// Phase 6: a final response head with a status the retry policy names (`502`, `5xx`):
    /// retried like a failure if allowed (the response is dropped, its connection closed);
    /// nil to pass it on.
    mutating func retryAfterStatus(_ status: Int, latency: TimeAmount) -> FlowAction? {
        guard let plan = self.plan, let policy = plan.upstream.resilience.retry, !self.isUpgrade,
            policy.isRetryable(.status(status))
        else { return nil }
        let fallback = GatewayError(
            .badGateway, "upstream '\(plan.upstream.name)' answered \(status)", source: .upstream)
        let action = self.retry(
            plan, .status(status), outcome: .responded(status: status, latency: latency), fallback: fallback,
            neverReached: false, upstream: .close)
        if action != nil {
            self.upstreamResponded = false
            self.record.status = 0
        }
        return action
    }

    /// Asks for a retry of `plan`; on yes, ends the attempt and waits for the back-off.
    private mutating func retry(
        _ plan: UpstreamPlan, _ failure: AttemptFailure, outcome: ExchangeOutcome, fallback: GatewayError,
        neverReached: Bool, upstream: UpstreamDisposition
    ) -> FlowAction? {
        let facts = RetryFacts(
            method: self.context?.request.method ?? self.record.method,
            routeAllowsNonIdempotent: self.context?.route.retryNonIdempotent ?? false,
            bodyReplayable: !self.requestHasBody || self.retained != nil,
            neverReachedUpstream: neverReached
        )
        guard case .retry(let delay, _) = self.services.decideRetry(plan, failure: failure, facts: facts) else {
            return nil
        }
        self.finishUpstreamExchange(outcome)
        self.retryReserved = true
        self.retryFallback = fallback
        self.record.retries += 1
        self.record.upstreamError = nil
        self.pending = self.retained ?? []
        self.phase = .retryWaiting
        return .retry(after: delay, upstream: upstream)
    }

    /// The back-off of a retry is over: pick a target (another one than the failed attempt's
    /// when one is eligible) and connect. If none can be had, the failure that caused the
    /// retry is answered.
    public mutating func retryDue(now: NIODeadline) -> FlowAction {
        guard self.phase == .retryWaiting, let failed = self.plan else { return .none }
        guard let plan = self.choosePlan(failed.upstream, attempt: failed.attempt + 1, avoiding: failed.target.poolKey)
        else {
            self.finishUpstreamExchange()
            let error = self.retryFallback ?? self.unavailableError(failed.upstream)
            return self.respond(error: error)
        }
        self.startAttempt(plan)
        self.usedPooledConnection = false
        return .connect(plan, sendContinue: false)
    }
}
