import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PorticoCore

/// The admin API listener (separate address, loopback by default): health, readiness,
/// version and metrics now; configuration and upstream state as the gateway grows.
///
/// Control plane: each request is read whole (bounded) and answered by an `async`
/// ``AdminRouter`` handler off the event loop.
public final class AdminServer: Sendable {
    private let channel: any Channel

    /// The address it listens on.
    public var localAddress: SocketAddress? { self.channel.localAddress }

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Largest admin request body accepted.
    public static let maxBodyBytes = 1 << 20

    /// Binds `host:port` and serves `router`.
    public static func start(host: String, port: Int, group: any EventLoopGroup, router: AdminRouter, logger: Logger)
        async throws -> AdminServer
    {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(router: router))
                }
            }
            .bind(host: host, port: port).get()
        logger.info("admin listener bound", metadata: ["address": "\(host):\(channel.localAddress?.port ?? port)"])
        return AdminServer(channel: channel)
    }

    /// Stops listening.
    public func stop() async {
        try? await self.channel.close()
    }
}

/// Reads one request at a time, lets the router answer it asynchronously, writes the answer.
private final class AdminHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: AdminRouter
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(router: AdminRouter) {
        self.router = router
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = []
            self.tooLarge = false
        case .body(let buffer):
            if self.body.count + buffer.readableBytes > AdminServer.maxBodyBytes {
                self.tooLarge = true
            } else {
                self.body.append(contentsOf: buffer.readableBytesView)
            }
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive
            if self.tooLarge {
                self.write(.error(.payloadTooLarge, "request body too large"), keepAlive: false, context: context)
                return
            }
            let (path, query) = Self.split(head.uri)
            let request = AdminRequest(
                method: head.method, path: path, query: query, headers: head.headers, body: self.body)
            let router = self.router
            let promise = context.eventLoop.makePromise(of: AdminResponse.self)
            promise.completeWithTask { await router.handle(request) }
            promise.futureResult.assumeIsolated().whenSuccess { response in
                self.write(response, keepAlive: keepAlive, context: context)
            }
        }
    }

    private func write(_ response: AdminResponse, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: String(response.body.utf8.count))
        headers.add(name: "cache-control", value: "no-store")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(
            self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))),
            promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: response.body)))), promise: nil)
        let done = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private static func split(_ uri: String) -> (String, String?) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, nil) }
        return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
    }
}
