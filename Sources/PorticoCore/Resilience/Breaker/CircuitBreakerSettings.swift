import NIOCore

/// Circuit breaker settings (`circuit_breaker:` in an upstream's config, SPEC F-25).
public struct CircuitBreakerSettings: Sendable, Equatable {
    /// Consecutive failures that open the breaker; default 5.
    public var failureThreshold: Int
    /// A failure share (percent, 1...100) over `window` that opens the breaker too, once
    /// `minRequests` outcomes are in the window; nil (default) disables the ratio rule.
    public var failureRatioPercent: Int?
    /// The rolling window of the ratio rule; default 10 s.
    public var window: TimeAmount
    /// Outcomes needed in the window before the ratio counts; default 20.
    public var minRequests: Int
    /// Consecutive probe successes that close a half-open breaker; default 2.
    public var successThreshold: Int
    /// How long the breaker stays open before letting probes through; default 30 s.
    public var openFor: TimeAmount
    /// Probe requests allowed at once while half-open; default 1.
    public var halfOpenMaxProbes: Int

    /// Creates settings with the documented defaults; out-of-range values are clamped.
    public init(
        failureThreshold: Int = 5,
        failureRatioPercent: Int? = nil,
        window: TimeAmount = .seconds(10),
        minRequests: Int = 20,
        successThreshold: Int = 2,
        openFor: TimeAmount = .seconds(30),
        halfOpenMaxProbes: Int = 1
    ) {
        self.failureThreshold = max(failureThreshold, 1)
        self.failureRatioPercent = failureRatioPercent.map { min(max($0, 1), 100) }
        self.window = max(window, .milliseconds(10))
        self.minRequests = max(minRequests, 1)
        self.successThreshold = max(successThreshold, 1)
        self.openFor = max(openFor, .milliseconds(1))
        self.halfOpenMaxProbes = max(halfOpenMaxProbes, 1)
    }
}
