import NIOCore
import NIOHTTP1
import NIOHTTP2

/// What a gRPC probe sends.
struct GRPCProbeRequest: Sendable {
    var authority: String
    var service: String
    var timeout: TimeAmount
    var secure: Bool
}

/// Sits after `NIOHTTP2Handler` on the connection: opens the one request stream once the
/// connection is active, and turns connection-level errors and closure into the probe's failure.
final class GRPCProbeConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    private let request: GRPCProbeRequest
    private let promise: EventLoopPromise<Void>

    init(multiplexer: NIOHTTP2Handler.StreamMultiplexer, request: GRPCProbeRequest, promise: EventLoopPromise<Void>) {
        self.multiplexer = multiplexer
        self.request = request
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        let request = self.request
        let promise = self.promise
        let streamCreated = context.eventLoop.makePromise(of: Channel.self)
        streamCreated.futureResult.whenFailure { error in
            promise.fail(HealthProbe.failure(for: error, connecting: false))
        }
        self.multiplexer.createStreamChannel(promise: streamCreated) { stream in
            stream.eventLoop.makeCompletedFuture {
                let pipeline = stream.pipeline.syncOperations
                try pipeline.addHandler(
                    HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: request.secure ? .https : .http))
                try pipeline.addHandler(GRPCProbeStreamHandler(request: request, promise: promise))
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ProbeFailure.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(HealthProbe.failure(for: error, connecting: false))
        context.close(promise: nil)
    }
}

/// Runs one `grpc.health.v1.Health/Check` call on an HTTP/2 stream (seen through
/// `HTTP2FramePayloadToHTTP1ClientCodec` as HTTP/1-style parts) and judges the answer: HTTP 200,
/// `grpc-status: 0` in the trailers (or the headers of a trailers-only answer), and a
/// `HealthCheckResponse` whose status is `SERVING`.
final class GRPCProbeStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// A `HealthCheckResponse` is a few bytes; anything much larger is not a health answer.
    static let maxResponseBytes = 64 * 1024

    private let request: GRPCProbeRequest
    private let promise: EventLoopPromise<Void>
    private var responseHeaders = HTTPHeaders()
    private var body = ByteBuffer()
    private var done = false

    init(request: GRPCProbeRequest, promise: EventLoopPromise<Void>) {
        self.request = request
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "host", value: self.request.authority)  // becomes :authority
        headers.add(name: "content-type", value: "application/grpc")
        headers.add(name: "te", value: "trailers")
        headers.add(name: "user-agent", value: "portico-health-check")
        headers.add(name: "grpc-timeout", value: "\(max(1, self.request.timeout.nanoseconds / 1_000_000))m")
        let head = HTTPRequestHead(version: .http2, method: .POST, uri: GRPCHealth.checkPath, headers: headers)
        let frame = GRPCHealth.requestFrame(service: self.request.service, allocator: context.channel.allocator)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(frame))), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.done else { return }
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            guard head.status == .ok else {
                self.finish(.failure(.unexpectedStatus(Int(head.status.code))))
                return
            }
            self.responseHeaders = head.headers
        case .body(var chunk):
            guard self.body.readableBytes + chunk.readableBytes <= Self.maxResponseBytes else {
                self.finish(.failure(.protocolError("gRPC response larger than \(Self.maxResponseBytes) bytes")))
                return
            }
            self.body.writeBuffer(&chunk)
        case .end(let trailers):
            self.finish(Result { () throws(ProbeFailure) in try self.judge(trailers: trailers) })
        }
    }

    private func judge(trailers: HTTPHeaders?) throws(ProbeFailure) {
        let statusText = trailers?.first(name: "grpc-status") ?? self.responseHeaders.first(name: "grpc-status")
        guard let statusText else {
            throw .protocolError("no grpc-status in the trailers")
        }
        guard let code = Int(statusText) else {
            throw .protocolError("invalid grpc-status \"\(statusText)\"")
        }
        guard code == 0 else {
            let message = trailers?.first(name: "grpc-message") ?? self.responseHeaders.first(name: "grpc-message")
            throw .grpcStatus(code: code, message: GRPCHealth.decodeMessage(message ?? ""))
        }
        guard let message = try GRPCHealth.readMessage(from: &self.body) else {
            throw .protocolError("no complete HealthCheckResponse message")
        }
        let status = try GRPCHealth.decodeResponse(message)
        guard status == GRPCHealth.serving else {
            throw .notServing(status: status)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish(.failure(.connectionClosed))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.finish(.failure(HealthProbe.failure(for: error, connecting: false)))
        context.close(promise: nil)
    }

    private func finish(_ result: Result<Void, ProbeFailure>) {
        guard !self.done else { return }
        self.done = true
        self.promise.completeWith(result.mapError { $0 as any Error })
    }
}
