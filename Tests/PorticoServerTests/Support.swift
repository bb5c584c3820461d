import Logging
import NIOCore
import NIOPosix
import PorticoCore
import PorticoFilters
import PorticoHTTP
import PorticoObservability
import PorticoServer
import PorticoTesting

/// One gateway on 127.0.0.1:0 built from a snapshot made in code, plus helpers.
final class GatewayHarness: Sendable {
    let group: MultiThreadedEventLoopGroup
    let server: GatewayServer
    let port: Int

    private init(group: MultiThreadedEventLoopGroup, server: GatewayServer, port: Int) {
        self.group = group
        self.server = server
        self.port = port
    }

    static func start(
        routes: [(RouteSpec, (Int) -> Route)],
        upstreams: [Upstream],
        listener: ListenerSettings = ListenerSettings(name: "test", host: "127.0.0.1", port: 0),
        settings: GatewaySettings = GatewaySettings(accessLog: false),
        workers: Int = 2
    ) async throws -> GatewayHarness {
        let table = try RouteTable(routes: routes.map(\.0))
        let compiled = routes.enumerated().map { index, entry in entry.1(index) }
        let snapshot = RuntimeSnapshot(
            version: 1,
            routeTable: table,
            routes: compiled,
            upstreams: upstreams,
            listeners: [listener],
            settings: settings
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: workers)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let server = GatewayServer(
            group: group, store: SnapshotStore(snapshot), logger: logger, accessLogOutput: .standardError)
        try await server.start()
        let port = server.boundAddresses[listener.name]!.port!
        return GatewayHarness(group: group, server: server, port: port)
    }

    func client() async throws -> RawClient {
        try await RawClient.connect(port: self.port, group: self.group)
    }

    func stop() async {
        await self.server.drain(timeout: .seconds(1))
        try? await self.group.shutdownGracefully()
    }
}

/// An upstream with targets on 127.0.0.1 at these ports.
func makeUpstream(
    _ name: String,
    index: Int = 0,
    ports: [Int],
    balancer: BalancerKind = .roundRobin,
    timeouts: UpstreamTimeouts = UpstreamTimeouts(),
    pool: PoolSettings = PoolSettings()
) throws -> Upstream {
    let targets = try ports.map { port in
        UpstreamTarget(
            url: "http://127.0.0.1:\(port)", host: "127.0.0.1", port: port,
            address: try SocketAddress(ipAddress: "127.0.0.1", port: port))
    }
    return Upstream(name: name, index: index, targets: targets, balancer: balancer, timeouts: timeouts, pool: pool)
}

/// A proxy route to upstream 0.
func proxyRoute(
    _ name: String,
    path: PathMatcher? = nil,
    methods: [HTTPMethod]? = nil,
    upstream: Int = 0,
    filters: [NamedFilter] = [],
    rewrite: PathRewrite = PathRewrite(),
    preserveHost: Bool = true,
    timeout: TimeAmount? = nil,
    webSocket: WebSocketPolicy = WebSocketPolicy()
) -> (RouteSpec, (Int) -> Route) {
    let spec = RouteSpec(name: name, path: path, methods: methods.map { HTTPMethodSet($0) })
    return (
        spec,
        { index in
            Route(
                name: name,
                index: index,
                action: .proxy(upstream: upstream),
                filters: filters,
                rewrite: rewrite,
                preserveHost: preserveHost,
                timeout: timeout,
                webSocket: webSocket
            )
        }
    )
}

/// A route answering by itself.
func fixedRoute(_ name: String, path: PathMatcher?, status: Int, body: String) -> (RouteSpec, (Int) -> Route) {
    (
        RouteSpec(name: name, path: path),
        { index in
            Route(name: name, index: index, action: .respond(LocalResponse(status: status, body: body)))
        }
    )
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}
