import NIOCore
import NIOHTTP1
import PorticoCore
import PorticoHTTP

/// The one handler after the HTTP/1 codec on a client connection: it turns decoded parts
/// into ``RequestFlow`` events, carries out the actions the flow returns, answers pipelined
/// requests in order, and applies back-pressure in both directions.
///
/// Everything runs on the connection's event loop, including the upstream connections the
/// requests use, so the handler calls its upstream partner directly: no futures, locks or
/// thread hops per request (ARCHITECTURE: "The data plane is SwiftNIO handlers").
final class ProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let runtime: LoopRuntime
    let listener: ListenerSettings
    let client: ClientInfo
    var context: ChannelHandlerContext?

    /// The request being served.
    var flow: RequestFlow?
    /// Increments per request, so late callbacks (suspended filters, connects) can tell
    /// whether they still belong to the current request.
    var generation = 0
    /// Parts of pipelined requests that arrived while another was being served, and a
    /// decoding error in one of them (answered in its turn).
    var queued = CircularBuffer<QueuedItem>()
    /// The client half-closed (or pipelined too much): serve what is queued, then close.
    var inputClosed = false
    /// The upstream connection the current request uses.
    var upstream: UpstreamConnection?
    /// False once the connection must close after the current response.
    var keepAlive = true
    var isClosed = false
    var ended = false
    var isUpgrading = false
    /// A tunnel session took over the connection (and its accounting).
    var tunnelStarted = false
    var drainingQueue = false
    var readHeld = false
    var partReceivedThisRead = false
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

    /// Pipelined parts kept at most; beyond, the connection serves what it has and closes
    /// (one read can decode thousands of tiny requests).
    static let maxQueuedParts = 64

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.partReceivedThisRead = true
        let part = self.unwrapInboundIn(data)
        if self.flow == nil && self.queued.isEmpty {
            self.dispatch(part)
        } else if self.queued.isEmpty, self.flow?.isComplete == false, self.belongsToCurrentRequest(part) {
            self.dispatch(part)
        } else if self.queued.count < Self.maxQueuedParts && !self.inputClosed {
            // A pipelined request: keep it until the current response is done.
            self.queued.append(.part(part))
        } else {
            self.inputClosed = true
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !self.partReceivedThisRead && self.flow == nil && self.timers.headerStarted == nil {
            // Bytes of a request head arrived but not the whole head: from now on the
            // read-header timeout applies instead of the idle timeout.
            self.timers.headerStarted = .now()
            self.timers.waitingForHead = .now() + self.listener.readHeaderTimeout
            self.rescheduleTimer()
        }
        self.partReceivedThisRead = false
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
            if self.flow == nil && self.queued.isEmpty {
                self.close()
            } else if self.queued.isEmpty {
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
        if let parserError = error as? HTTPParserError {
            self.protocolError(parserError)
        } else if error is ByteToMessageDecoderError {
            self.protocolError(.invalidEOFState)
        } else {
            // I/O errors (reset, broken pipe): nothing can be sent any more.
            self.close()
        }
    }

    private func closeAfterCurrentExchange() {
        self.keepAlive = false
        if self.flow == nil && self.queued.isEmpty {
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
        if !self.queued.isEmpty { return true }
        // Read through `self.flow?` each time: binding the flow to a local would copy the
        // whole struct (and retain everything in it) on every read event.
        guard self.flow != nil else { return false }
        if self.flow!.isComplete { return true }
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

    private func belongsToCurrentRequest(_ part: HTTPServerRequestPart) -> Bool {
        if case .head = part { return false }
        return true
    }

    private func belongsToCurrentRequest(_ item: QueuedItem) -> Bool {
        if case .part(let part) = item { return self.belongsToCurrentRequest(part) }
        return false
    }

    /// Hands a part of the current (or a new) request to the flow.
    func dispatch(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            self.startRequest(head)
        case .body(let buffer):
            guard self.flow != nil else { return }
            self.timers.requestBody = .now() + self.listener.readBodyTimeout
            self.perform(self.flow!.receiveBody(buffer))
        case .end:
            guard self.flow != nil else { return }
            self.timers.requestBody = nil
            self.perform(self.flow!.receiveEnd())
        }
    }

    private func startRequest(_ nioHead: HTTPRequestHead) {
        self.generation &+= 1
        self.timers.waitingForHead = nil
        self.timers.headerStarted = nil
        let snapshot = self.runtime.currentSnapshot()
        var flow = RequestFlow(snapshot: snapshot, listener: self.listener, client: self.client, services: self.runtime)
        let now = NIODeadline.now()
        let action = flow.receiveHead(RequestHead(nioHead), now: now)
        if self.inputClosed && self.queued.isEmpty {
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
        self.drainQueue()
        if self.inputClosed && self.flow == nil && self.queued.isEmpty {
            self.close()
        }
    }

    /// Serves queued pipelined parts in order. Not re-entrant: a request that completes
    /// while being dispatched lets the outer loop continue, so the stack stays flat.
    func drainQueue() {
        guard !self.drainingQueue else { return }
        self.drainingQueue = true
        defer { self.drainingQueue = false }
        while let next = self.queued.first {
            if self.flow != nil, self.flow!.isComplete || !self.belongsToCurrentRequest(next) { break }
            _ = self.queued.popFirst()
            switch next {
            case .part(let part): self.dispatch(part)
            case .malformed(let error): self.answerProtocolError(error)
            }
            if self.isClosed { return }
        }
        self.resumeReadIfPossible()
    }

    /// A codec error. If it belongs to a later pipelined request (the current one was fully
    /// received), it is answered in that request's turn; otherwise now.
    private func protocolError(_ error: HTTPParserError) {
        if (self.flow != nil && self.flow!.isRequestComplete) || !self.queued.isEmpty {
            self.queued.append(.malformed(error))
            return
        }
        self.answerProtocolError(error)
    }

    /// Answers a codec error with 400 (or 431) and closes; a response already under way is cut.
    private func answerProtocolError(_ error: HTTPParserError) {
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
        case .headerOverflow:
            gatewayError = GatewayError(.headersTooLarge, "request header fields too large")
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
        self.queued.removeAll()
        self.runtime.metrics.activeConnections -= 1
    }
}

/// An entry of the pipelining queue.
enum QueuedItem {
    /// A decoded part of a later request.
    case part(HTTPServerRequestPart)
    /// The decoder failed on a later request: answered with 400 in its turn.
    case malformed(HTTPParserError)
}
