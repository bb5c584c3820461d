import NIOCore
import PorticoCore
import PorticoHTTP
import PorticoHTTP1

#if canImport(Glibc)
    import Glibc
#endif

extension ProxyHandler {
    /// Carries out what the flow decided.
    func perform(_ action: FlowAction) {
        switch action {
        case .none:
            break

        case .respond(let response, let close, let upstream):
            self.disposeUpstream(upstream)
            self.timers.responseHeader = nil
            if close { self.keepAlive = false }
            self.writeLocal(response)
            self.completeIfFinished()

        case .suspend(let future):
            let generation = self.generation
            future.hop(to: self.runtime.eventLoop).assumeIsolated().whenComplete { result in
                guard self.generation == generation, self.flow != nil, !self.isClosed else { return }
                var error: (any Error)?
                if case .failure(let failure) = result { error = failure }
                self.perform(self.flow!.filterResumed(error, now: .now()))
                self.flushPending()
            }

        case .retry(let delay, let upstream):
            self.disposeUpstream(upstream)
            self.timers.responseHeader = nil
            if delay <= .zero {
                self.perform(self.flow!.retryDue(now: .now()))
            } else {
                self.timers.retry = .now() + delay
                self.rescheduleTimer()
            }

        case .sendContinue:
            self.writeContinue()

        case .connect(let plan, let sendContinue):
            if sendContinue { self.writeContinue() }
            self.connectUpstream(plan)

        case .sendRequest(let head, let body, let end):
            guard let upstream = self.upstream else { return }
            upstream.writeHead(head)
            for part in body { upstream.writeBody(part) }
            if end { upstream.writeEnd() }
            upstream.flush()
            if end { self.armResponseHeaderTimer() }
            self.armRequestTimerIfNeeded()
            self.resumeReadIfPossible()

        case .forwardRequestBody(let buffer):
            self.upstream?.writeBody(buffer)
            self.needsUpstreamFlush = true

        case .forwardRequestEnd:
            self.upstream?.writeEnd()
            self.needsUpstreamFlush = true
            // The response-header timeout counts from the end of the request: an upload may
            // legitimately take longer than it.
            self.armResponseHeaderTimer()

        case .sendInformational(let head):
            self.writeResponseHead(head)
            self.needsDownstreamFlush = true

        case .sendResponseHead(let head):
            self.timers.responseHeader = nil
            self.writeResponseHead(head)
            self.needsDownstreamFlush = true

        case .forwardResponseBody(let buffer):
            self.writeResponseBody(buffer)
            self.needsDownstreamFlush = true

        case .finishResponse(let upstream, let requestComplete):
            self.writeResponseEnd()
            // Flushed now: the upstream read cycle that would flush it no longer reaches
            // this handler once the connection is released.
            self.needsDownstreamFlush = false
            self.context?.flush()
            self.disposeUpstream(upstream)
            if requestComplete {
                self.finishRequest()
            } else {
                // Keep reading: the rest of the request body is dropped.
                self.resumeReadIfPossible()
            }

        case .requestComplete:
            self.finishRequest()

        case .upgrade(let head):
            self.timers.responseHeader = nil
            self.writeResponseHead(head)
            self.context?.flush()
            self.isUpgrading = true  // the tunnel starts when the upstream's 101 ends

        case .abort(let upstream):
            self.disposeUpstream(upstream)
            self.keepAlive = false
            if let flow = self.flow.take() {
                self.runtime.requestFinished(flow.record, client: self.client, now: .now())
            }
            self.close()
        }
    }

    private func writeContinue() {
        self.context?.write(self.wrapOutboundOut(HTTP1Serializer.continueHead), promise: nil)
        self.needsDownstreamFlush = true
    }

    private func armResponseHeaderTimer() {
        guard let timeout = self.flow?.currentPlan?.upstream.attemptTimeout else { return }
        self.timers.responseHeader = .now() + timeout
        self.rescheduleTimer()
    }

    /// The total request timeout, once it is known (an upstream's applies only after a
    /// target was planned, which can follow a suspended filter).
    private func armRequestTimerIfNeeded() {
        guard self.timers.request == nil, let timeout = self.flow?.requestTimeout,
            let started = self.flow?.record.startedAt
        else { return }
        self.timers.request = started + timeout
        self.rescheduleTimer()
    }

    /// After a local response: the exchange is over if the request was fully read.
    private func completeIfFinished() {
        guard self.flow != nil else { return }
        if self.flow!.isComplete {
            self.finishRequest()
        } else if !self.keepAlive {
            if let flow = self.flow.take() {
                self.runtime.requestFinished(flow.record, client: self.client, now: .now())
            }
            self.close()
        } else {
            self.resumeReadIfPossible()
        }
    }

