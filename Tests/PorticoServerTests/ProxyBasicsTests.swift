import NIOCore
import NIOPosix
import PorticoCore
import PorticoHTTP
import PorticoTesting
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ProxyBasicsTests {
    let group = MultiThreadedEventLoopGroup.singleton

    @Test func proxiesAGetAndKeepsBothSidesAlive() async throws {
        let backend = try await TestBackend.start(group: self.group, body: "hello")
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
            #expect(response.header("via") == "1.1 portico")
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
    }

    @Test func answersPipelinedRequestsInOrder() async throws {
        // The first request is answered last by the backend's clock; order must still hold.
        let backend = try await TestBackend.start(group: self.group) { request, writer in
            let delay: TimeAmount = request.uri == "/a" ? .milliseconds(200) : .zero
            writer.eventLoop.scheduleTask(in: delay) {
                writer.respond(status: 200, body: "answer to \(request.uri)")
            }
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send(
            "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\nPOST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /d HTTP/1.1\r\nHost: h\r\n\r\n"
        )
        for path in ["/a", "/b", "/c", "/d"] {
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyText == "answer to \(path)")
        }
        #expect(backend.requests.map(\.uri) == ["/a", "/b", "/c", "/d"])
        #expect(backend.requests[2].bodyText == "abc")
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func headAnd204And304CarryNoBody() async throws {
        let backend = try await TestBackend.start(group: self.group) { request, writer in
            switch request.uri {
            case "/head":
                writer.head(status: 200, headers: [("content-length", "5")])
                writer.end()
            case "/204":
                writer.head(status: 204, headers: [])
                writer.end()
            default:
                writer.head(status: 304, headers: [("etag", "\"v1\"")])
                writer.end()
            }
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send("HEAD /head HTTP/1.1\r\nHost: h\r\n\r\n")
        let head = try await client.readResponse(method: "HEAD")
        #expect(head.status == 200)
        #expect(head.header("content-length") == "5")
        try await client.send("GET /204 HTTP/1.1\r\nHost: h\r\n\r\n")
        let noContent = try await client.readResponse()
        #expect(noContent.status == 204)
        #expect(noContent.header("transfer-encoding") == nil)
        try await client.send("GET /304 HTTP/1.1\r\nHost: h\r\n\r\n")
        let notModified = try await client.readResponse()
        #expect(notModified.status == 304)
        #expect(notModified.header("etag") == "\"v1\"")
        // Nothing stray followed: the connection still answers in step.
        try await client.send("HEAD /head HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try await client.readResponse(method: "HEAD").status == 200)
        try await Task.sleep(for: .milliseconds(50))
        #expect(client.received.isEmpty)
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func stripsHopByHopHeadersBothWays() async throws {
        let backend = try await TestBackend.start(group: self.group) { _, writer in
            writer.respond(
                status: 200,
                headers: [
                    ("connection", "x-resp-secret"), ("x-resp-secret", "1"), ("keep-alive", "timeout=5"),
                    ("x-kept", "yes"),
                ],
                body: "ok"
            )
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send(
            "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nUpgrade-Insecure-Requests: 1\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n"
        )
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("x-resp-secret") == nil)
        #expect(response.header("keep-alive") == nil)
        #expect(response.header("connection") == nil)
        #expect(response.header("x-kept") == "yes")
        let seen = try #require(backend.requests.first)
        for name in ["x-secret", "keep-alive", "te", "proxy-connection"] {
            #expect(seen.header(name) == nil, "\(name) reached the upstream")
        }
        #expect(seen.header("upgrade-insecure-requests") == "1")
        #expect(seen.header("x-forwarded-for") == "203.0.113.9, 127.0.0.1")
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func answersExpectContinueItself() async throws {
        let backend = try await TestBackend.start(group: self.group) { request, writer in
            writer.respond(status: 201, body: "got \(request.body.count) \(request.header("expect") ?? "no-expect")")
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = try await client.readResponse()
        #expect(interim.status == 100)
        try await client.send("hello")
        let response = try await client.readResponse()
        #expect(response.status == 201)
        #expect(response.bodyText == "got 5 no-expect")
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func rewritesPathAndHost() async throws {
        let backend = try await TestBackend.start(group: self.group) { request, writer in
            writer.respond(status: 200, body: "\(request.uri) \(request.header("host") ?? "-")")
        }
        let gateway = try await GatewayHarness.start(
            routes: [
                proxyRoute(
                    "api",
                    path: .prefix("/api"),
                    rewrite: try PathRewrite(stripPrefix: "/api", addPrefix: "/v2"),
                    preserveHost: false
                )
            ],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send("GET /api/users/7?x=1 HTTP/1.1\r\nHost: public.example\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.bodyText == "/v2/users/7?x=1 127.0.0.1:\(backend.port)")
        #expect(backend.requests.first?.header("x-forwarded-host") == "public.example")
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func servesHTTP10ClientsWithoutChunking() async throws {
        let backend = try await TestBackend.start(group: self.group) { _, writer in
            writer.head(status: 200, headers: [])  // chunked upstream
            writer.body("streamed")
            writer.end()
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send("GET / HTTP/1.0\r\nHost: h\r\n\r\n")
        #expect(await client.waitForClose())
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(!response.wasChunked)
        #expect(response.bodyText == "streamed")
        await client.close()
        await gateway.stop()
        await backend.stop()
    }
}
