import NIOCore
import PorticoCore
import PorticoHTTP
import PorticoHTTP1

/// A buffer with no storage of its own to speak of, shared by every connection that holds no
/// bytes: assigning it releases whatever read buffer a connection was holding. Never written
/// to (a connection replaces it with the next read buffer), so it is never copied.
let emptyBuffer = ByteBuffer()

/// A part of an upstream response, as the proxy handler consumes it.
enum ResponsePart {
    case head(ResponseHead)
    case body(ByteBuffer)
    case end
}

/// The proxy's end of one upstream HTTP/1.1 connection and the only handler in its
/// pipeline: it writes requests as bytes, decodes responses (Portico's own codec), relays
/// them to the ``ProxyHandler`` that currently owns the connection, and holds reads while
/// the client cannot take more (back-pressure).
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

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
    private var received = emptyBuffer
    private var decoder = HTTP1ResponseDecoder()
    private var decoding = false
    private var requestChunked = false

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
        var bytes = self.unwrapInboundIn(data)
        if self.received.readableBytes == 0 {
            self.received = bytes
        } else {
            self.received.writeBuffer(&bytes)
        }
        if self.decoder.hasSwitchedProtocols { return }  // kept for the tunnel
        guard self.owner != nil else {
            // Bytes on an idle connection (a 408, say) mean the server is closing it.
            context.close(promise: nil)
            return
        }
        self.decodeAvailable()
    }

    /// Relays the response parts the buffer holds to the owner. An owner that releases the
    /// connection on the response's end may hand it to the next request at once (pipelined
    /// clients), so the loop reads `owner` afresh each time.
    private func decodeAvailable() {
        guard !self.decoding else { return }
        self.decoding = true
        defer { self.decoding = false }
        while let owner = self.owner, !self.decoder.hasSwitchedProtocols {
            let part: HTTP1Part?
            do {
                part = try self.decoder.next(&self.received)
            } catch {
                self.owner = nil
                owner.upstreamFailed(self, error: error)
                self.context?.close(promise: nil)
                return
            }
            guard let part else { break }
            switch part {
            case .head(let parsed): owner.upstreamRead(.head(ResponseHead(parsed)), from: self)
            case .body(let slice): owner.upstreamRead(.body(slice), from: self)
            case .end: owner.upstreamRead(.end, from: self)
            }
        }
        if self.received.readableBytes == 0 {
            self.received = emptyBuffer  // a pooled connection holds no read buffer
        } else if self.owner == nil && !self.decoder.hasSwitchedProtocols {
            // More bytes after the response than it declared: the connection cannot be trusted.
            self.context?.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.owner?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isClosed = true
        // A close-delimited body ends here; anything else cut short is a failure.
        if let owner = self.owner, !self.decoder.hasSwitchedProtocols,
            let end = try? self.decoder.finish()
        {
            if case .end = end { owner.upstreamRead(.end, from: self) }
        }
        self.pool.connectionClosed(self)
        let owner = self.owner
        self.owner = nil
        owner?.upstreamClosed(self)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let owner = self.owner
        self.owner = nil
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

    /// Writes a request head (one buffer); its response is expected next.
    func writeHead(_ head: RequestHead) {
        guard let context else { return }
        let (bytes, chunked) = HTTP1Serializer.encode(head, allocator: context.channel.allocator)
        self.requestChunked = chunked
        self.decoder.expectResponse(to: head.method)
        context.write(self.wrapOutboundOut(bytes), promise: nil)
    }

    /// Writes request body bytes, as a chunk if the head said chunked.
    func writeBody(_ data: ByteBuffer) {
        self.context?.writeBody(data, chunked: self.requestChunked)
    }

    /// Ends the request body (the last chunk, if chunked).
    func writeEnd() {
        guard self.requestChunked else { return }
        self.requestChunked = false
        self.context?.write(self.wrapOutboundOut(HTTP1Serializer.lastChunk), promise: nil)
    }

    /// Bytes received after a `101` (the new protocol's first bytes), handed to the tunnel.
    func takeTunnelBytes() -> ByteBuffer? {
        guard self.received.readableBytes > 0 else { return nil }
        defer { self.received = emptyBuffer }
        return self.received
    }

    func flush() {
        self.context?.flush()
    }

    func close() {
        self.context?.close(promise: nil)
    }
}
