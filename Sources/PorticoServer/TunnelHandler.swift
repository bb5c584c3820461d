import NIOCore
import PorticoCore

/// One side of a byte tunnel after an `Upgrade` (WebSocket): relays bytes to its partner
/// on the other connection, relays half-closes, and applies back-pressure by holding reads
/// while the partner cannot write (the "glue handler" pattern).
final class TunnelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let session: TunnelSession
    private var partner: TunnelHandler?
    private var context: ChannelHandlerContext?
    private var scanner: WebSocketFrameScanner?
    private var readHeld = false

    private init(session: TunnelSession, maxMessageBytes: Int?) {
        self.session = session
        self.scanner = maxMessageBytes.map { WebSocketFrameScanner(maxMessageBytes: $0) }
    }

    /// The two linked handlers: one for the client connection, one for the upstream.
    static func pair(session: TunnelSession, maxMessageBytes: Int?) -> (client: TunnelHandler, upstream: TunnelHandler)
    {
        let client = TunnelHandler(session: session, maxMessageBytes: maxMessageBytes)
        let upstream = TunnelHandler(session: session, maxMessageBytes: maxMessageBytes)
        client.partner = upstream
        upstream.partner = client
        return (client, upstream)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = self.unwrapInboundIn(data)
        self.session.touch()
        if self.scanner != nil, self.scanner!.scan(bytes) != .ok {
            // Oversized message or broken framing: end the tunnel on both sides.
            self.session.close()
            return
        }
        self.partner?.write(bytes)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.partner?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.session.close()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // Relay the half-close so the other peer sees end-of-stream too.
            self.partner?.closeOutput()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.session.close()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.partner?.resumeRead() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let partner, !partner.isWritable {
            self.readHeld = true
        } else {
            context.read()
        }
    }

    private var isWritable: Bool { self.context?.channel.isWritable ?? false }

    private func write(_ bytes: ByteBuffer) {
        self.context?.write(self.wrapOutboundOut(bytes), promise: nil)
    }

    private func flush() {
        self.context?.flush()
    }

    private func resumeRead() {
        if self.readHeld, let context {
            self.readHeld = false
            context.read()
        }
    }

    private func closeOutput() {
        self.context?.close(mode: .output, promise: nil)
    }

    func closeConnection() {
        self.context?.close(promise: nil)
    }
}

/// What both sides of one tunnel share: the idle and lifetime timers and the close that
/// ends both connections together.
final class TunnelSession {
    private let eventLoop: any EventLoop
    private let idleTimeout: TimeAmount
    private let metrics: LoopMetricsHandle
    private var lastActivity: NIODeadline
    private var idleTask: Scheduled<Void>?
    private var lifetimeTask: Scheduled<Void>?
    private var handlers: [TunnelHandler] = []
    private var closed = false

    init(eventLoop: any EventLoop, policy: WebSocketPolicy, metrics: LoopMetricsHandle) {
        self.eventLoop = eventLoop
        self.idleTimeout = policy.idleTimeout
        self.metrics = metrics
        self.lastActivity = .now()
        if let lifetime = policy.maxLifetime {
            self.lifetimeTask = eventLoop.assumeIsolated().scheduleTask(in: lifetime) { self.close() }
        }
        self.armIdleTimer()
        metrics.tunnelOpened()
    }

    func attach(_ handler: TunnelHandler) {
        self.handlers.append(handler)
    }

    func touch() {
        self.lastActivity = .now()
    }

    private func armIdleTimer() {
        self.idleTask = self.eventLoop.assumeIsolated().scheduleTask(deadline: self.lastActivity + self.idleTimeout) {
            guard !self.closed else { return }
            if NIODeadline.now() - self.lastActivity >= self.idleTimeout {
                self.close()
            } else {
                self.armIdleTimer()
            }
        }
    }

    /// Closes both connections (once).
    func close() {
        guard !self.closed else { return }
        self.closed = true
        self.idleTask?.cancel()
        self.lifetimeTask?.cancel()
        self.metrics.tunnelClosed()
        let handlers = self.handlers
        self.handlers = []
        for handler in handlers { handler.closeConnection() }
    }
}

/// The counters a tunnel updates (a small seam so tunnels need not know the runtime).
struct LoopMetricsHandle {
    let tunnelOpened: () -> Void
    let tunnelClosed: () -> Void
}
