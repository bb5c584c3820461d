import NIOCore
import NIOPosix
import PorticoCore
import PorticoHTTP
import PorticoTesting
import Testing

/// The per-loop upstream keep-alive pool (SPEC F-21).
@Suite(.timeLimit(.minutes(1)))
struct PoolTests {
    let group = MultiThreadedEventLoopGroup.singleton

    @Test func stalePooledConnectionIsReplayedTransparently() async throws {
        // The backend answers the first request of each connection, then closes the
        // connection as soon as a second request arrives, without answering: a keep-alive
        // connection that died just as it was reused.
        let backend = try await TestBackend.start(group: self.group) { request, writer in
            if request.indexOnConnection == 1 {
                writer.respond(status: 200, body: "fresh \(request.connection)")
            } else {
                writer.closeConnection()
            }
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])],
            workers: 1
        )
        let client = try await gateway.client()
        try await client.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try await client.readResponse().bodyText == "fresh 1")
        // Idempotent, and a body small enough to keep: both replayed on a new connection.
        try await client.send("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try await client.readResponse().bodyText == "fresh 2")
        try await client.send("POST /3 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody")
        let third = try await client.readResponse()
        #expect(third.status == 200)
        #expect(third.bodyText == "fresh 3")
        #expect(backend.requests.filter { $0.uri == "/3" }.allSatisfy { $0.bodyText == "body" })
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func idleConnectionsAreReusedAndCapped() async throws {
        let backend = try await TestBackend.start(group: self.group, body: "ok")
        let upstream = try makeUpstream("u", ports: [backend.port], pool: PoolSettings(maxIdlePerTarget: 1))
        let gateway = try await GatewayHarness.start(routes: [proxyRoute("all")], upstreams: [upstream], workers: 1)
        // Three clients in parallel need three upstream connections; afterwards only one stays.
        let clients = try await [gateway.client(), gateway.client(), gateway.client()]
        for client in clients {
            try await client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        }
        for client in clients {
            #expect(try await client.readResponse().status == 200)
        }
        try await Task.sleep(for: .milliseconds(100))
        let counts = await gateway.server.poolCounts(for: upstream.targets[0].address)
        #expect(counts.idle <= 1)
        #expect(counts.total == counts.idle)
        for client in clients { await client.close() }
        await gateway.stop()
        await backend.stop()
    }

    @Test func connectionLimitAnswers503() async throws {
        let backend = try await TestBackend.start(group: self.group) { _, _ in }  // holds every request
        let upstream = try makeUpstream(
            "u",
            ports: [backend.port],
            timeouts: UpstreamTimeouts(responseHeader: .seconds(5)),
            pool: PoolSettings(maxConnectionsPerTarget: 1)
        )
        let gateway = try await GatewayHarness.start(routes: [proxyRoute("all")], upstreams: [upstream], workers: 1)
        let first = try await gateway.client()
        try await first.send("GET /held HTTP/1.1\r\nHost: h\r\n\r\n")
        try await Task.sleep(for: .milliseconds(100))
        let second = try await gateway.client()
        try await second.send("GET /refused HTTP/1.1\r\nHost: h\r\n\r\n")
        let response = try await second.readResponse()
        #expect(response.status == 503)
        #expect(response.bodyText.contains("connection limit"))
        await first.close()
        await second.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func connectionCloseFromUpstreamIsNotPooled() async throws {
        let backend = try await TestBackend.start(group: self.group) { _, writer in
            writer.respond(status: 200, headers: [("connection", "close")], body: "bye")
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])],
            workers: 1
        )
        let client = try await gateway.client()
        for _ in 0..<3 {
            try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.bodyText == "bye")
            // The client's own connection stays alive: upstream `close` is hop-by-hop.
            #expect(response.header("connection") == nil)
        }
        #expect(backend.connectionCount == 3)
        await client.close()
        await gateway.stop()
        await backend.stop()
    }
}
