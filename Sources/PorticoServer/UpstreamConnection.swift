import NIOCore
import NIOHTTP1
import PorticoCore

/// The proxy's end of one upstream HTTP/1.1 connection: the last handler in the upstream
/// channel's pipeline, relaying response parts to the ``ProxyHandler`` that currently owns
/// it, and holding reads while the client cannot take more (back-pressure).
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// The pool key (target address).
    let key: PoolKey
    private unowned let pool: UpstreamPool
    private(set) var context: ChannelHandlerContext?
    /// The handler whose request uses this connection; nil while pooled.
    var owner: ProxyHandler?
    /// Whether a request has been sent on it before (it came from the pool).
    var exchanges = 0
    private var readHeld = false
    private(set) var isClosed = false

    init(key: PoolKey, pool: UpstreamPool) {
        self.key = key
        self.pool = pool
    }

    var id: ObjectIdentifier { ObjectIdentifier(self) }

    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = self.unwrapInboundIn(data)
        if let owner {
            owner.upstreamRead(part, from: self)
        } else {
            // Bytes on an idle connection (a 408, say) mean the server is closing it.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.owner?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isClosed = true
        self.pool.connectionClosed(self)
        let owner = self.owner
        self.owner = nil
        owner?.upstreamClosed(self)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let owner = self.owner
        if let owner {
            owner.upstreamFailed(self, error: error)
        }
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.owner?.upstreamWritabilityChanged(self)
    }

    func read(context: ChannelHandlerContext) {
        if let owner, !owner.canTakeResponseBytes {
            self.readHeld = true
        } else {
            context.read()
        }
    }

    /// Resumes reading after the client drained.
    func resumeRead() {
        if self.readHeld, let context {
            self.readHeld = false
            context.read()
        }
    }

    func write(_ part: HTTPClientRequestPart) {
        self.context?.write(self.wrapOutboundOut(part), promise: nil)
    }

    func flush() {
        self.context?.flush()
    }

    func close() {
        self.context?.close(promise: nil)
    }
}
