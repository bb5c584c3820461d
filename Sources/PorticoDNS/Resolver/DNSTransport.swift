import NIOCore
import NIOPosix

/// One query to one nameserver over UDP or TCP, on NIO: connect, send, wait for the matching
/// response or the timeout, close. Every exchange uses a fresh socket, so each UDP query
/// comes from a new random source port (spoofing needs to guess it as well as the id).
enum DNSTransport {
    case udp
    case tcp

    /// Sends `query` to `server` and returns the first response that matches it.
    ///
    /// Datagrams that do not decode or do not match (id, question) are ignored: a spoofed or
    /// stray packet must not end the exchange. If nothing matching arrives in time, the error
    /// is the last decoding failure seen, else ``DNSResolutionError/timeout``.
    func exchange(
        _ query: DNSMessage, with server: SocketAddress, timeout: Duration, group: any EventLoopGroup
    ) async throws -> DNSMessage {
        let loop = group.next()
        let promise = loop.makePromise(of: DNSMessage.self)
        let matcher = ResponseMatcher(query: query)
        let timeAmount = TimeAmount(timeout)
        let payload = self.frame(query.encodedBuffer())
        let connected: EventLoopFuture<any Channel>
        switch self {
        case .udp:
            connected = DatagramBootstrap(group: loop)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_535))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            UDPResponseHandler(matcher: matcher, promise: promise, timeout: timeAmount)
                        )
                    }
                }
                .connect(to: server)
        case .tcp:
            connected = ClientBootstrap(group: loop)
                .connectTimeout(timeAmount)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            TCPResponseHandler(matcher: matcher, promise: promise, timeout: timeAmount)
                        )
                    }
                }
                .connect(to: server)
        }
        connected.whenComplete { result in
            switch result {
            case .success(let channel):
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                channel.writeAndFlush(payload).whenFailure { promise.fail($0) }
            case .failure(let error):
                promise.fail(error)
            }
        }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }

    /// TCP messages carry a two-byte length prefix (RFC 1035 §4.2.2).
    private func frame(_ message: ByteBuffer) -> ByteBuffer {
        guard case .tcp = self else { return message }
        var framed = ByteBuffer()
        framed.writeInteger(UInt16(message.readableBytes))
        framed.writeImmutableBuffer(message)
        return framed
    }
}

/// Decides whether a decoded message answers a query: same id, a response, a standard query,
/// and the same question (name compared without case). Error responses without a question
/// section are accepted on the id alone: they only make the resolver try elsewhere.
struct ResponseMatcher: Sendable {
    let id: UInt16
    let question: DNSQuestion?

    init(query: DNSMessage) {
        self.id = query.id
        self.question = query.questions.first
    }

    func accepts(_ message: DNSMessage) -> Bool {
        guard message.isResponse, message.id == self.id, message.opcode == 0 else { return false }
        if message.questions.isEmpty {
            return message.responseCode != .noError && message.responseCode != .nameError
        }
        return message.questions.count == 1 && message.questions[0] == self.question
    }
}

/// What both handlers share: the timer, the decoding of candidate responses, and the single
/// completion of the promise. A class, not a struct held by the handler: completing the
/// promise closes the channel synchronously, which re-enters the handler.
private class ResponseWaiter {
    let matcher: ResponseMatcher
    let promise: EventLoopPromise<DNSMessage>
    let timeout: TimeAmount
    private var lastDecodingError: DNSDecodingError?

    init(matcher: ResponseMatcher, promise: EventLoopPromise<DNSMessage>, timeout: TimeAmount) {
        self.matcher = matcher
        self.promise = promise
        self.timeout = timeout
    }

    func startTimer(on loop: any EventLoop) {
        let timer = loop.assumeIsolated().scheduleTask(in: self.timeout) { [self] in self.timedOut() }
        self.promise.futureResult.whenComplete { _ in timer.cancel() }
    }

    /// Offers received message bytes; fulfils the promise if they answer the query.
    func offer(_ bytes: ByteBuffer) {
        // Checking the id first spares decoding whole messages that cannot be the answer.
        guard bytes.getInteger(at: bytes.readerIndex, as: UInt16.self) == self.matcher.id else { return }
        do {
            let message = try DNSMessage(decoding: bytes)
            if self.matcher.accepts(message) { self.promise.succeed(message) }
        } catch let error as DNSDecodingError {
            self.lastDecodingError = error
        } catch {
            // DNSMessage(decoding:) only throws DNSDecodingError.
        }
    }

    private func timedOut() {
        if let error = self.lastDecodingError {
            self.promise.fail(DNSResolutionError.malformedResponse(error))
        } else {
            self.promise.fail(DNSResolutionError.timeout)
        }
    }
}

private final class UDPResponseHandler: ResponseWaiter, ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    func handlerAdded(context: ChannelHandlerContext) {
        self.startTimer(on: context.eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The socket is connected: the kernel only delivers datagrams from the server.
        self.offer(Self.unwrapInboundIn(data).data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Typically ECONNREFUSED from an ICMP port-unreachable: nobody listens there.
        self.promise.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(DNSResolutionError.transport("socket closed"))
    }
}

private final class TCPResponseHandler: ResponseWaiter, ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var received = ByteBuffer()

    func handlerAdded(context: ChannelHandlerContext) {
        self.startTimer(on: context.eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = Self.unwrapInboundIn(data)
        self.received.writeBuffer(&bytes)
        while let length = self.received.getInteger(at: self.received.readerIndex, as: UInt16.self),
            self.received.readableBytes >= 2 + Int(length),
            let message = self.received.getSlice(at: self.received.readerIndex + 2, length: Int(length))
        {
            self.received.moveReaderIndex(forwardBy: 2 + Int(length))
            self.offer(message)
        }
        self.received.discardReadBytes()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(DNSResolutionError.transport("connection closed before a response"))
    }
}
