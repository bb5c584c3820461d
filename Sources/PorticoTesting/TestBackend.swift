import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// An in-process HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for tests.
///
/// Each request is answered by the `respond` closure, which gets the request (head and the
/// whole body) and a ``ResponseWriter`` for streaming answers; everything received is also
/// recorded for assertions.
public final class TestBackend: Sendable {
    /// A request as the backend received it.
    public struct Request: Sendable {
        public var method: String
        public var uri: String
        public var headers: [(String, String)]
        public var body: [UInt8]
        /// Which connection (1, 2, ...) carried it, and its index on that connection.
        public var connection: Int
        public var indexOnConnection: Int

        /// The first value of a header (case-insensitive).
        public func header(_ name: String) -> String? {
            self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        public var bodyText: String { String(decoding: self.body, as: UTF8.self) }
    }

    public typealias Responder = @Sendable (Request, ResponseWriter) -> Void

    private let channel: any Channel
    private let recorded = NIOLockedValueBox<[Request]>([])
    private let bodyBytesSeen = NIOLockedValueBox<Int>(0)
    private let connectionCounter = NIOLockedValueBox<Int>(0)
    private let openConnections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    /// The port it listens on.
    public let port: Int

    /// Every request received so far, in order.
    public var requests: [Request] { self.recorded.withLockedValue { $0 } }

    /// Request body bytes received so far (including requests still arriving).
    public var bodyBytesReceived: Int { self.bodyBytesSeen.withLockedValue { $0 } }

    /// Connections accepted so far.
    public var connectionCount: Int { self.connectionCounter.withLockedValue { $0 } }

    private init(channel: any Channel) {
        self.channel = channel
        // Kept: a stopped channel has no local address any more.
        self.port = channel.localAddress!.port!
    }

    /// Starts a backend answering with `respond`, on `port` (0: an ephemeral one; give a
    /// port to bring a killed backend back where it was).
    public static func start(group: any EventLoopGroup, port: Int = 0, respond: @escaping Responder) async throws
        -> TestBackend
    {
        let box = NIOLockedValueBox<TestBackend?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    let backend = box.withLockedValue { $0 }!
                    let id = ObjectIdentifier(channel)
                    backend.openConnections.withLockedValue { $0[id] = channel }
                    channel.closeFuture.whenComplete { _ in
                        _ = backend.openConnections.withLockedValue { $0.removeValue(forKey: id) }
                    }
                    let number = backend.connectionCounter.withLockedValue { value -> Int in
                        value += 1
                        return value
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        BackendHandler(backend: backend, connection: number, respond: respond)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let backend = TestBackend(channel: channel)
        box.withLockedValue { $0 = backend }
        return backend
    }

    /// A backend answering every request with `200` and `body`.
    public static func start(group: any EventLoopGroup, port: Int = 0, body: String) async throws -> TestBackend {
        try await start(group: group, port: port) { _, writer in
            writer.respond(status: 200, headers: [("content-type", "text/plain")], body: body)
        }
    }

    /// Stops listening (open connections stay until their peers close).
    public func stop() async {
        try? await self.channel.close()
    }

    /// Dies: stops listening and resets every open connection at once, as a crashed
    /// process would (requests in flight get no answer).
    public func kill() async {
        try? await self.channel.close()
        let connections = self.openConnections.withLockedValue { Array($0.values) }
        for connection in connections {
            // SO_LINGER 0: close sends RST, like a process killed mid-exchange.
            if let provider = connection as? any SocketOptionProvider {
                try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            }
            try? await connection.close()
        }
    }

    fileprivate func record(_ request: Request) {
        self.recorded.withLockedValue { $0.append(request) }
    }

    fileprivate func sawBodyBytes(_ count: Int) {
        self.bodyBytesSeen.withLockedValue { $0 += count }
    }
}

/// Writes a response from a ``TestBackend`` responder; may be used later, from any thread.
public struct ResponseWriter: Sendable {
    fileprivate let channel: any Channel

    /// Writes a whole response with a `content-length`.
    public func respond(status: Int, headers: [(String, String)] = [], body: String = "") {
        var allHeaders = headers
        if !allHeaders.contains(where: { $0.0.lowercased() == "content-length" }) {
            allHeaders.append(("content-length", "\(body.utf8.count)"))
        }
        self.head(status: status, headers: allHeaders)
        if !body.isEmpty { self.body(body) }
        self.end()
    }

    /// Writes the head (give framing headers yourself; none means chunked).
    public func head(status: Int, headers: [(String, String)]) {
        let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: HTTPHeaders(headers))
        self.channel.writeAndFlush(HTTPServerResponsePart.head(head), promise: nil)
    }

    /// Writes a body part and flushes it.
    public func body(_ text: String) {
        self.body(ByteBuffer(string: text))
    }

    /// Writes a body part and flushes it.
    public func body(_ buffer: ByteBuffer) {
        self.channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
    }

    /// Writes a body part; the future completes once it was written to the socket.
    public func bodyWritten(_ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        self.channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)))
    }

    /// Ends the response.
    public func end() {
        self.channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
    }

    /// Closes the connection without (finishing) a response.
    public func closeConnection() {
        self.channel.close(promise: nil)
    }

    /// The connection's event loop.
    public var eventLoop: any EventLoop { self.channel.eventLoop }
}

private final class BackendHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let backend: TestBackend
    private let connection: Int
    private let respond: TestBackend.Responder
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var index = 0

    init(backend: TestBackend, connection: Int, respond: @escaping TestBackend.Responder) {
        self.backend = backend
        self.connection = connection
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = []
        case .body(let buffer):
            self.backend.sawBodyBytes(buffer.readableBytes)
            self.body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head = self.head else { return }
            self.index += 1
            let request = TestBackend.Request(
                method: head.method.rawValue,
                uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) },
                body: self.body,
                connection: self.connection,
                indexOnConnection: self.index
            )
            self.backend.record(request)
            self.respond(request, ResponseWriter(channel: context.channel))
        }
    }
}
