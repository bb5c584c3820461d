import NIOCore
import NIOPosix
import PorticoCore
import PorticoHTTP
import PorticoTesting
import Testing

/// `Upgrade` requests become a byte tunnel after `101` (SPEC F-03).
@Suite(.timeLimit(.minutes(1)))
struct WebSocketTests {
    let group = MultiThreadedEventLoopGroup.singleton

    static let handshake =
        "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"

    @Test func echoesThroughTheTunnel() async throws {
        let backend = try await WebSocketEchoBackend.start(group: self.group)
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("ws", webSocket: WebSocketPolicy(protocols: ["chat"]))],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send(Self.handshake + "Sec-WebSocket-Protocol: chat, other\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 101)
        #expect(response.header("upgrade")?.lowercased() == "websocket")
        #expect(response.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(response.header("sec-websocket-protocol") == "chat")
        for message in ["hello", String(repeating: "z", count: 10_000)] {
            try await client.send(webSocketClientFrame(payload: Array(message.utf8)))
            let expected = message.utf8.count
            let headerLength = expected < 126 ? 2 : (expected <= 0xFFFF ? 4 : 10)
            let arrived = await client.waitUntil { bytes, _ in bytes.count >= headerLength + expected }
            #expect(arrived)
            let frame = try await client.consumeBytes(headerLength + expected)
            #expect(frame[0] == 0x81)
            #expect(Array(frame[headerLength...]).text == message)
        }
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    /// Bytes of the new protocol that travel in the same packet as the upgrade request (from
    /// the client) or as the `101` (from the upstream) belong to the tunnel, not to HTTP.
    @Test func bytesRightAfterTheSwitchReachTheOtherSide() async throws {
        let echo = try await WebSocketEchoBackend.start(group: self.group)
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("ws")],
            upstreams: [try makeUpstream("u", ports: [echo.port])]
        )
        let client = try await gateway.client()
        try await client.send(
            Array((Self.handshake + "\r\n").utf8) + webSocketClientFrame(payload: Array("early".utf8)))
        #expect(try await client.readResponse().status == 101)
        #expect(await client.waitUntil { bytes, _ in bytes.count >= 7 })
        let frame = try await client.consumeBytes(7)
        #expect(Array(frame[2...]).text == "early")
        await client.close()
        await gateway.stop()
        await echo.stop()

        let raw = try await RawBackend.start(
            group: self.group,
            response:
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nserver-first"
        )
        let second = try await GatewayHarness.start(
            routes: [proxyRoute("ws")],
            upstreams: [try makeUpstream("u", ports: [raw.port])]
        )
        let other = try await second.client()
        try await other.send(Self.handshake + "\r\n")
        #expect(try await other.readResponse().status == 101)
        #expect(await other.waitUntil { bytes, _ in bytes.count >= 12 })
        #expect(try await other.consumeBytes(12).text == "server-first")
        await other.close()
        await second.stop()
        await raw.stop()
    }

    @Test func disabledRouteRefusesUpgrades() async throws {
        let backend = try await WebSocketEchoBackend.start(group: self.group)
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("ws", webSocket: WebSocketPolicy(enabled: false))],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send(Self.handshake + "\r\n")
        #expect(try await client.readResponse().status == 403)
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func disallowedSubprotocolIsRefused() async throws {
        let backend = try await WebSocketEchoBackend.start(group: self.group)
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("ws", webSocket: WebSocketPolicy(protocols: ["chat"]))],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send(Self.handshake + "Sec-WebSocket-Protocol: mqtt\r\n\r\n")
        #expect(try await client.readResponse().status == 403)
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func oversizedMessageAndIdleTimeoutCloseTheTunnel() async throws {
        let backend = try await WebSocketEchoBackend.start(group: self.group)
        let gateway = try await GatewayHarness.start(
            routes: [
                proxyRoute("ws", webSocket: WebSocketPolicy(idleTimeout: .milliseconds(300), maxMessageBytes: 1000))
            ],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let big = try await gateway.client()
        try await big.send(Self.handshake + "\r\n")
        #expect(try await big.readResponse().status == 101)
        try await big.send(webSocketClientFrame(payload: Array(repeating: 0x41, count: 2000)))
        #expect(await big.waitForClose(timeout: .seconds(3)))

        let idle = try await gateway.client()
        try await idle.send(Self.handshake + "\r\n")
        #expect(try await idle.readResponse().status == 101)
        try await idle.send(webSocketClientFrame(payload: Array("small".utf8)))
        #expect(await idle.waitUntil { bytes, _ in bytes.count >= 7 })
        #expect(await idle.waitForClose(timeout: .seconds(3)))
        await gateway.stop()
        await backend.stop()
    }
}
