import NIOCore
import PorticoCore
import PorticoHTTP
import PorticoHTTP1

/// The one handler on a client connection: it decodes requests from the bytes the client
/// sends (Portico's own HTTP/1 codec), turns them into ``RequestFlow`` events, carries out the
/// actions the flow returns, writes responses as bytes, answers pipelined requests in order,
/// and applies back-pressure in both directions.
///
/// Codec and proxy logic are fused on purpose: a request part is never wrapped, passed
/// through another handler and unwrapped again (PERF-NOTES). Everything runs on the
/// connection's event loop, including the upstream connections the requests use, so the
/// handler calls its upstream partner directly: no futures, locks or thread hops per request
/// (ARCHITECTURE: "The data plane is SwiftNIO handlers").
final class ProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let runtime: LoopRuntime
    let listener: ListenerSettings
    let client: ClientInfo
    var context: ChannelHandlerContext?

    /// Bytes received and not decoded yet: a partial head, or pipelined requests waiting for
    /// their turn (decoded only then, so a later request's error is answered in order).
    var received = emptyBuffer
    var decoder: HTTP1RequestDecoder
    var decoding = false
    var decoderFailed = false
    /// The request being served.
    var flow: RequestFlow?
    /// Increments per request, so late callbacks (suspended filters, connects) can tell
    /// whether they still belong to the current request.
    var generation = 0
    /// The client half-closed: serve what it sent, then close.
    var inputClosed = false
    /// The upstream connection the current request uses.
    var upstream: UpstreamConnection?
    /// Whether the response being written has a chunked body (its head said so).
    var responseChunked = false
    /// False once the connection must close after the current response.
    var keepAlive = true
    var isClosed = false
    var ended = false
    var isUpgrading = false
    /// A tunnel session took over the connection (and its accounting).
    var tunnelStarted = false
    var readHeld = false
    var needsDownstreamFlush = false
    var needsUpstreamFlush = false
    var requestsServed = 0
    var timers = ConnectionTimers()
    var timerTask: Scheduled<Void>?
    var timerFiresAt: NIODeadline?

    init(runtime: LoopRuntime, listener: ListenerSettings, client: ClientInfo) {
        self.runtime = runtime
        self.listener = listener
        self.client = client
        // The target gets its own allowance (414 beyond it, from the flow), headers theirs
        // (431 beyond): a long URL must not be reported as too many header bytes.
        self.decoder = HTTP1RequestDecoder(
            limits: HTTP1HeadParser.Limits(
                maxHeadBytes: listener.maxHeaderBytes + listener.maxURIBytes + 32,
                maxFields: 1024,
                maxTargetBytes: listener.maxURIBytes + listener.maxHeaderBytes
            ))
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.runtime.metrics.activeConnections += 1
        // The first request must arrive within the read-header timeout (Slowloris).
        self.timers.waitingForHead = .now() + self.listener.readHeaderTimeout
        self.rescheduleTimer()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if !self.tunnelStarted {
            self.connectionEnded()
        }
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        if self.received.readableBytes == 0 {
            self.received = bytes  // the common case: no copy
        } else {
            self.received.writeBuffer(&bytes)
        }
        if self.tunnelStarted { return }  // kept for the tunnel, which takes them over
        self.decodeAvailable()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.flow == nil && self.received.readableBytes > 0 && self.timers.headerStarted == nil && !self.isClosed {
            // Bytes of a request head arrived but not the whole head: from now on the
            // read-header timeout applies instead of the idle timeout.
            self.timers.headerStarted = .now()
            self.timers.waitingForHead = .now() + self.listener.readHeaderTimeout
            self.rescheduleTimer()
        }
        self.flushPending()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.tunnelStarted {
            // Once a tunnel started, its session owns the connection's accounting.
            self.connectionEnded()
        }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.timers.writeStall = nil
            self.upstream?.resumeRead()
        } else {
            // A client that stops reading must not hold the upstream connection forever.
            self.timers.writeStall = .now() + self.listener.idleTimeout
            self.rescheduleTimer()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            // The client half-closed: answer what it sent (pipelined requests too), then close.
            self.inputClosed = true
            if self.flow == nil {
                self.decodeAvailable()  // a partial request left is answered 400, or the connection closes
            } else if self.received.readableBytes == 0 && !self.decoder.isBetweenMessages && !self.decoderFailed {
                // Cut off in the middle of its body: no more of it will come, so it is answered
                // now instead of when the body timeout fires.
                self.decoderFailed = true
                self.answerProtocolError(.truncated)
            } else if self.received.readableBytes == 0 {
                self.flow?.closeAfterResponse()
            }
        case is ChannelShouldQuiesceEvent:
            // Graceful shutdown: idle connections close now, busy ones after their response.
            self.closeAfterCurrentExchange()
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // I/O errors (reset, broken pipe): nothing can be sent any more.
        self.close()
    }

    private func closeAfterCurrentExchange() {
        self.keepAlive = false
        if self.flow == nil && self.received.readableBytes == 0 {
            self.close()
        } else {
            self.flow?.closeAfterResponse()
        }
    }

    func read(context: ChannelHandlerContext) {
        if self.shouldHoldRead {
            self.readHeld = true
        } else {
            context.read()
        }
    }

    // MARK: - Back-pressure

    /// Reading pauses while a pipelined request waits, while the request waits for a
    /// filter or a connection, and while the upstream cannot take more body.
    var shouldHoldRead: Bool {
        // Read through `self.flow?` each time: binding the flow to a local would copy the
        // whole struct (and retain everything in it) on every read event.
        guard self.flow != nil else { return false }
        if self.flow!.isComplete { return true }
        // The request was read whole and the next one (pipelined) already waits in the buffer.
        if self.decoder.isBetweenMessages && self.received.readableBytes > 0 { return true }
        if self.flow!.isUpstreamActive {
            guard let upstream = self.upstream else { return true }
            return !upstream.isWritable
        }
        return self.flow!.isSuspendedOrConnecting
    }

    /// Whether the client can take more response bytes (upstream reads pause otherwise).
    var canTakeResponseBytes: Bool { self.context?.channel.isWritable ?? false }

    func resumeReadIfPossible() {
        if self.readHeld && !self.shouldHoldRead, let context {
            self.readHeld = false
            context.read()
        }
    }

    // MARK: - Requests

    /// Decodes and dispatches what the buffer holds, as far as the current request can take
    /// it: parts of the current request, or the head of the next one once none is being
    /// served. A pipelined request stays in the buffer until its turn. Not re-entrant: a
    /// request that completes while being dispatched lets the outer loop go on, so the stack
    /// stays flat.
    func decodeAvailable() {
        guard !self.decoding else { return }
        self.decoding = true
        defer { self.decoding = false }
        while !self.isClosed && !self.decoderFailed && !self.tunnelStarted {
            if self.flow != nil && self.decoder.isBetweenMessages { break }  // next request: not yet
            let part: HTTP1Part?
            do {
                part = try self.decoder.next(&self.received)
            } catch {
                self.decoderFailed = true
                self.answerProtocolError(error as? HTTP1ParseError ?? .truncated)
                return
            }
            guard let part else { break }
            switch part {
            case .head(let parsed):
                // The head limit also allows for the request line (its own limit is the
                // target's); the fields alone must stay within `max_header_bytes`.
                if parsed.bytes.readableBytes - parsed.startLine.third.upperBound - 2 > self.listener.maxHeaderBytes {
                    self.decoderFailed = true
                    self.answerProtocolError(.headTooLarge)
                    return
                }
                self.startRequest(RequestHead(parsed))
            case .body(let buffer):
                guard self.flow != nil else { continue }  // an answered request's rest: dropped
                self.timers.requestBody = .now() + self.listener.readBodyTimeout
                self.perform(self.flow!.receiveBody(buffer))
            case .end:
                guard self.flow != nil else { continue }
                self.timers.requestBody = nil
                self.perform(self.flow!.receiveEnd())
            }
        }
        if self.received.readableBytes == 0 {
            // Let go of the read buffer: an idle keep-alive connection should not hold one
            // (thousands of idle clients would each pin a 2 KiB+ receive buffer).
            self.received = emptyBuffer
        }
        if self.inputClosed && !self.isClosed && self.flow == nil && !self.decoderFailed {
            // The client sent all it will: a request cut short is answered, then the connection closes.
            if (try? self.decoder.finish(self.received)) == nil {
                self.decoderFailed = true
                self.answerProtocolError(.truncated)
            } else {
                self.close()
            }
            return
        }
        self.resumeReadIfPossible()
    }

    private func startRequest(_ head: consuming RequestHead) {
        self.generation &+= 1
        self.timers.waitingForHead = nil
        self.timers.headerStarted = nil
        let snapshot = self.runtime.currentSnapshot()
        var flow = RequestFlow(snapshot: snapshot, listener: self.listener, client: self.client, services: self.runtime)
        let now = NIODeadline.now()
        let action = flow.receiveHead(consume head, now: now)
        if self.inputClosed && self.received.readableBytes == 0 {
            flow.closeAfterResponse()  // the last request the client sent
        }
        let timeout = flow.requestTimeout
        let awaitingBody = !flow.isRequestComplete
        self.flow = consume flow
        if let timeout {
            self.timers.request = now + timeout
        }
        if awaitingBody {
            // The body must keep coming (also while it is read only to be discarded).
            self.timers.requestBody = now + self.listener.readBodyTimeout
        }
        self.rescheduleTimer()
        self.perform(action)
    }

    /// The current exchange is over: log it, then serve the next pipelined request or wait.
    func finishRequest() {
        guard let flow = self.flow.take() else { return }
        let now = NIODeadline.now()
        self.runtime.requestFinished(flow.record, client: self.client, now: now)
        self.requestsServed += 1
        if !flow.keepAlive { self.keepAlive = false }
        self.timers.request = nil
        self.timers.responseHeader = nil
        self.timers.requestBody = nil
        self.timers.writeStall = nil
        self.timers.retry = nil
        if self.upstream != nil {
            // The flow said nothing about it: it cannot be trusted for another exchange.
            self.disposeUpstream(.close)
        }
        guard self.keepAlive else {
            self.flushPending()
            self.close()
            return
        }
        self.timers.waitingForHead = now + self.listener.idleTimeout
        self.rescheduleTimer()
        // An upgrade request the upstream declined: the bytes after it are HTTP again.
        self.decoder.resume()
        self.decodeAvailable()
    }

    /// Answers a codec error with 400 (or 431/414) and closes; a response already under way
    /// is cut.
    private func answerProtocolError(_ error: HTTP1ParseError) {
        self.keepAlive = false
        guard self.flow == nil || !(self.flow!.hasSentResponseHead) else {
            self.close()
            return
        }
        if self.flow != nil {
            // The request being streamed upstream is broken mid-body; whatever it holds
            // (balancer counts, a retry's budget place) is given back.
            if self.flow!.isUpstreamActive { self.disposeUpstream(.close) }
            self.flow!.downstreamClosed()
        }
        self.flow = nil
        let gatewayError: GatewayError
        switch error {
        case .headTooLarge, .tooManyFields:
            gatewayError = GatewayError(.headersTooLarge, "request header fields too large")
        case .targetTooLong:
            gatewayError = GatewayError(.uriTooLong, "request target too long")
        default:
            gatewayError = GatewayError(.badRequest, "malformed request: \(error)")
        }
        let requestID = self.runtime.makeRequestID()
        var response = gatewayError.response(requestID: requestID)
        response.head.headers.set(name: "x-request-id", value: requestID)
        response.head.headers.set(name: "connection", value: "close")
        self.writeLocal(response)
        var record = RequestRecord()
        record.status = response.head.status
        record.startedAt = .now()
        record.local = true
        self.runtime.requestFinished(record, client: self.client, now: .now())
        self.flushPending()
        self.close()
    }

    /// Closes the client connection (after what was written is flushed).
    func close() {
        guard !self.isClosed, let context else { return }
        self.isClosed = true
        self.flushPending()
        context.close(promise: nil)
    }

    /// The connection is gone: drop what is in flight.
    func connectionEnded() {
        guard !self.ended else { return }
        self.ended = true
        self.isClosed = true
        self.timerTask?.cancel()
        self.timerTask = nil
        if self.flow != nil {
            self.flow!.downstreamClosed()
            self.runtime.requestFinished(self.flow!.record, client: self.client, now: .now())
            self.flow = nil
        }
        self.disposeUpstream(.close)
        self.runtime.metrics.activeConnections -= 1
    }
}
