import NIOCore

/// Picks a target of one upstream for each request.
///
/// A balancer is per event loop (one instance per loop per snapshot), so its state needs no
/// locks and it sees only its loop's traffic — the same trade-off Envoy makes per worker.
/// Balancers are pure: no I/O, no clock reads; tests drive them directly.
///
/// A balancer is rebuilt whenever its upstream's target list changes; indices refer to the
/// list it was built from.
public protocol Balancer: AnyObject {
    /// The index of the target to use, or nil when no target is eligible.
    func pick(_ request: BalancerRequest) -> Int?
    /// A request was sent to `target` (for balancers that count load).
    func requestStarted(target: Int)
    /// A request to `target` finished.
    func requestFinished(target: Int)
    /// `target` answered after `latency` (response head received at `now`), for
    /// latency-aware balancers.
    ///
    /// Report failures too, with a penalty latency (e.g. the timeout that expired), so a
    /// target that fails fast does not look like the fastest one.
    func recordLatency(target: Int, latency: TimeAmount, now: NIODeadline)
}

extension Balancer {
    public func requestStarted(target: Int) {}
    public func requestFinished(target: Int) {}
    public func recordLatency(target: Int, latency: TimeAmount, now: NIODeadline) {}
}

/// What a balancer may look at to pick a target.
public struct BalancerRequest {
    /// The client's IP address as text (for `ip_hash`).
    public var clientIP: String
    /// Which targets may be chosen (health, retries avoiding a failed target); all when nil.
    public var eligible: TargetMask?
    /// The request's affinity key for `consistent_hash`, hashed with ``StableHash`` (see
    /// ``HashOn/key(of:clientIP:)``); nil when the request has no such key.
    public var hashKey: UInt64?

    /// Creates a balancer input.
    public init(clientIP: String, eligible: TargetMask? = nil, hashKey: UInt64? = nil) {
        self.clientIP = clientIP
        self.eligible = eligible
        self.hashKey = hashKey
    }

    /// Whether `target` may be chosen.
    @inlinable
    public func isEligible(_ target: Int) -> Bool {
        self.eligible?.contains(target) ?? true
    }
}
