/// Why a failed attempt is not retried (a metric label and a log field).
public enum RetryGiveUpReason: String, Sendable, Hashable, CaseIterable {
    /// The failure matches none of the `on` conditions.
    case notRetryable = "not_retryable"
    /// All `attempts` were made.
    case attemptsExhausted = "attempts_exhausted"
    /// The method is not idempotent, the route did not opt in, and the request may have
    /// reached the upstream.
    case notIdempotent = "not_idempotent"
    /// The request body was streamed upstream and not kept, so it cannot be sent again.
    case bodyNotReplayable = "body_not_replayable"
    /// Too many retries are in flight already (the retry budget).
    case budgetExhausted = "budget_exhausted"
}
