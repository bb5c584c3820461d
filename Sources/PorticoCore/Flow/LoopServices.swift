import NIOCore

/// The per-event-loop services a ``RequestFlow`` uses: balancer state, id generation, and
/// per-loop storage for filters.
///
/// The server gives each loop one implementation; tests use a scripted one. Everything here
/// is called on the loop that owns it, so implementations need no locks.
public protocol LoopServices: AnyObject {
    /// The target for a request to `upstream`, or nil if none is eligible.
    func pickTarget(for upstream: Upstream, request: BalancerRequest) -> Int?
    /// A request was sent to `target` of `upstream`.
    func exchangeStarted(upstream: Upstream, target: Int)
    /// That request finished (whatever the outcome).
    func exchangeFinished(upstream: Upstream, target: Int)
    /// A fresh request id (UUID text).
    func makeRequestID() -> String
    /// The event loop this runs on (filters that suspend complete their futures here).
    var eventLoop: any EventLoop { get }
    /// The object a filter keeps on this loop under `key`, made on first use. Lock-free
    /// because only this loop touches it; dropped when the loop adopts a new snapshot.
    func filterState<State: AnyObject>(for key: ObjectIdentifier, make: () -> State) -> State
}