    /// Gets a pooled or new connection for the plan.
    private func connectUpstream(_ plan: UpstreamPlan) {
        switch self.runtime.pool.acquire(plan) {
        case .ready(let connection):
            self.attach(connection)
            self.perform(self.flow!.upstreamConnected(reused: true, now: .now()))
        case .exhausted:
            self.perform(self.flow!.upstreamFailed(.poolExhausted, now: .now()))
        case .connecting(let future):
            let generation = self.generation
            future.whenComplete { result in
                switch result {
                case .success(let connection):
                    guard self.generation == generation, self.flow != nil, !self.isClosed else {
                        // The request is gone; the fresh connection is clean and can be pooled.
                        self.runtime.pool.release(connection, reusable: true, settings: plan.upstream.pool)
                        return
                    }
                    self.attach(connection)
                    let action = self.flow!.upstreamConnected(reused: false, now: .now())
                    if case .none = action {
                        self.detachUpstream(reusable: true)
                    }
                    self.perform(action)
                case .failure(let error):
                    guard self.generation == generation, self.flow != nil, !self.isClosed else { return }
                    self.perform(self.flow!.upstreamFailed(.connectFailed(Self.describe(error)), now: .now()))
                }
                self.flushPending()
            }
        }
    }

    private func attach(_ connection: UpstreamConnection) {
        connection.owner = self
        self.upstream = connection
        connection.resumeRead()
    }

    /// Releases or closes the request's upstream connection as the flow decided.
    func disposeUpstream(_ disposition: UpstreamDisposition) {
        switch disposition {
        case .none:
            break
        case .release:
            self.detachUpstream(reusable: true)
        case .close:
            self.detachUpstream(reusable: false)
        }
    }

    func detachUpstream(reusable: Bool) {
        guard let connection = self.upstream else { return }
        self.upstream = nil
        if self.needsUpstreamFlush {
            connection.flush()
            self.needsUpstreamFlush = false
        }
        let settings = self.flow?.currentPlan?.upstream.pool ?? PoolSettings()
        self.runtime.pool.release(connection, reusable: reusable, settings: settings)
    }

    /// Writes a complete gateway response: head and body in one buffer.
    func writeLocal(_ response: LocalResponse) {
        guard let context else { return }
        var head = response.head
        let bodyLength = response.body.utf8.count
        head.headers.set(name: "content-length", value: String(bodyLength))
        if !head.headers.contains("date") {
            head.headers.add(name: "date", value: self.runtime.dateCache.current())
        }
        var buffer = context.channel.allocator.buffer(capacity: HTTP1Serializer.encodedSize(of: head) + bodyLength)
        HTTP1Serializer.writeResponseHead(head, into: &buffer)
        buffer.writeString(response.body)
        context.write(self.wrapOutboundOut(buffer), promise: nil)
        self.responseChunked = false
        self.needsDownstreamFlush = true
    }

    /// Writes a response head in one buffer; a final head decides the body's framing.
    func writeResponseHead(_ head: ResponseHead) {
        guard let context else { return }
        let (bytes, chunked) = HTTP1Serializer.encode(head, allocator: context.channel.allocator)
        if head.status >= 200 { self.responseChunked = chunked }
        context.write(self.wrapOutboundOut(bytes), promise: nil)
    }

    /// Writes response body bytes, framed as a chunk if the head said chunked.
    func writeResponseBody(_ data: ByteBuffer) {
        self.context?.writeBody(data, chunked: self.responseChunked)
    }

    /// Ends the response body (the last chunk, if chunked).
    func writeResponseEnd() {
        guard self.responseChunked else { return }
        self.responseChunked = false
        self.context?.write(self.wrapOutboundOut(HTTP1Serializer.lastChunk), promise: nil)
    }

    /// Flushes whatever was written in this cycle, once per direction.
    func flushPending() {
        if self.needsUpstreamFlush {
            self.needsUpstreamFlush = false
            self.upstream?.flush()
        }
        if self.needsDownstreamFlush {
            self.needsDownstreamFlush = false
            self.context?.flush()
        }
    }

    static func describe(_ error: any Error) -> String {
        if let channelError = error as? ChannelError, case .connectTimeout = channelError { return "connect timeout" }
        if let ioError = error as? IOError, let reason = strerror(ioError.errnoCode) {
            return String(cString: reason).lowercased()
        }
        return "\(error)"
    }
}
