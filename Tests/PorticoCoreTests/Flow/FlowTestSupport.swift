import NIOCore
import NIOEmbedded
import PorticoCore
import PorticoHTTP

/// Loop services with a fixed target choice and counters, for driving flows by hand.
final class ScriptedServices: LoopServices {
    let eventLoop: any EventLoop = EmbeddedEventLoop()
    private var states: [ObjectIdentifier: AnyObject] = [:]

    func filterState<State: AnyObject>(for key: ObjectIdentifier, make: () -> State) -> State {
        if let state = self.states[key] as? State { return state }
        let state = make()
        self.states[key] = state
        return state
    }

    var target: Int? = 0
    var started: [Int] = []
    var finished: [Int] = []
    private var nextID = 0

    var outcomes: [ExchangeOutcome] = []
    var avoided: [PoolKey?] = []

    func pickTarget(for upstream: Upstream, request: BalancerRequest, avoiding: PoolKey?) -> TargetChoice {
        let view = upstream.state.view
        self.avoided.append(avoiding)
        guard var target = self.target, target < view.targets.count else { return .unavailable }
        if let avoiding, view.targets[target].poolKey == avoiding, view.targets.count > 1 {
            target = (target + 1) % view.targets.count
        }
        return .target(view.targets[target], index: target, viewVersion: view.targetsVersion, circuitProbe: false)
    }
    func exchangeStarted(_ plan: UpstreamPlan) { self.started.append(plan.targetIndex) }
    func exchangeFinished(_ plan: UpstreamPlan, outcome: ExchangeOutcome) {
        self.finished.append(plan.targetIndex)
        self.outcomes.append(outcome)
    }
    /// Every retry decision asked for, and whether the budget refuses them.
    var retryRequests: [AttemptFailure] = []
    var budgetExhausted = false
    var retriesReleased = 0

    func decideRetry(_ plan: UpstreamPlan, failure: AttemptFailure, facts: RetryFacts) -> RetryDecision {
        self.retryRequests.append(failure)
        guard let policy = plan.upstream.resilience.retry else { return .giveUp(.notRetryable) }
        var random = FastRandom(seed: 1)
        var budget = RetryBudget(budgetPercent: 0, minRetryConcurrency: self.budgetExhausted ? 0 : 10)
        budget.requestStarted()
        return policy.decide(
            failure: failure, attempt: plan.attempt, target: plan.targetIndex, method: facts.method,
            routeAllowsNonIdempotent: facts.routeAllowsNonIdempotent, bodyReplayable: facts.bodyReplayable,
            neverReachedUpstream: facts.neverReachedUpstream, budget: budget, random: &random)
    }

    func retryReleased(_ plan: UpstreamPlan) { self.retriesReleased += 1 }

    func makeRequestID() -> String {
        self.nextID += 1
        return "id-\(self.nextID)"
    }
}

/// A filter that records the phases it saw and can be told what to decide.
final class RecordingFilter: HTTPFilter, @unchecked Sendable {
    let name: String
    var decision: FilterDecision = .proceed
    var log: [String] = []
    var phases: FilterPhases = .all
    private let shared: SharedLog

    final class SharedLog: @unchecked Sendable {
        var entries: [String] = []
    }

    init(_ name: String, log: SharedLog) {
        self.name = name
        self.shared = log
    }

    func onRequest(_ context: inout RequestContext) -> FilterDecision {
        self.shared.entries.append("\(self.name).request")
        let decision = self.decision
        if case .suspend = decision { self.decision = .proceed }
        return decision
    }

    func onUpstreamRequest(_ request: inout RequestHead, context: RequestContext) {
        self.shared.entries.append("\(self.name).upstream")
        request.headers.add(name: "x-filter", value: self.name)
    }

    func onResponse(_ response: inout ResponseHead, context: RequestContext) {
        self.shared.entries.append("\(self.name).response")
    }
}

enum FlowFixture {
    static let target = UpstreamTarget(
        url: "http://127.0.0.1:3001",
        host: "127.0.0.1",
        port: 3001,
        address: try! SocketAddress(ipAddress: "127.0.0.1", port: 3001)
    )
    static let upstream = Upstream(name: "users", index: 0, targets: [target])

    static func snapshot(
        routes: [(RouteSpec, RouteAction, [NamedFilter])] = [(RouteSpec(name: "all"), .proxy(upstream: 0), [])],
        listener: ListenerSettings = ListenerSettings(name: "l", host: "127.0.0.1", port: 0),
        timeout: TimeAmount? = nil
    ) throws -> RuntimeSnapshot {
        let table = try RouteTable(routes: routes.map(\.0))
        let compiled = routes.enumerated().map { index, entry in
            Route(name: entry.0.name, index: index, action: entry.1, filters: entry.2, timeout: timeout)
        }
        return RuntimeSnapshot(
            version: 1,
            routeTable: table,
            routes: compiled,
            upstreams: [upstream],
            listeners: [listener],
            settings: GatewaySettings()
        )
    }

    static func flow(_ snapshot: RuntimeSnapshot, services: ScriptedServices = ScriptedServices()) -> RequestFlow {
        RequestFlow(
            snapshot: snapshot,
            listener: snapshot.listeners[0],
            client: ClientInfo(ip: "192.0.2.10", port: 5000),
            services: services
        )
    }

    static func get(
        _ target: String = "/users/1", headers: HeaderList = ["Host": "api.example.com"], method: HTTPMethod = .GET
    ) -> RequestHead {
        RequestHead(method: method, target: target, headers: headers)
    }

    static let now = NIODeadline.uptimeNanoseconds(5_000_000_000)
}

extension FlowAction {
    var connectPlan: UpstreamPlan? {
        if case .connect(let plan, _) = self { return plan }
        return nil
    }

    var localResponse: LocalResponse? {
        if case .respond(let response, _, _) = self { return response }
        return nil
    }

    var sentHead: RequestHead? {
        if case .sendRequest(let head, _, _) = self { return head }
        return nil
    }
}
