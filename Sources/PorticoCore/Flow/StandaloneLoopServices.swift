import NIOCore

/// Loop services for a ``RequestFlow`` driven by hand, outside the server: route explanations
/// (`portico route-test`), tests, and embedders that run the flow themselves.
///
/// Nothing about upstreams is remembered: each pick asks a fresh balancer over the upstream's
/// current targets (so it is the balancer's first choice, e.g. the first target for round
/// robin), exchanges are not counted, and retries follow the policy with no budget. Filter
/// state lives as long as this object. Request ids are random UUIDs. Not thread-safe (no
/// ``LoopServices`` is): one thread at a time uses it, normally its event loop's.
///
/// Open so that tests can script a part (fixed request ids, counted exchanges) and inherit
/// the rest.
open class StandaloneLoopServices: LoopServices {
    public let eventLoop: any EventLoop
    private var random = FastRandom()
    private var filterStates: [ObjectIdentifier: AnyObject] = [:]

    /// Services whose filters complete their futures on `eventLoop`.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    open func pickTarget(for upstream: Upstream, request: BalancerRequest, avoiding: PoolKey?) -> TargetChoice {
        let view = upstream.state.view
        guard let index = upstream.makeBalancer(for: view.targets).pick(request) else { return .unavailable }
        return .target(view.targets[index], index: index, viewVersion: view.targetsVersion, circuitProbe: false)
    }

    open func exchangeStarted(_ plan: UpstreamPlan) {}

    open func exchangeFinished(_ plan: UpstreamPlan, outcome: ExchangeOutcome) {}

    open func makeRequestID() -> String {
        RequestIDFormat.uuid(self.random.next(), self.random.next())
    }

    public func filterState<State: AnyObject>(for key: ObjectIdentifier, make: () -> State) -> State {
        if let state = self.filterStates[key] as? State { return state }
        let state = make()
        self.filterStates[key] = state
        return state
    }
}
