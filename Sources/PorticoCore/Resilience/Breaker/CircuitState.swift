/// Where a circuit breaker stands.
public enum CircuitState: String, Sendable, Hashable, CaseIterable {
    /// Requests pass; outcomes are counted.
    case closed
    /// Requests are refused at once (503) until the open period ends.
    case open
    /// A few probe requests pass; their outcomes close or reopen the breaker.
    case halfOpen = "half_open"
}
