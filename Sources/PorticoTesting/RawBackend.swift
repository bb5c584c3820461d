import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP server on 127.0.0.1 that answers each request head it receives with fixed bytes,
/// for tests of what the gateway does with malformed or unusual upstream responses.
public final class RawBackend: Sendable {
    private let channel: any Channel
    private let heads = NIOLockedValueBox(0)

    /// The port it listens on.
    public var port: Int { self.channel.localAddress!.port! }

    /// Request heads received so far.
    public var requestCount: Int { self.heads.withLockedValue { $0 } }

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Starts a server that writes `response` after each request head (and closes the
    /// connection afterwards when `closeAfter`).
    public static func start(group: any EventLoopGroup, response: String, closeAfter: Bool = false) async throws
        -> RawBackend
    {
        let box = NIOLockedValueBox<RawBackend?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let backend = box.withLockedValue { $0 }!
                    try channel.pipeline.syncOperations.addHandler(
                        RawResponder(
                            response: Array(response.utf8), closeAfter: closeAfter,
                            onHead: { backend.heads.withLockedValue { $0 += 1 } })
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let backend = RawBackend(channel: channel)
        box.withLockedValue { $0 = backend }
        return backend
    }

    /// Stops listening.
    public func stop() async {
        try? await self.channel.close()
    }
}

private final class RawResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let response: [UInt8]
    private let closeAfter: Bool
    private let onHead: @Sendable () -> Void
    private var received: [UInt8] = []

    init(response: [UInt8], closeAfter: Bool, onHead: @escaping @Sendable () -> Void) {
        self.response = response
        self.closeAfter = closeAfter
        self.onHead = onHead
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.received.append(contentsOf: self.unwrapInboundIn(data).readableBytesView)
        while let end = self.headEnd() {
            self.received.removeFirst(end)
            self.onHead()
            let write = context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(bytes: self.response)))
            if self.closeAfter {
                write.whenComplete { _ in context.close(promise: nil) }
            }
        }
    }

    private func headEnd() -> Int? {
        guard self.received.count >= 4 else { return nil }
        for index in 0...(self.received.count - 4)
        where self.received[index] == 13 && self.received[index + 1] == 10 && self.received[index + 2] == 13
            && self.received[index + 3] == 10
        {
            return index + 4
        }
        return nil
    }
}
