import NIOCore

/// Passive outlier detection settings (`passive:` in an upstream's config, SPEC F-23).
public struct OutlierSettings: Sendable, Equatable {
    /// Consecutive failures (5xx, connect failures, resets) that eject a target; default 5.
    public var consecutiveFailures: Int
    /// The first ejection's length; the n-th lasts n times as long; default 30 s.
    public var ejectionTime: TimeAmount
    /// The longest ejection; default 300 s (10 × the default ejection time).
    public var maxEjectionTime: TimeAmount
    /// At most this share of the targets is ejected at once (0 disables ejection); at least
    /// one target may always be ejected from a pool of two or more, and at least one target
    /// always stays; default 50.
    public var maxEjectionPercent: Int

    /// Creates settings with the documented defaults; out-of-range values are clamped.
    public init(
        consecutiveFailures: Int = 5,
        ejectionTime: TimeAmount = .seconds(30),
        maxEjectionTime: TimeAmount = .seconds(300),
        maxEjectionPercent: Int = 50
    ) {
        self.consecutiveFailures = max(consecutiveFailures, 1)
        self.ejectionTime = max(ejectionTime, .milliseconds(1))
        self.maxEjectionTime = max(maxEjectionTime, self.ejectionTime)
        self.maxEjectionPercent = min(max(maxEjectionPercent, 0), 100)
    }

    /// How many of `targetCount` targets may be ejected at once.
    public func maxEjected(of targetCount: Int) -> Int {
        guard self.maxEjectionPercent > 0, targetCount > 1 else { return 0 }
        return min(max(targetCount * self.maxEjectionPercent / 100, 1), targetCount - 1)
    }
}
