/// A circuit breaker changed state (for logs and the state-change metric).
public struct CircuitTransition: Sendable, Equatable {
    /// The state before.
    public var from: CircuitState
    /// The state now.
    public var to: CircuitState

    /// Creates a transition.
    public init(from: CircuitState, to: CircuitState) {
        self.from = from
        self.to = to
    }
}
