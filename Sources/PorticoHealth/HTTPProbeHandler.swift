import NIOCore
import NIOHTTP1

/// Sends one `GET` when the connection becomes active and judges the response: the status first,
/// then (when configured) the body substring within the first `maxBodyBytes`. It completes the
/// probe's promise as soon as the outcome is known; the probe then closes the connection, so a
/// large or endless body is never read in full.
final class HTTPProbeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let request: HTTPRequestHead
    private let configuration: ProbeConfiguration
    private let needle: [UInt8]?
    private let promise: EventLoopPromise<Void>
    private var body = ByteBuffer()
    private var done = false

    init(request: HTTPRequestHead, configuration: ProbeConfiguration, promise: EventLoopPromise<Void>) {
        self.request = request
        self.configuration = configuration
        self.needle = configuration.bodyContains.map { Array($0.utf8) }
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(self.wrapOutboundOut(.head(self.request)), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.done else { return }
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            if !self.configuration.isExpected(status: Int(head.status.code)) {
                self.finish(.failure(.unexpectedStatus(Int(head.status.code))))
            } else if self.needle == nil {
                self.finish(.success(()))
            }
        case .body(var chunk):
            guard let needle = self.needle else { return }
            let searchFrom = max(0, self.body.readableBytes - needle.count + 1)
            let room = self.configuration.maxBodyBytes - self.body.readableBytes
            if let slice = chunk.readSlice(length: min(room, chunk.readableBytes)) {
                self.body.writeImmutableBuffer(slice)
            }
            if Self.contains(self.body, needle, from: searchFrom) {
                self.finish(.success(()))
            } else if self.body.readableBytes >= self.configuration.maxBodyBytes {
                self.finish(.failure(.bodyMismatch(self.configuration.bodyContains ?? "")))
            }
        case .end:
            self.finish(.failure(.bodyMismatch(self.configuration.bodyContains ?? "")))
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

    /// Naive substring search; the haystack is at most `maxBodyBytes`, and `from` skips what was
    /// already searched.
    static func contains(_ haystack: ByteBuffer, _ needle: [UInt8], from start: Int) -> Bool {
        guard !needle.isEmpty else { return true }
        return haystack.withUnsafeReadableBytes { bytes in
            guard bytes.count >= needle.count else { return false }
            var index = start
            while index + needle.count <= bytes.count {
                var matched = true
                for offset in 0..<needle.count where bytes[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return true }
                index += 1
            }
            return false
        }
    }
}
