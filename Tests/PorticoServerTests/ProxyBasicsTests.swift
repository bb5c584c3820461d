import NIOCore
import NIOPosix
import PorticoCore
import PorticoHTTP
import PorticoTesting
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ProxyBasicsTests {
    @Test func proxiesAGetAndKeepsBothSidesAlive() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let backend = try await TestBackend.start(group: group, body: "hello")
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("users", ports: [backend.port])]
        )
        let client = try await gateway.client()
        for _ in 0..<3 {
            try await client.send("GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyText == "hello")
        }
        // One client connection, one pooled upstream connection.
        #expect(backend.connectionCount == 1)
        #expect(backend.requests.count == 3)
        let first = backend.requests[0]
        #expect(first.header("host") == "example.com")
        #expect(first.header("x-forwarded-for") == "127.0.0.1")
        #expect(first.header("x-forwarded-proto") == "http")
        #expect(first.header("x-forwarded-host") == "example.com")
        #expect(first.header("via") == "1.1 portico")
        await client.close()
        await gateway.stop()
        await backend.stop()
        try await group.shutdownGracefully()
    }
}
