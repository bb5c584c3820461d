import NIOCore
import NIOHTTP1
import PorticoCore

extension ProxyHandler {
    /// After relaying `101 Switching Protocols`: both connections become a byte tunnel.
    ///
    /// The HTTP handlers are swapped out on the next loop tick, outside the decoders' call
    /// stacks (removing a decoder from inside its own `channelRead` is unsafe).
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
                let client = clientChannel.pipeline.syncOperations
                try client.addHandler(clientSide)
                // Every handler removed here is a RemovableChannelHandler, so removal is
                // synchronous and cannot fail half-way.
                _ = client.removeHandler(self)
                _ = try client.removeHandler(client.handler(type: HTTPResponseEncoder.self))
                _ = try client.removeHandler(client.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self))

                let server = upstreamChannel.pipeline.syncOperations
                try server.addHandler(upstreamSide)
                _ = server.removeHandler(upstream)
                _ = try server.removeHandler(server.handler(type: HTTPRequestEncoder.self))
                // Removed last: bytes the server sent right after its 101 are forwarded to the tunnel.
                _ = try server.removeHandler(server.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self))
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
