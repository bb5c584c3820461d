import NIOCore
import PorticoCore

extension ProxyHandler {
    /// After relaying `101 Switching Protocols`: both connections become a byte tunnel.
    ///
    /// The HTTP handlers are swapped out on the next loop tick, outside their own call stacks
    /// (removing a handler from inside its own `channelRead` is unsafe). Bytes that arrived
    /// after the upgrade request or after the `101` are the new protocol's: they are handed to
    /// the tunnel before the HTTP handlers leave.
    func beginTunnel() {
        guard let context, let upstream = self.upstream, let flow = self.flow, let route = flow.context?.route else {
            self.close()
            return
        }
        self.tunnelStarted = true
        self.runtime.requestFinished(flow.record, client: self.client, now: .now())
        self.runtime.metrics.upgrades += 1
        self.flow!.tunnelClosed()  // the HTTP exchange is over: balancer counts released
        self.flow = nil
        self.upstream = nil
        upstream.owner = nil
        self.timerTask?.cancel()
        self.timerTask = nil
        self.timerFiresAt = nil
        self.timers = ConnectionTimers()
        self.runtime.pool.detachForTunnel(upstream)

        let runtime = self.runtime
        let metrics = LoopMetricsHandle(
            tunnelOpened: { runtime.metrics.activeTunnels += 1 },
            tunnelClosed: {
                runtime.metrics.activeTunnels -= 1
                runtime.metrics.activeConnections -= 1
            }
        )
        let session = TunnelSession(eventLoop: context.eventLoop, policy: route.webSocket, metrics: metrics)
        let (clientSide, upstreamSide) = TunnelHandler.pair(
            session: session, maxMessageBytes: route.webSocket.maxMessageBytes)
        session.attach(clientSide)
        session.attach(upstreamSide)
        let clientChannel = context.channel
        guard let upstreamContext = upstream.context else {
            session.close()
            self.close()
            return
        }
        let upstreamChannel = upstreamContext.channel
        context.eventLoop.assumeIsolated().execute {
            do {
                // Both tunnel ends are in place before early bytes are relayed, so neither
                // side's first bytes meet a missing partner.
                let client = clientChannel.pipeline.syncOperations
                let server = upstreamChannel.pipeline.syncOperations
                try client.addHandler(clientSide)
                try server.addHandler(upstreamSide)
                if self.received.readableBytes > 0, let context = self.context {
                    let early = self.received
                    self.received = emptyBuffer
                    context.fireChannelRead(NIOAny(early))
                    context.fireChannelReadComplete()  // the tunnel flushes on read-complete
                }
                if let early = upstream.takeTunnelBytes() {
                    upstreamContext.fireChannelRead(NIOAny(early))
                    upstreamContext.fireChannelReadComplete()
                }
                // Both HTTP handlers are RemovableChannelHandlers, so removal is synchronous
                // and cannot fail half-way.
                _ = client.removeHandler(self)
                _ = server.removeHandler(upstream)
                clientChannel.read()
                upstreamChannel.read()
            } catch {
                // A side closed before the switch: end both (the session balances the gauges).
                session.close()
                clientChannel.close(promise: nil)
                upstreamChannel.close(promise: nil)
            }
        }
    }
}
