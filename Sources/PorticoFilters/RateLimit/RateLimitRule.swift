/// A limiting algorithm as pure functions over one 64-bit state word, so that the local store
/// can keep each key's whole state in one atomic word and update it with compare-and-swap.
///
/// `now` is nanoseconds since the store was created. A state of 0 is what a key that was
/// never seen has; ``isIdle(_:now:)`` states are equivalent to 0 (nothing to remember), so
/// their keys can be forgotten without changing any later decision.
public protocol RateLimitRule: Sendable {
    /// The decision for one request and the state after it (the state is only written when
    /// the request is allowed).
    func decide(_ state: UInt64, now: UInt64) -> (state: UInt64, decision: RateLimitDecision)
    /// Whether the state says nothing that a fresh key would not.
    func isIdle(_ state: UInt64, now: UInt64) -> Bool
    /// How often idle keys are looked for (nanoseconds).
    var sweepInterval: UInt64 { get }
    /// After this long without any sweep, every stored state may be misread (a wrapped
    /// counter) and is dropped instead of inspected.
    var trustHorizon: UInt64 { get }
}

/// Token bucket as GCRA (generic cell rate algorithm): the state is the theoretical arrival
/// time (TAT) of the next request. A bucket of `burst` tokens refilled by one token every
/// `T` behaves exactly like "allow when TAT − T·burst ≤ now, then TAT = max(TAT, now) + T".
///
/// Times are counted in units of 1/`scale` ns, chosen so that `T` is a whole number of units
/// (`T` = period/count ns): refill is exact for every rate whose reduced fraction needs a
/// scale of at most 64, e.g. `3/s`; others round the interval up by less than 1/64 ns.
public struct TokenBucket: RateLimitRule {
    /// Bucket size.
    public let burst: Int
    /// Units per nanosecond.
    let scale: UInt64
    /// Units per token.
    let interval: UInt64
    /// `burst × interval`.
    let capacity: UInt64

    /// A bucket of `burst` tokens refilled with `count` tokens per `period` nanoseconds; nil
    /// when the numbers do not fit the arithmetic (absurdly large bursts or periods).
    public init?(count: Int, periodNanoseconds: UInt64, burst: Int) {
        guard count > 0, burst > 0, periodNanoseconds > 0 else { return nil }
        let count = UInt64(count)
        let divisor = Self.gcd(periodNanoseconds, count)
        var scale = count / divisor
        var interval = periodNanoseconds / divisor
        if scale > 64 {
            scale = 64
            let (product, overflow) = periodNanoseconds.multipliedReportingOverflow(by: 64)
            guard !overflow else { return nil }
            interval = (product + count - 1) / count
        }
        let (capacity, overflow) = interval.multipliedReportingOverflow(by: UInt64(burst))
        guard !overflow, capacity < 1 << 60 else { return nil }
        self.burst = burst
        self.scale = scale
        self.interval = interval
        self.capacity = capacity
    }

    private static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// `now` in units; saturates far beyond any process lifetime (centuries at scale 1).
    private func units(_ now: UInt64) -> UInt64 {
        let (value, overflow) = now.multipliedReportingOverflow(by: self.scale)
        return overflow || value > 1 << 62 ? 1 << 62 : value
    }

    private func nanoseconds(_ units: UInt64) -> UInt64 {
        (units + self.scale - 1) / self.scale
    }

    public func decide(_ state: UInt64, now: UInt64) -> (state: UInt64, decision: RateLimitDecision) {
        let time = self.units(now)
        let arrival = max(state, time) + self.interval
        let ahead = arrival - time
        if ahead > self.capacity {
            let reset = state > time ? state - time : 0
            return (
                state,
                RateLimitDecision(
                    allowed: false, limit: self.burst, remaining: 0, resetNanoseconds: self.nanoseconds(reset),
                    retryAfterNanoseconds: self.nanoseconds(ahead - self.capacity))
            )
        }
        let remaining = Int((self.capacity - ahead) / self.interval)
        return (
            arrival,
            RateLimitDecision(
                allowed: true, limit: self.burst, remaining: remaining, resetNanoseconds: self.nanoseconds(ahead),
                retryAfterNanoseconds: 0)
        )
    }

    public func isIdle(_ state: UInt64, now: UInt64) -> Bool {
        state <= self.units(now)
    }

    /// Until a used bucket is full again, at least 1 s and at most 30 s.
    public var sweepInterval: UInt64 {
        min(max(self.nanoseconds(self.capacity), 1_000_000_000), 30_000_000_000)
    }

    public var trustHorizon: UInt64 { .max }
}

