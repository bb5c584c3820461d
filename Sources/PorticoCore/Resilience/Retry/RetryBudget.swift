/// A retry budget (as in Envoy and Finagle): retries in flight may be at most a share of
/// the requests in flight, with a small floor, so that when an upstream struggles retries
/// cannot multiply its load into a retry storm.
///
/// One per upstream per event loop. Count every request (``requestStarted()`` and
/// ``requestFinished()``) and every retry attempt (``retryStarted()`` and
/// ``retryFinished()``); ``allowsRetry`` tells whether one more retry may start.
public struct RetryBudget: Sendable, Equatable {
    /// Retries in flight allowed as a share of requests in flight, in percent; default 20.
    public var budgetPercent: Int
    /// Retries in flight always allowed, whatever the share; default 3.
    public var minRetryConcurrency: Int
    /// Requests in flight (each counted once, however many attempts it makes).
    public private(set) var activeRequests = 0
    /// Retry attempts in flight.
    public private(set) var activeRetries = 0

    /// A budget with no request in flight; out-of-range values are clamped.
    public init(budgetPercent: Int = 20, minRetryConcurrency: Int = 3) {
        self.budgetPercent = min(max(budgetPercent, 0), 100)
        self.minRetryConcurrency = max(minRetryConcurrency, 0)
    }

    /// Retries allowed in flight right now: `max(minRetryConcurrency, activeRequests ×
    /// budgetPercent / 100)`.
    public var limit: Int {
        max(self.minRetryConcurrency, self.activeRequests * self.budgetPercent / 100)
    }

    /// Whether one more retry may start.
    public var allowsRetry: Bool { self.activeRetries < self.limit }

    /// A request started.
    public mutating func requestStarted() { self.activeRequests += 1 }

    /// A request finished (after its last attempt).
    public mutating func requestFinished() { self.activeRequests = max(self.activeRequests - 1, 0) }

    /// A retry attempt started.
    public mutating func retryStarted() { self.activeRetries += 1 }

    /// A retry attempt finished, whatever its outcome.
    public mutating func retryFinished() { self.activeRetries = max(self.activeRetries - 1, 0) }

    /// Starts a retry if the budget allows one; returns whether it did.
    public mutating func tryStartRetry() -> Bool {
        guard self.allowsRetry else { return false }
        self.activeRetries += 1
        return true
    }
}
