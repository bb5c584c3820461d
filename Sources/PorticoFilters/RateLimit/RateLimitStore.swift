import NIOCore
import PorticoCore

/// What a limiter decided for one request.
public struct RateLimitDecision: Sendable, Equatable {
    /// Whether the request may pass.
    public var allowed: Bool
    /// The quota: the bucket size (token bucket) or the requests per window (sliding window).
    public var limit: Int
    /// Requests left right now, after this one.
    public var remaining: Int
    /// Nanoseconds until the whole quota is available again (`RateLimit-Reset`).
    public var resetNanoseconds: UInt64
    /// Nanoseconds until a request would be allowed; 0 when this one was (`Retry-After`).
    public var retryAfterNanoseconds: UInt64

    /// A decision.
    public init(allowed: Bool, limit: Int, remaining: Int, resetNanoseconds: UInt64, retryAfterNanoseconds: UInt64) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.resetNanoseconds = resetNanoseconds
        self.retryAfterNanoseconds = retryAfterNanoseconds
    }
}

/// Where rate-limit state lives and how a decision is taken: the seam between the
/// `rate_limit` filter and its storage.
///
/// ``LocalRateLimitStore`` keeps the state in this process, shared by all event loops. A
/// cluster store (SPEC F-62, Redis) conforms to the same protocol: it must decide atomically
/// per request (one script call, never read-then-write) and, since a decision may not wait for
/// the network on the event loop, answer from a local batch of quota it refills in the
/// background, with a documented error bound and an explicit fail-open/fail-closed policy.
public protocol RateLimitStore: AnyObject, Sendable {
    /// Takes one unit of `key`'s quota if there is one. Called on the request's event loop;
    /// `context` gives access to per-loop storage (``RequestContext/loopState(for:make:)``).
    func acquire(_ key: String, context: RequestContext) -> RateLimitDecision
}

/// A monotonic clock in nanoseconds, injectable so tests can move time by hand.
public struct RateLimitClock: Sendable {
    private let read: @Sendable () -> UInt64

    /// A clock reading `now`.
    public init(_ now: @escaping @Sendable () -> UInt64) {
        self.read = now
    }

    /// The current reading.
    public func now() -> UInt64 { self.read() }

    /// `NIODeadline.now()`: monotonic, unaffected by wall-clock changes.
    public static let system = RateLimitClock { NIODeadline.now().uptimeNanoseconds }
}
