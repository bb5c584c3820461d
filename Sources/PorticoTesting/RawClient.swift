import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP client for tests that sends raw bytes and reads raw bytes or parsed HTTP/1.1
/// responses, so tests can send exactly what a hostile or unusual client would.
public final class RawClient: Sendable {
    private let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    /// Connects to 127.0.0.1:`port`. With `autoRead: false` nothing is read until
    /// ``resumeReading()`` (a stalled client, for back-pressure tests).
    public static func connect(port: Int, group: any EventLoopGroup, autoRead: Bool = true) async throws -> RawClient {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.autoRead, value: autoRead)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CollectingHandler(inbox: inbox))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, inbox: inbox)
    }

    /// Sends bytes.
    public func send(_ text: String) async throws {
        try await self.send(Array(text.utf8))
    }

    /// Sends bytes.
    public func send(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Half-closes the connection (sends FIN, keeps reading).
    public func shutdownOutput() async throws {
        try await self.channel.close(mode: .output).get()
    }

    /// Closes the connection.
    public func close() async {
        try? await self.channel.close()
    }

    /// Starts reading (after `autoRead: false`).
    public func resumeReading() async throws {
        try await self.channel.setOption(.autoRead, value: true).get()
        self.channel.read()
    }

    /// From now on, received bytes are only counted, not kept
    /// (for large downloads).
    public func countOnly() {
        self.inbox.setCountOnly()
    }

    /// Bytes received in total (including counted-only bytes).
    public var totalReceived: Int { self.inbox.total }

    /// Whether the peer closed the connection.
    public var isClosedByPeer: Bool { self.inbox.isClosed }

    /// Everything received so far (not consumed by `readResponse`).
    public var received: [UInt8] { self.inbox.bytes }

    /// Waits until `condition` holds on the unconsumed bytes, or the timeout passes.
    @discardableResult
    public func waitUntil(timeout: Duration = .seconds(10), _ condition: @Sendable ([UInt8], Bool) -> Bool) async
        -> Bool
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if self.inbox.check(condition) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return self.inbox.check(condition)
    }

    /// Waits for the peer to close; true if it did within the timeout.
    public func waitForClose(timeout: Duration = .seconds(10)) async -> Bool {
        await self.waitUntil(timeout: timeout) { _, closed in closed }
    }

    /// Consumes exactly `count` received bytes (waiting for them).
    public func consumeBytes(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let bytes = try self.inbox.consume({ bytes, _ in
                bytes.count >= count ? (Array(bytes.prefix(count)), count) : nil
            }) {
                return bytes
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw TestClientError.timeout("wanted \(count) bytes, have \(self.inbox.bytes.count)")
    }

    /// Reads one complete response (for a request with `method`), consuming its bytes.
    public func readResponse(method: String = "GET", timeout: Duration = .seconds(10)) async throws -> HTTPTestResponse
    {
        var parsed: HTTPTestResponse?
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let response = try self.inbox.consume({ bytes, closed in
                try HTTPTestResponse.parse(bytes, requestMethod: method, peerClosed: closed)
            }) {
                parsed = response
                break
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        guard let parsed else {
            throw TestClientError.timeout(
                "no complete response; have \(self.inbox.bytes.count) bytes: \(String(decoding: self.inbox.bytes.prefix(300), as: UTF8.self))"
            )
        }
        return parsed
    }
}

/// Errors of the test clients.
public enum TestClientError: Error, CustomStringConvertible {
    case timeout(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .timeout(let message): "timeout: \(message)"
        case .malformed(let message): "malformed: \(message)"
        }
    }
}

final class Inbox: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var closed = false
        var countOnly = false
        var total = 0
    }

    private let state = NIOLockedValueBox(State())

    var bytes: [UInt8] { self.state.withLockedValue { $0.bytes } }
    var isClosed: Bool { self.state.withLockedValue { $0.closed } }
    var total: Int { self.state.withLockedValue { $0.total } }

    func append(_ buffer: ByteBuffer) {
        self.state.withLockedValue { state in
            state.total += buffer.readableBytes
            if !state.countOnly { state.bytes.append(contentsOf: buffer.readableBytesView) }
        }
    }

    func setCountOnly() {
        self.state.withLockedValue { $0.countOnly = true }
    }

    func markClosed() {
        self.state.withLockedValue { $0.closed = true }
    }

    func check(_ condition: ([UInt8], Bool) -> Bool) -> Bool {
        self.state.withLockedValue { condition($0.bytes, $0.closed) }
    }

    /// Runs a parser on the bytes; when it returns a value and a consumed count, drops those bytes.
    func consume<T>(_ parse: ([UInt8], Bool) throws -> (T, Int)?) throws -> T? {
        try self.state.withLockedValue { state in
            guard let (value, consumed) = try parse(state.bytes, state.closed) else { return nil }
            state.bytes.removeFirst(consumed)
            return value
        }
    }
}

private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let inbox: Inbox

    init(inbox: Inbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.inbox.append(self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.inbox.markClosed()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { self.inbox.markClosed() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.inbox.markClosed()
        context.close(promise: nil)
    }
}
