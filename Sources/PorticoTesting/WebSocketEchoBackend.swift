import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// An in-process WebSocket server on 127.0.0.1 that echoes every data frame back, for
/// tests of the upgrade tunnel. Accepts subprotocol `chat` when offered.
public final class WebSocketEchoBackend: Sendable {
    private let channel: any Channel

    /// The port it listens on.
    public var port: Int { self.channel.localAddress!.port! }

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Starts the server.
    public static func start(group: any EventLoopGroup) async throws -> WebSocketEchoBackend {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    shouldUpgrade: { channel, head in
                        var headers = HTTPHeaders()
                        if head.headers["sec-websocket-protocol"].contains(where: { $0.contains("chat") }) {
                            headers.add(name: "sec-websocket-protocol", value: "chat")
                        }
                        return channel.eventLoop.makeSucceededFuture(headers)
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(EchoHandler())
                        }
                    }
                )
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return WebSocketEchoBackend(channel: channel)
    }

    /// Stops listening.
    public func stop() async {
        try? await self.channel.close()
    }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary, .continuation:
            let echo = WebSocketFrame(fin: frame.fin, opcode: frame.opcode, data: frame.unmaskedData)
            context.writeAndFlush(self.wrapOutboundOut(echo), promise: nil)
        case .connectionClose:
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)
            context.writeAndFlush(self.wrapOutboundOut(close)).whenComplete { _ in context.close(promise: nil) }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
        default:
            break
        }
    }
}

/// Encodes a masked client frame (RFC 6455 §5.2), for raw test clients.
public func webSocketClientFrame(opcode: UInt8 = 0x1, fin: Bool = true, payload: [UInt8], mask: [UInt8] = [1, 2, 3, 4])
    -> [UInt8]
{
    var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    if payload.count < 126 {
        frame.append(0x80 | UInt8(payload.count))
    } else if payload.count <= 0xFFFF {
        frame.append(0x80 | 126)
        frame.append(UInt8(payload.count >> 8))
        frame.append(UInt8(payload.count & 0xFF))
    } else {
        frame.append(0x80 | 127)
        for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xFF)) }
    }
    frame.append(contentsOf: mask)
    for (index, byte) in payload.enumerated() { frame.append(byte ^ mask[index % 4]) }
    return frame
}
