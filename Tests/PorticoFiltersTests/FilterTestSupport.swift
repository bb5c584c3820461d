import NIOCore
import NIOEmbedded
import PorticoConfig
import PorticoCore
import PorticoFilters
import PorticoHTTP

/// Builds filters from YAML the way the config loader does, and runs their phases on a
/// request context, without sockets.
enum FilterHarness {
    static let registry = BuiltinFilters.registry()

    /// A gateway config with one route carrying the filter `under test` defined by `yaml`
    /// (the body of the filter's mapping, indented by 4 spaces).
    static func config(_ filterYAML: String) -> String {
        """
        listeners: [{ name: l, address: "127.0.0.1:0" }]
        admin: { address: off }
        routes:
          - name: r
            match: { path_prefix: / }
            respond: { status: 200 }
            filters: [under-test]
        filters:
          under-test:
        \(filterYAML)
        """
    }

    /// The filter compiled from `yaml`, or the config errors.
    static func filter(_ filterYAML: String) throws -> any HTTPFilter {
        let snapshot = try ConfigLoader(registry: registry, environment: [:]).load(text: config(filterYAML)).snapshot
        return snapshot.routes[0].filters[0].filter
    }

    /// The config errors for `yaml`, as text.
    static func errors(_ filterYAML: String) -> String {
        do {
            _ = try ConfigLoader(registry: registry, environment: [:]).load(text: config(filterYAML))
            return ""
        } catch {
            return error.description
        }
    }

    /// A request context for `head` on a route that carries `filter`.
    static func context(_ head: RequestHead, filter: any HTTPFilter, clientIP: String = "192.0.2.1") -> RequestContext {
        let route = Route(
            name: "r", index: 0, action: .respond(LocalResponse(status: 200)),
            filters: [NamedFilter(name: "f", filter: filter)])
        return RequestContext(
            request: head,
            route: route,
            parameters: PathParameters(),
            client: ClientInfo(ip: clientIP, port: 1234),
            startedAt: .now(),
            services: TestServices()
        )
    }
}

/// Loop services for filter tests.
final class TestServices: LoopServices {
    let eventLoop: any EventLoop = EmbeddedEventLoop()
    private var states: [ObjectIdentifier: AnyObject] = [:]

    func filterState<State: AnyObject>(for key: ObjectIdentifier, make: () -> State) -> State {
        if let state = self.states[key] as? State { return state }
        let state = make()
        self.states[key] = state
        return state
    }

    private var next = 0

    func pickTarget(for upstream: Upstream, request: BalancerRequest) -> Int? { 0 }
    func exchangeStarted(upstream: Upstream, target: Int) {}
    func exchangeFinished(upstream: Upstream, target: Int) {}
    func makeRequestID() -> String {
        self.next += 1
        return "generated-\(self.next)"
    }
}
