import Logging
import NIOCore
import NIOPosix
import PorticoConfig
import PorticoCore
import PorticoFilters
import PorticoServer
import PorticoTesting

/// A real gateway over loopback for filter tests: config compiled from YAML with the built-in
/// registry, a `GatewayServer` on 127.0.0.1:0 (listener `public`, upstream `backend`) and a
/// `TestBackend` that answers with `respond`.
final class LoopbackGateway: Sendable {
    let group: MultiThreadedEventLoopGroup
    let server: GatewayServer
    let backend: TestBackend
    let port: Int

    private init(group: MultiThreadedEventLoopGroup, server: GatewayServer, backend: TestBackend, port: Int) {
        self.group = group
        self.server = server
        self.backend = backend
        self.port = port
    }

    /// A gateway whose `routes` and `filters` (YAML, indented under their keys) proxy to
    /// `upstream: backend`; `listener` adds flow-mapping entries to the listener
    /// (`trusted_proxies: [127.0.0.1]`).
    static func start(
        routes: String, filters: String, listener: String = "",
        respond: @escaping TestBackend.Responder = { request, writer in
            writer.respond(status: 200, headers: [("content-type", "text/plain")], body: "ok:\(request.bodyText)")
        }
    ) async throws -> LoopbackGateway {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let backend: TestBackend
        do {
            backend = try await TestBackend.start(group: group, respond: respond)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let yaml = """
            listeners: [{ name: public, address: "127.0.0.1:0"\(listener.isEmpty ? "" : ", " + listener) }]
            admin: { address: off }
            logging: { access_log: false }
            upstreams:
              backend: { targets: [{ url: "http://127.0.0.1:\(backend.port)" }] }
            routes:
            \(routes)
            filters:
            \(filters)
            """
        do {
            let snapshot = try ConfigLoader(registry: BuiltinFilters.registry(), environment: [:]).load(text: yaml)
                .snapshot
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let server = GatewayServer(group: group, store: SnapshotStore(snapshot), logger: logger)
            try await server.start()
            return LoopbackGateway(
                group: group, server: server, backend: backend, port: server.boundAddresses["public"]!.port!)
        } catch {
            await backend.stop()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Sends one request on a new connection and reads the response.
    func send(_ request: String, method: String = "GET") async throws -> HTTPTestResponse {
        let client = try await RawClient.connect(port: self.port, group: self.group)
        defer { Task { await client.close() } }
        try await client.send(request)
        return try await client.readResponse(method: method)
    }

    func stop() async {
        await self.server.drain(timeout: .seconds(1))
        await self.backend.stop()
        try? await self.group.shutdownGracefully()
    }
}
