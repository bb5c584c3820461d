import NIOCore
import PorticoHTTP

/// Retry rules of one upstream (`retries:` in its config, SPEC F-24), as a pure decision.
///
/// A failed attempt is retried when every rule agrees:
/// 1. the failure matches an `on` condition;
/// 2. fewer than `attempts` attempts were made (the first one counts);
/// 3. the request body can be sent again (it had none, or it was kept);
/// 4. the method is idempotent, or the route opts in, or the request provably never
///    reached the upstream (connect failure; a reused connection closed before any response
///    byte) — such a request is replayed whatever its method;
/// 5. the ``RetryBudget`` has room.
///
/// The retry waits a back-off with full jitter — a random time up to
/// `min(backoffMax, backoffBase × 2^(retry - 1))` — so retries of many requests spread out
/// instead of hitting the upstream in waves.
public struct RetryPolicy: Sendable, Equatable {
    /// Total attempts, the first included (2 = one retry); 1 disables retries; default 2.
    public var attempts: Int
    /// The failures worth a retry; default ``RetryCondition/defaults``.
    public var conditions: [RetryCondition]
    /// The time one attempt may take to get a response head; nil: the upstream's
    /// response-header timeout.
    public var perTryTimeout: TimeAmount?
    /// The back-off ceiling of the first retry; default 25 ms.
    public var backoffBase: TimeAmount
    /// The largest back-off ceiling; default 250 ms.
    public var backoffMax: TimeAmount

    /// Creates a policy with the documented defaults; out-of-range values are clamped.
    public init(
        attempts: Int = 2,
        conditions: [RetryCondition] = RetryCondition.defaults,
        perTryTimeout: TimeAmount? = nil,
        backoffBase: TimeAmount = .milliseconds(25),
        backoffMax: TimeAmount = .milliseconds(250)
    ) {
        self.attempts = max(attempts, 1)
        self.conditions = conditions
        self.perTryTimeout = perTryTimeout
        self.backoffBase = max(backoffBase, .nanoseconds(0))
        self.backoffMax = max(backoffMax, self.backoffBase)
    }

    /// Whether some condition covers `failure`.
    public func isRetryable(_ failure: AttemptFailure) -> Bool {
        self.conditions.contains { $0.matches(failure) }
    }

    /// What to do after attempt number `attempt` (1 for the first) to `target` failed.
    ///
    /// - Parameters:
    ///   - routeAllowsNonIdempotent: the route opted in to retrying any method.
    ///   - bodyReplayable: the request has no body, or all of it is kept for a replay.
    ///   - neverReachedUpstream: the request provably never reached the upstream (implied
    ///     for ``AttemptFailure/connectFailure``).
    public func decide(
        failure: AttemptFailure,
        attempt: Int,
        target: Int?,
        method: HTTPMethod,
        routeAllowsNonIdempotent: Bool,
        bodyReplayable: Bool,
        neverReachedUpstream: Bool,
        budget: RetryBudget,
        random: inout FastRandom
    ) -> RetryDecision {
        guard self.isRetryable(failure) else { return .giveUp(.notRetryable) }
        guard attempt < self.attempts else { return .giveUp(.attemptsExhausted) }
        guard bodyReplayable else { return .giveUp(.bodyNotReplayable) }
        let unsent = neverReachedUpstream || failure == .connectFailure
        guard method.isIdempotent || routeAllowsNonIdempotent || unsent else { return .giveUp(.notIdempotent) }
        guard budget.allowsRetry else { return .giveUp(.budgetExhausted) }
        return .retry(after: self.backoff(retry: attempt, random: &random), avoid: target)
    }

    /// The back-off before retry number `retry` (1 for the first): uniformly random in
    /// `0 ... min(backoffMax, backoffBase × 2^(retry - 1))`.
    public func backoff(retry: Int, random: inout FastRandom) -> TimeAmount {
        let ceiling = self.backoffCeiling(retry: retry).nanoseconds
        guard ceiling > 0 else { return .nanoseconds(0) }
        return .nanoseconds(Int64.random(in: 0...ceiling, using: &random))
    }

    /// The largest back-off before retry number `retry`: `min(backoffMax, backoffBase ×
    /// 2^(retry - 1))`.
    public func backoffCeiling(retry: Int) -> TimeAmount {
        let doublings = min(max(retry - 1, 0), 62)
        let (scaled, overflow) = self.backoffBase.nanoseconds.multipliedReportingOverflow(by: Int64(1) << doublings)
        return overflow ? self.backoffMax : min(.nanoseconds(scaled), self.backoffMax)
    }
}