/// Sliding window (the two-window estimate used by Cloudflare, nginx+ and Envoy): the count of
/// the previous fixed window, weighted by how much of it still overlaps the sliding window,
/// plus the count of the current one. Allowed when that estimate stays within `limit`.
///
/// The state packs the window number (24 bits, wrapping), the previous count and the current
/// count (20 bits each). The comparison is done in integers, so the decision is exact for the
/// estimate: `previous × (W − elapsed) + (current + 1) × W ≤ limit × W`.
public struct SlidingWindow: RateLimitRule {
    /// Requests per window (at most ``maxLimit``).
    public let limit: Int
    /// Window length in nanoseconds.
    public let window: UInt64

    /// The largest limit the packed counters hold.
    public static let maxLimit = (1 << 20) - 2
    private static let indexMask: UInt64 = (1 << 24) - 1
    private static let countMask: UInt64 = (1 << 20) - 1

    /// `limit` requests per `window` nanoseconds; nil when out of range.
    public init?(limit: Int, windowNanoseconds: UInt64) {
        guard limit > 0, limit <= Self.maxLimit, windowNanoseconds > 0 else { return nil }
        self.limit = limit
        self.window = windowNanoseconds
    }

    private static func pack(index: UInt64, previous: UInt64, current: UInt64) -> UInt64 {
        (index & Self.indexMask) << 40 | previous << 20 | current
    }

    /// The previous and current counts as of window `index`, and the window and elapsed time
    /// to use (a state written by another thread a moment later may already be one window
    /// ahead of `now`; it is then read as of that window's start).
    private func counts(_ state: UInt64, now: UInt64) -> (
        previous: UInt64, current: UInt64, index: UInt64, elapsed: UInt64
    ) {
        var index = now / self.window
        var elapsed = now % self.window
        let stored = state >> 40
        let previous = state >> 20 & Self.countMask
        let current = state & Self.countMask
        if stored == index & Self.indexMask { return (previous, current, index, elapsed) }
        if (stored + 1) & Self.indexMask == index & Self.indexMask { return (current, 0, index, elapsed) }
        if stored == (index + 1) & Self.indexMask {
            index += 1
            elapsed = 0
            return (previous, current, index, elapsed)
        }
        return (0, 0, index, elapsed)
    }

    public func decide(_ state: UInt64, now: UInt64) -> (state: UInt64, decision: RateLimitDecision) {
        let (previous, current, index, elapsed) = self.counts(state, now: now)
        let window = UInt128(self.window)
        let budget = UInt128(self.limit) * window
        let carried = UInt128(previous) * (window - UInt128(elapsed))
        let used = carried + UInt128(current + 1) * window
        let reset = self.window - elapsed
        if used <= budget {
            let remaining = Int((budget - used) / window)
            return (
                Self.pack(index: index, previous: previous, current: current + 1),
                RateLimitDecision(
                    allowed: true, limit: self.limit, remaining: remaining, resetNanoseconds: reset,
                    retryAfterNanoseconds: 0)
            )
        }
        return (
            state,
            RateLimitDecision(
                allowed: false, limit: self.limit, remaining: 0, resetNanoseconds: reset,
                retryAfterNanoseconds: self.retryAfter(previous: previous, current: current, elapsed: elapsed))
        )
    }

    /// When the estimate first leaves room for one more request, assuming no other traffic.
    private func retryAfter(previous: UInt64, current: UInt64, elapsed: UInt64) -> UInt64 {
        let window = UInt128(self.window)
        let limit = UInt128(self.limit)
        if UInt128(current) + 1 <= limit && previous > 0 {
            // Within this window: previous × (W − e') ≤ (limit − current − 1) × W.
            let allowance = (limit - UInt128(current) - 1) * window / UInt128(previous)
            let target = window - min(allowance, window)
            return target > UInt128(elapsed) ? UInt64(target) - elapsed : 1
        }
        // In the next window the current count becomes the previous one.
        let untilNext = self.window - elapsed
        guard current > 0 else { return untilNext }
        let allowance = (limit - 1) * window / UInt128(current)
        return untilNext + UInt64(window - min(allowance, window))
    }

    public func isIdle(_ state: UInt64, now: UInt64) -> Bool {
        let (previous, current, _, _) = self.counts(state, now: now)
        return previous == 0 && current == 0
    }

    public var sweepInterval: UInt64 {
        min(max(self.window, 1_000_000_000), 30_000_000_000)
    }

    /// Half the window numbers the state can tell apart.
    public var trustHorizon: UInt64 {
        let (value, overflow) = self.window.multipliedReportingOverflow(by: 1 << 23)
        return overflow ? .max : value
    }
}
