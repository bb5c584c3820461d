import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PorticoCore
import PorticoHTTP
import PorticoTesting
import Testing

/// Connections end when they should: stalled bodies, refused upgrades, half-closes,
/// malformed pipelined requests, clients that stop reading.
@Suite(.timeLimit(.minutes(1)))
struct ConnectionLifecycleTests {
    let group = MultiThreadedEventLoopGroup.singleton

    private func listener(_ configure: (inout ListenerSettings) -> Void) -> ListenerSettings {
        var listener = ListenerSettings(name: "test", host: "127.0.0.1", port: 0)
        configure(&listener)
        return listener
    }

    @Test func aBodyThatNeverComesEndsTheConnection() async throws {
        let gateway = try await GatewayHarness.start(
            routes: [fixedRoute("only", path: .template("/here"), status: 200, body: "ok")],
            upstreams: [],
            listener: self.listener { $0.readBodyTimeout = .milliseconds(300) }
        )
        // Answered (404) before its body; then the body never arrives.
        let client = try await gateway.client()
        try await client.send("POST /elsewhere HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n")
        #expect(try await client.readResponse().status == 404)
        #expect(await client.waitForClose(timeout: .seconds(5)))

        // A client waiting for 100 Continue that gets a final answer instead: closed at once.
        let expecting = try await gateway.client()
        try await expecting.send(
            "POST /elsewhere HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n")
        let response = try await expecting.readResponse()
        #expect(response.status == 404)
        #expect(response.header("connection") == "close")
        #expect(await expecting.waitForClose(timeout: .seconds(2)))
        await gateway.stop()
    }

    @Test func aSlowUploadIsNotCutByTheResponseHeaderTimeout() async throws {
        let backend = try await TestBackend.start(group: self.group) { request, writer in
            writer.respond(status: 200, body: "got \(request.body.count)")
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [
                try makeUpstream(
                    "u", ports: [backend.port], timeouts: UpstreamTimeouts(responseHeader: .milliseconds(300)))
            ]
        )
        let client = try await gateway.client()
        try await client.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nab")
        try await Task.sleep(for: .milliseconds(400))
        try await client.send("cd")
        try await Task.sleep(for: .milliseconds(400))
        try await client.send("ef")
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "got 6")
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func aRefusedUpgradeClosesTheConnection() async throws {
        let backend = try await TestBackend.start(group: self.group) { _, writer in
            writer.respond(status: 400, body: "no websockets here")
        }
        let gateway = try await GatewayHarness.start(
            routes: [
                proxyRoute("off", path: .prefix("/off"), webSocket: WebSocketPolicy(enabled: false)),
                proxyRoute("on", path: .prefix("/on")),
            ],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        for path in ["/off", "/on"] {
            let client = try await gateway.client()
            try await client.send(
                "GET \(path) HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
            let response = try await client.readResponse()
            #expect(response.status == (path == "/off" ? 403 : 400))
            #expect(response.header("connection") == "close")
            #expect(await client.waitForClose(timeout: .seconds(3)), "\(path)")
        }
        await gateway.stop()
        await backend.stop()
    }

    @Test func aMalformedPipelinedRequestIsAnsweredInItsTurn() async throws {
        let backend = try await TestBackend.start(group: self.group) { request, writer in
            writer.eventLoop.scheduleTask(in: .milliseconds(100)) {
                writer.respond(status: 200, body: "answer \(request.uri)")
            }
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send(
            "GET /first HTTP/1.1\r\nHost: h\r\n\r\nGET /second HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n")
        let first = try await client.readResponse()
        #expect(first.status == 200)
        #expect(first.bodyText == "answer /first")
        let second = try await client.readResponse()
        #expect(second.status == 400)
        #expect(await client.waitForClose(timeout: .seconds(3)))
        #expect(backend.requests.map(\.uri) == ["/first"])
        await gateway.stop()
        await backend.stop()
    }

    @Test func aHalfClosedClientGetsEveryPipelinedAnswer() async throws {
        let backend = try await TestBackend.start(group: self.group) { request, writer in
            writer.respond(status: 200, body: "answer \(request.uri)")
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send(
            "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n")
        try await client.shutdownOutput()
        for path in ["/a", "/b", "/c"] {
            #expect(try await client.readResponse().bodyText == "answer \(path)")
        }
        #expect(await client.waitForClose(timeout: .seconds(3)))
        await gateway.stop()
        await backend.stop()
    }

    /// A client that half-closes in the middle of a request body will send no more of it: it is
    /// answered at once (400), not when the body timeout fires.
    @Test func halfCloseInsideABodyIsAnsweredAtOnce() async throws {
        let backend = try await TestBackend.start(group: self.group, body: "x")
        var listener = ListenerSettings(name: "test", host: "127.0.0.1", port: 0)
        listener.readBodyTimeout = .seconds(30)
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])],
            listener: listener
        )
        let client = try await gateway.client()
        try await client.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
        try await client.shutdownOutput()
        let response = try await client.readResponse(timeout: .seconds(5))
        #expect(response.status == 400)
        #expect(await client.waitForClose(timeout: .seconds(3)))
        await gateway.stop()
        await backend.stop()
    }

    @Test func aClientThatStopsReadingIsDisconnected() async throws {
        let written = NIOLockedValueBox(0)
        let backend = try await TestBackend.start(group: self.group) { _, writer in
            writer.head(status: 200, headers: [("content-length", "\(64 << 20)")])
            let part = ByteBuffer(repeating: 0x62, count: 64 * 1024)
            @Sendable func send(_ remaining: Int) {
                guard remaining > 0 else { return writer.end() }
                writer.bodyWritten(part).whenComplete { result in
                    if case .success = result {
                        written.withLockedValue { $0 += part.readableBytes }
                        send(remaining - part.readableBytes)
                    }
                }
            }
            writer.eventLoop.execute { send(64 << 20) }
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])],
            listener: self.listener { $0.idleTimeout = .milliseconds(400) }
        )
        let client = try await RawClient.connect(port: gateway.port, group: self.group, autoRead: false)
        try await client.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n")
        // Nothing is read: the gateway gives up after the idle timeout and frees the upstream.
        try await Task.sleep(for: .seconds(2))
        try await client.resumeReading()
        client.countOnly()
        #expect(await client.waitForClose(timeout: .seconds(5)))
        #expect(client.totalReceived < 64 << 20)
        await gateway.stop()
        await backend.stop()
    }
}
