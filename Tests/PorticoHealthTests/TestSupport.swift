import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Testing

@testable import PorticoHealth

/// Why a bounded wait gave up.
struct WaitTimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(self.what)" }
}

/// Polls `condition` every 10 ms until it holds, for at most `timeout`.
func eventually(
    _ what: String,
    timeout: Duration = .seconds(10),
    _ condition: @Sendable () -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Runs `operation`, giving up after `timeout`.
func withTimeout<T: Sendable>(
    _ what: String,
    _ timeout: Duration = .seconds(10),
    _ operation: @escaping @Sendable () async -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw WaitTimedOut(what: what) }
        return value
    }
}

/// Counts the connections a test server accepted and saw closed.
final class ConnectionCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any

    private let counts = NIOLockedValueBox((opened: 0, closed: 0))

    var opened: Int { self.counts.withLockedValue { $0.opened } }
    var closed: Int { self.counts.withLockedValue { $0.closed } }

    func channelActive(context: ChannelHandlerContext) {
        self.counts.withLockedValue { $0.opened += 1 }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.counts.withLockedValue { $0.closed += 1 }
        context.fireChannelInactive()
    }
}

/// A server on 127.0.0.1:0 with its own event loop, closed (with every connection) by `withServer`.
struct TestServer {
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel
    let connections: ConnectionCounter

    var port: Int { self.channel.localAddress!.port! }
    var target: ProbeTarget { ProbeTarget(host: "127.0.0.1", port: self.port) }
}

func withServer<T>(
    _ configure: @escaping @Sendable (any Channel) throws -> Void,
    _ body: (TestServer) async throws -> T
) async throws -> T {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let counter = ConnectionCounter()
    let channel: any Channel
    do {
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(counter)
                    try configure(child)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    } catch {
        try await group.shutdownGracefully()
        throw error
    }
    let server = TestServer(group: group, channel: channel, connections: counter)
    do {
        let result = try await body(server)
        try? await channel.close()
        try await group.shutdownGracefully()
        return result
    } catch {
        try? await channel.close()
        try await group.shutdownGracefully()
        throw error
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, then closed).
func closedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}

// MARK: - HTTP/1

/// Answers by path: `/ok` 200 "all good", `/down` 503, `/slow` 200 after 30 s, `/big` 200 with
/// 100 KiB of `x` then `needle`, `/host` 200 echoing the Host header; anything else 404.
final class HTTPTestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head = self.head else { return }
            switch head.uri {
            case "/ok": self.respond(context, .ok, "all good")
            case "/down": self.respond(context, .serviceUnavailable, "maintenance")
            case "/big": self.respond(context, .ok, String(repeating: "x", count: 100 * 1024) + "needle")
            case "/host": self.respond(context, .ok, "host=\(head.headers.first(name: "host") ?? "")")
            case "/slow":
                context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(30)) {
                    self.respond(context, .ok, "late")
                }
            default: self.respond(context, .notFound, "no")
            }
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ body: String) {
        var headers = HTTPHeaders()
        headers.add(name: "content-length", value: "\(body.utf8.count)")
        context.write(
            self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }
}

func configureHTTPServer(_ channel: any Channel) throws {
    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
    try channel.pipeline.syncOperations.addHandler(HTTPTestHandler())
}

// MARK: - TLS

/// A throwaway self-signed certificate for `localhost`, made by `openssl` in a temporary directory.
struct TestCertificate {
    let directory: URL
    var certificatePath: String { self.directory.appendingPathComponent("cert.pem").path }
    var keyPath: String { self.directory.appendingPathComponent("key.pem").path }

    static func make() throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("portico-health-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-addext", "subjectAltName=DNS:localhost",
            "-keyout", directory.appendingPathComponent("key.pem").path,
            "-out", directory.appendingPathComponent("cert.pem").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw WaitTimedOut(what: "openssl (exit \(process.terminationStatus))")
        }
        return TestCertificate(directory: directory)
    }

    func remove() {
        try? FileManager.default.removeItem(at: self.directory)
    }

    func serverContext(alpn: [String]) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(self.certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: self.keyPath, format: .pem)))
        configuration.applicationProtocols = alpn
        return try NIOSSLContext(configuration: configuration)
    }
}

func withCertificate<T>(_ body: (TestCertificate) async throws -> T) async throws -> T {
    let certificate = try TestCertificate.make()
    defer { certificate.remove() }
    return try await body(certificate)
}

// MARK: - gRPC

/// A minimal `grpc.health.v1.Health/Check` server: the requested service name picks the answer.
/// `""`/`ok` SERVING, `down` NOT_SERVING, `missing` a trailers-only NOT_FOUND (5), `broken` a
/// normal answer whose trailers say INTERNAL (13), `slow` never answers.
final class GRPCHealthTestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let seen: NIOLockedValueBox<[String]>
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(seen: NIOLockedValueBox<[String]>) {
        self.seen = seen
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var chunk):
            self.body.writeBuffer(&chunk)
        case .end:
            guard let head = self.head, head.uri == GRPCHealth.checkPath,
                head.headers.first(name: "content-type") == "application/grpc",
                let message = try? GRPCHealth.readMessage(from: &self.body),
                let service = try? GRPCHealth.decodeRequest(message)
            else {
                self.answer(context, status: nil, grpcStatus: 12, message: "bad request")
                return
            }
            self.seen.withLockedValue { $0.append("\(head.headers.first(name: "host") ?? "")|\(service)") }
            switch service {
            case "", "ok": self.answer(context, status: 1, grpcStatus: 0)
            case "down": self.answer(context, status: 2, grpcStatus: 0)
            case "missing": self.trailersOnly(context, grpcStatus: 5, message: "unknown service")
            case "broken": self.answer(context, status: nil, grpcStatus: 13, message: "oops")
            case "slow": break
            default: self.answer(context, status: 3, grpcStatus: 0)
            }
        }
    }

    private func answer(_ context: ChannelHandlerContext, status: Int?, grpcStatus: Int, message: String? = nil) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/grpc")
        context.write(
            self.wrapOutboundOut(.head(HTTPResponseHead(version: .http2, status: .ok, headers: headers))), promise: nil)
        if let status {
            let frame = GRPCHealth.responseFrame(status: status, allocator: context.channel.allocator)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(frame))), promise: nil)
        }
        var trailers = HTTPHeaders()
        trailers.add(name: "grpc-status", value: "\(grpcStatus)")
        if let message {
            trailers.add(name: "grpc-message", value: message.replacingOccurrences(of: " ", with: "%20"))
        }
        context.writeAndFlush(self.wrapOutboundOut(.end(trailers)), promise: nil)
    }

    private func trailersOnly(_ context: ChannelHandlerContext, grpcStatus: Int, message: String) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/grpc")
        headers.add(name: "grpc-status", value: "\(grpcStatus)")
        headers.add(name: "grpc-message", value: message.replacingOccurrences(of: " ", with: "%20"))
        context.write(
            self.wrapOutboundOut(.head(HTTPResponseHead(version: .http2, status: .ok, headers: headers))), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }
}

func configureGRPCServer(_ channel: any Channel, seen: NIOLockedValueBox<[String]>) throws {
    _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
        mode: .server,
        connectionConfiguration: NIOHTTP2Handler.ConnectionConfiguration(),
        streamConfiguration: NIOHTTP2Handler.StreamConfiguration()
    ) { stream in
        stream.eventLoop.makeCompletedFuture {
            try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
            try stream.pipeline.syncOperations.addHandler(GRPCHealthTestHandler(seen: seen))
        }
    }
}

/// A server configuration that only accepts connections.
func acceptOnly(_ channel: any Channel) {}
