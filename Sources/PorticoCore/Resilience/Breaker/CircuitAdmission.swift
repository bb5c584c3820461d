import NIOCore

/// Whether a circuit breaker lets a request through.
public enum CircuitAdmission: Sendable, Equatable {
    /// Closed: send it; report its outcome with `probe: false`.
    case allow
    /// Half-open: send it as a probe; report its outcome with `probe: true` (or
    /// ``CircuitBreaker/probeAbandoned()`` if it ends without one).
    case probe
    /// Open (or half-open with every probe slot taken): answer 503 now. `retryAfter` is the
    /// time left in the open period, when known.
    case reject(retryAfter: TimeAmount?)
}
