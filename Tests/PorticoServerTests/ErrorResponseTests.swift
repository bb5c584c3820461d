import NIOCore
import NIOPosix
import PorticoCore
import PorticoHTTP
import PorticoTesting
import Testing

/// Gateway-generated errors: right status, small JSON body with the request id, and the
/// connection left in a sane state.
@Suite(.timeLimit(.minutes(1)))
struct ErrorResponseTests {
    let group = MultiThreadedEventLoopGroup.singleton

    private func expectJSONError(
        _ response: HTTPTestResponse, status: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.header("content-type") == "application/json", sourceLocation: sourceLocation)
        let id = response.header("x-request-id")
        #expect(id != nil, sourceLocation: sourceLocation)
        #expect(response.bodyText.hasPrefix("{\"error\":"), sourceLocation: sourceLocation)
        #expect(response.bodyText.contains("\"status\":\(status)"), sourceLocation: sourceLocation)
        if let id { #expect(response.bodyText.contains("\"request_id\":\"\(id)\""), sourceLocation: sourceLocation) }
    }

    @Test func notFoundAndMethodNotAllowed() async throws {
        let backend = try await TestBackend.start(group: self.group, body: "x")
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("users", path: .prefix("/users"), methods: [.GET, .POST])],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send("GET /nothing HTTP/1.1\r\nHost: h\r\n\r\n")
        self.expectJSONError(try await client.readResponse(), status: 404)
        try await client.send("DELETE /users/1 HTTP/1.1\r\nHost: h\r\n\r\n")
        let notAllowed = try await client.readResponse()
        self.expectJSONError(notAllowed, status: 405)
        #expect(notAllowed.header("allow") == "GET, POST")
        // Still keep-alive after local errors.
        try await client.send("GET /users/1 HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        #expect(backend.requests.count == 1)
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func payloadTooLargeByLengthAndWhileStreaming() async throws {
        let backend = try await TestBackend.start(group: self.group, body: "x")
        var listener = ListenerSettings(name: "test", host: "127.0.0.1", port: 0)
        listener.maxBodyBytes = 1000
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])],
            listener: listener
        )
        let declared = try await gateway.client()
        try await declared.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n")
        self.expectJSONError(try await declared.readResponse(), status: 413)
        #expect(await declared.waitForClose())

        let chunked = try await gateway.client()
        try await chunked.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: "a", count: 600)
        try await chunked.send("258\r\n\(chunk)\r\n")
        try await chunked.send("258\r\n\(chunk)\r\n")
        self.expectJSONError(try await chunked.readResponse(), status: 413)
        #expect(await chunked.waitForClose())
        await gateway.stop()
        await backend.stop()
    }

    @Test func uriTooLongAndHeadersTooLarge() async throws {
        let backend = try await TestBackend.start(group: self.group, body: "x")
        var listener = ListenerSettings(name: "test", host: "127.0.0.1", port: 0)
        listener.maxURIBytes = 100
        listener.maxHeaderBytes = 1024
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])],
            listener: listener
        )
        let longURI = try await gateway.client()
        try await longURI.send("GET /\(String(repeating: "a", count: 200)) HTTP/1.1\r\nHost: h\r\n\r\n")
        self.expectJSONError(try await longURI.readResponse(), status: 414)

        let bigHeaders = try await gateway.client()
        try await bigHeaders.send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: \(String(repeating: "b", count: 2000))\r\n\r\n")
        self.expectJSONError(try await bigHeaders.readResponse(), status: 431)
        #expect(await bigHeaders.waitForClose())

        // Fields just over the limit with a short request line: the head as a whole would fit
        // the allowance that includes the target, the fields alone do not.
        let justOver = try await gateway.client()
        try await justOver.send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: \(String(repeating: "b", count: 1020))\r\n\r\n")
        self.expectJSONError(try await justOver.readResponse(), status: 431)
        #expect(backend.requests.isEmpty)
        await gateway.stop()
        await backend.stop()
    }

    @Test func badGatewayWhenUpstreamIsDown() async throws {
        // A port that was just free: nothing listens there.
        let probe = try await TestBackend.start(group: self.group, body: "")
        let deadPort = probe.port
        await probe.stop()
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("down", ports: [deadPort])]
        )
        let client = try await gateway.client()
        try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        let response = try await client.readResponse()
        self.expectJSONError(response, status: 502)
        #expect(response.bodyText.contains("cannot connect"))
        // The connection survives and the next request is answered too (no hang).
        try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        self.expectJSONError(try await client.readResponse(), status: 502)
        await client.close()
        await gateway.stop()
    }

    @Test func gatewayTimeoutWhenUpstreamIsSilent() async throws {
        let backend = try await TestBackend.start(group: self.group) { _, _ in }  // never answers
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [
                try makeUpstream(
                    "slow", ports: [backend.port], timeouts: UpstreamTimeouts(responseHeader: .milliseconds(300)))
            ]
        )
        let client = try await gateway.client()
        let started = ContinuousClock.now
        try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        let response = try await client.readResponse()
        self.expectJSONError(response, status: 504)
        #expect(ContinuousClock.now - started < .seconds(5))
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func routeTimeoutAnswers504() async throws {
        let backend = try await TestBackend.start(group: self.group) { _, _ in }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all", timeout: .milliseconds(200))],
            upstreams: [try makeUpstream("slow", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        self.expectJSONError(try await client.readResponse(), status: 504)
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func fixedResponseAndIdleTimeout() async throws {
        var listener = ListenerSettings(name: "test", host: "127.0.0.1", port: 0)
        listener.idleTimeout = .milliseconds(200)
        let gateway = try await GatewayHarness.start(
            routes: [fixedRoute("hello", path: .template("/hello"), status: 200, body: "hi there")],
            upstreams: [],
            listener: listener
        )
        let client = try await gateway.client()
        try await client.send("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "hi there")
        #expect(response.header("date") != nil)
        #expect(await client.waitForClose(timeout: .seconds(3)))
        await gateway.stop()
    }

    @Test func slowHeaderGets408() async throws {
        var listener = ListenerSettings(name: "test", host: "127.0.0.1", port: 0)
        listener.readHeaderTimeout = .milliseconds(200)
        let gateway = try await GatewayHarness.start(
            routes: [fixedRoute("hello", path: nil, status: 200, body: "hi")],
            upstreams: [],
            listener: listener
        )
        let client = try await gateway.client()
        try await client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Slow:")
        #expect(await client.waitForClose(timeout: .seconds(3)))
        let response = try await client.readResponse()
        #expect(response.status == 408)
        await gateway.stop()
    }
}
