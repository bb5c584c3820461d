import NIOCore

/// When to probe a target next: every `interval`, give or take a random `jitter` share,
/// so that the probes of many targets (and of many gateway nodes) do not fall in step.
public struct ProbeSchedule: Sendable, Equatable {
    /// The mean time between two probes of one target.
    public var interval: TimeAmount
    /// The largest deviation from `interval`, as a share of it (0 ≤ jitter < 1); default 0.1.
    public var jitter: Double

    /// Creates a schedule; `jitter` is clamped to [0, 0.99] and `interval` to at least 1 ms.
    public init(interval: TimeAmount = .seconds(5), jitter: Double = 0.1) {
        self.interval = max(interval, .milliseconds(1))
        self.jitter = min(max(jitter.isNaN ? 0 : jitter, 0), 0.99)
    }

    /// The first probe of a target seen at `now`: anywhere in the first interval, which
    /// spreads the probes of a freshly loaded config over the whole interval.
    public func firstProbe(now: NIODeadline, random: inout FastRandom) -> NIODeadline {
        now + .nanoseconds(Int64.random(in: 0..<self.interval.nanoseconds, using: &random))
    }

    /// The probe after one that finished at `now`: `interval × (1 ± jitter)`.
    public func nextProbe(after now: NIODeadline, random: inout FastRandom) -> NIODeadline {
        now + self.delay(random: &random)
    }

    /// One delay between probes, within `interval × (1 - jitter) ... interval × (1 + jitter)`.
    public func delay(random: inout FastRandom) -> TimeAmount {
        let spread = Int64(Double(self.interval.nanoseconds) * self.jitter)
        guard spread > 0 else { return self.interval }
        return .nanoseconds(self.interval.nanoseconds + Int64.random(in: -spread...spread, using: &random))
    }
}
