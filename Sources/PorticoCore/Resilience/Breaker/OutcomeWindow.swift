import NIOCore

/// Successes and failures over a rolling time window, kept in a few buckets so that
/// counting costs the same whatever the request rate.
///
/// The window slides one bucket at a time: outcomes leave it between `span - span/buckets`
/// and `span` after they happened.
public struct OutcomeWindow: Sendable, Equatable {
    private var successes: [Int]
    private var failures: [Int]
    private let bucketNanoseconds: Int64
    /// The bucket number (time / bucket width) of the newest bucket.
    private var newest: Int64 = 0

    /// A window of `span` in `buckets` buckets (default 10).
    public init(span: TimeAmount, buckets: Int = 10) {
        let count = max(buckets, 1)
        self.successes = Array(repeating: 0, count: count)
        self.failures = Array(repeating: 0, count: count)
        self.bucketNanoseconds = max(span.nanoseconds / Int64(count), 1)
    }

    /// Counts a success at `now`.
    public mutating func recordSuccess(now: NIODeadline) {
        let slot = self.advance(to: now)
        self.successes[slot] += 1
    }

    /// Counts a failure at `now`.
    public mutating func recordFailure(now: NIODeadline) {
        let slot = self.advance(to: now)
        self.failures[slot] += 1
    }

    /// Outcomes in the window that ends at `now`.
    public mutating func totals(now: NIODeadline) -> (successes: Int, failures: Int) {
        _ = self.advance(to: now)
        return (self.successes.reduce(0, +), self.failures.reduce(0, +))
    }

    /// Forgets everything.
    public mutating func reset() {
        for index in self.successes.indices {
            self.successes[index] = 0
            self.failures[index] = 0
        }
    }

    /// Clears the buckets that fell out of the window by `now`; returns the slot of `now`'s
    /// bucket. Time never goes backwards here: an older `now` counts in the newest bucket.
    private mutating func advance(to now: NIODeadline) -> Int {
        let bucket = Int64(now.uptimeNanoseconds / UInt64(self.bucketNanoseconds))
        let count = Int64(self.successes.count)
        if bucket > self.newest {
            let stale = min(bucket - self.newest, count)
            for step in 1...stale {
                let slot = Int((self.newest + step) % count)
                self.successes[slot] = 0
                self.failures[slot] = 0
            }
            self.newest = bucket
        }
        return Int(self.newest % count)
    }
}
