import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// Something that checks one target once. ``HealthProbe`` is the real one; tests and the scheduler
/// accept any conforming type.
public protocol HealthProbing: Sendable {
    /// Checks `target` once and reports the outcome; never throws, and returns promptly when the
    /// calling task is cancelled (with ``ProbeFailure/cancelled``).
    func probe(_ target: ProbeTarget) async -> ProbeResult
}

/// Active health probe over SwiftNIO (F-22): TCP connect, HTTP(S) `GET`, or the gRPC health protocol
/// over h2c or TLS.
///
/// Build one per health-check configuration: it validates the configuration and builds its
/// `NIOSSLContext` (loading trust roots and client certificates) once, then serves any number of
/// concurrent ``probe(_:)`` calls. Each probe opens a fresh connection on the given event loop group
/// and closes it when the outcome is known: on success, failure, timeout and cancellation alike.
public struct HealthProbe: HealthProbing {
    /// The configuration this probe was built from.
    public let configuration: ProbeConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let sslContext: NIOSSLContext?

    /// Validates `configuration` and prepares its TLS context; throws when the configuration is
    /// invalid or a TLS file cannot be loaded.
    public init(configuration: ProbeConfiguration, eventLoopGroup: any EventLoopGroup) throws(ProbeConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.sslContext = configuration.kind.usesTLS ? try Self.makeSSLContext(configuration) : nil
    }

    /// Checks `target` once, within ``ProbeConfiguration/timeout``.
    public func probe(_ target: ProbeTarget) async -> ProbeResult {
        let start = NIODeadline.now()
        if Task.isCancelled {
            return ProbeResult(target: target, outcome: .failure(.cancelled), elapsed: .zero)
        }
        let loop = self.eventLoopGroup.next()
        let promise = loop.makePromise(of: Void.self)
        self.start(target, on: loop, promise: promise)
        let outcome: ProbeResult.Outcome
        do {
            try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(ProbeFailure.cancelled)
            }
            outcome = .success
        } catch {
            outcome = .failure(Self.failure(for: error, connecting: false))
        }
        return ProbeResult(target: target, outcome: outcome, elapsed: NIODeadline.now() - start)
    }

    /// Starts the connection; everything after this completes `promise` exactly once (later
    /// completions are ignored), and the completion closes the channel.
    private func start(_ target: ProbeTarget, on loop: any EventLoop, promise: EventLoopPromise<Void>) {
        let timeout = self.configuration.timeout
        let timer = loop.scheduleTask(in: timeout) { promise.fail(ProbeFailure.timedOut(timeout)) }
        promise.futureResult.whenComplete { _ in timer.cancel() }

        let configuration = self.configuration
        let sslContext = self.sslContext
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configurePipeline(
                        channel, configuration: configuration, sslContext: sslContext, target: target,
                        promise: promise)
                }
            }
        let connected: EventLoopFuture<Channel>
        if let address = target.address {
            connected = bootstrap.connect(to: address)
        } else {
            connected = bootstrap.connect(host: target.host, port: target.port)
        }
        connected.whenComplete { result in
            switch result {
            case .success(let channel):
                // Also runs at once when the probe already timed out or was cancelled.
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                if configuration.kind == .tcp {
                    promise.succeed()
                }
            case .failure(let error):
                promise.fail(Self.failure(for: error, connecting: true))
            }
        }
    }

    private static func configurePipeline(
        _ channel: any Channel,
        configuration: ProbeConfiguration,
        sslContext: NIOSSLContext?,
        target: ProbeTarget,
        promise: EventLoopPromise<Void>
    ) throws {
        let pipeline = channel.pipeline.syncOperations
        if let sslContext {
            let serverName = configuration.tls.serverName ?? (isIPAddress(target.host) ? nil : target.host)
            try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
        }
        let authority = configuration.host ?? defaultAuthority(for: target, kind: configuration.kind)
        switch configuration.kind {
        case .tcp:
            break
        case .http, .https:
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: authority)
            headers.add(name: "User-Agent", value: "portico-health-check")
            headers.add(name: "Accept", value: "*/*")
            headers.add(name: "Connection", value: "close")
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: configuration.path, headers: headers)
            try pipeline.addHandler(HTTPRequestEncoder())
            try pipeline.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)))
            try pipeline.addHandler(HTTPProbeHandler(request: head, configuration: configuration, promise: promise))
        case .grpc, .grpcs:
            let multiplexer = try pipeline.configureHTTP2Pipeline(
                mode: .client,
                connectionConfiguration: NIOHTTP2Handler.ConnectionConfiguration(),
                streamConfiguration: NIOHTTP2Handler.StreamConfiguration(),
                inboundStreamInitializer: { stream in stream.close() }  // no server push
            )
            let request = GRPCProbeRequest(
                authority: authority, service: configuration.service, timeout: configuration.timeout,
                secure: configuration.kind == .grpcs)
            try pipeline.addHandler(
                GRPCProbeConnectionHandler(multiplexer: multiplexer, request: request, promise: promise))
        }
    }

    /// `host:port` for the `Host`/`:authority` header, leaving out the scheme's default port.
    static func defaultAuthority(for target: ProbeTarget, kind: ProbeConfiguration.Kind) -> String {
        let host = target.host.contains(":") ? "[\(target.host)]" : target.host
        let defaultPort = kind.usesTLS ? 443 : 80
        return target.port == defaultPort ? host : "\(host):\(target.port)"
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// Maps anything NIO can throw onto a failure reason.
    static func failure(for error: any Error, connecting: Bool) -> ProbeFailure {
        if let failure = error as? ProbeFailure {
            return failure
        }
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError {
            return .connectionClosed
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return .tlsFailed(String(describing: error))
        }
        if connecting {
            if let error = error as? NIOConnectionError {
                let first = error.connectionErrors.first.map { String(describing: $0.error) }
                return .connectFailed(first ?? "\(error.host) did not resolve")
            }
            return .connectFailed(String(describing: error))
        }
        if let error = error as? ChannelError, error == .eof || error == .ioOnClosedChannel || error == .alreadyClosed {
            return .connectionClosed
        }
        if error is HTTPParserError || error is any NIOHTTP2Error || error is NIOHTTPDecoderError {
            return .protocolError(String(describing: error))
        }
        return .ioError(String(describing: error))
    }

    private static func makeSSLContext(_ configuration: ProbeConfiguration) throws(ProbeConfigurationError)
        -> NIOSSLContext
    {
        let options = configuration.tls
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = options.verify ? .fullVerification : .none
        tls.applicationProtocols = configuration.kind == .grpcs ? ["h2"] : ["http/1.1"]
        do {
            if let caFile = options.caFile {
                let roots = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !roots.isEmpty else { throw ProbeConfigurationError("no certificate in \(caFile)") }
                tls.trustRoots = .certificates(roots)
            }
            if let certificateFile = options.certificateFile, let keyFile = options.keyFile {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            }
            return try NIOSSLContext(configuration: tls)
        } catch let error as ProbeConfigurationError {
            throw error
        } catch {
            throw ProbeConfigurationError("TLS setup failed: \(error)")
        }
    }
}
