import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Testing

@testable import PorticoHealth

/// Probes `target` once. A test that keeps the default 1 s timeout gets 10 s instead, so a loaded CI
/// machine (debug BoringSSL, tests in parallel) cannot turn a slow handshake into a failure.
private func probe(
    _ configuration: ProbeConfiguration,
    _ target: ProbeTarget
) async throws -> ProbeResult {
    var configuration = configuration
    if configuration.timeout == .seconds(1) {
        configuration.timeout = .seconds(10)
    }
    let probe = try HealthProbe(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    return try await withTimeout("probe of \(target)", .seconds(20)) { await probe.probe(target) }
}

@Suite("TCP probes", .timeLimit(.minutes(1)))
struct TCPProbeTests {
    @Test func openPortIsHealthyAndTheConnectionIsClosed() async throws {
        try await withServer(acceptOnly) { server in
            let result = try await probe(ProbeConfiguration(kind: .tcp), server.target)
            #expect(result.isSuccess, "\(result)")
            try await eventually("the probe's connection to close") { server.connections.closed == 1 }
        }
    }

    @Test func closedPortFailsToConnect() async throws {
        let port = try await closedPort()
        let result = try await probe(ProbeConfiguration(kind: .tcp), ProbeTarget(host: "127.0.0.1", port: port))
        guard case .connectFailed = result.failure else {
            Issue.record("expected a connect failure, got \(result)")
            return
        }
    }

    @Test func preResolvedAddressIsUsed() async throws {
        try await withServer(acceptOnly) { server in
            let target = ProbeTarget(
                host: "health.invalid", port: server.port,
                address: try SocketAddress(ipAddress: "127.0.0.1", port: server.port))
            let result = try await probe(ProbeConfiguration(kind: .tcp), target)
            #expect(result.isSuccess, "\(result)")
        }
    }
}

@Suite("HTTP probes", .timeLimit(.minutes(1)))
struct HTTPProbeTests {
    @Test func status200IsHealthy() async throws {
        try await withServer(configureHTTPServer) { server in
            let result = try await probe(ProbeConfiguration(kind: .http, path: "/ok"), server.target)
            #expect(result.isSuccess, "\(result)")
            try await eventually("the probe's connection to close") { server.connections.closed == 1 }
        }
    }

    @Test func status503IsUnhealthy() async throws {
        try await withServer(configureHTTPServer) { server in
            let result = try await probe(ProbeConfiguration(kind: .http, path: "/down"), server.target)
            #expect(result.failure == .unexpectedStatus(503))
        }
    }

    @Test func expectedStatusRangesAreHonoured() async throws {
        try await withServer(configureHTTPServer) { server in
            let ranges = [ProbeConfiguration.parseStatusRange("2xx")!, ProbeConfiguration.parseStatusRange("503")!]
            let down = try await probe(
                ProbeConfiguration(kind: .http, path: "/down", expectedStatuses: ranges), server.target)
            #expect(down.isSuccess, "\(down)")
            let missing = try await probe(
                ProbeConfiguration(kind: .http, path: "/nothing", expectedStatuses: ranges), server.target)
            #expect(missing.failure == .unexpectedStatus(404))
        }
    }

    @Test func bodySubstringMustBePresent() async throws {
        try await withServer(configureHTTPServer) { server in
            let good = try await probe(
                ProbeConfiguration(kind: .http, path: "/ok", bodyContains: "good"), server.target)
            #expect(good.isSuccess, "\(good)")
            let wrong = try await probe(
                ProbeConfiguration(kind: .http, path: "/ok", bodyContains: "degraded"), server.target)
            #expect(wrong.failure == .bodyMismatch("degraded"))
        }
    }

    @Test func bodyIsSearchedOnlyUpToTheLimit() async throws {
        try await withServer(configureHTTPServer) { server in
            let within = try await probe(
                ProbeConfiguration(kind: .http, path: "/big", bodyContains: "needle", maxBodyBytes: 200 * 1024),
                server.target)
            #expect(within.isSuccess, "\(within)")
            let beyond = try await probe(
                ProbeConfiguration(kind: .http, path: "/big", bodyContains: "needle"), server.target)
            #expect(beyond.failure == .bodyMismatch("needle"))
        }
    }

    @Test func hostHeaderDefaultsToTargetAndCanBeOverridden() async throws {
        try await withServer(configureHTTPServer) { server in
            let byDefault = try await probe(
                ProbeConfiguration(kind: .http, path: "/host", bodyContains: "host=127.0.0.1:\(server.port)"),
                server.target)
            #expect(byDefault.isSuccess, "\(byDefault)")
            let overridden = try await probe(
                ProbeConfiguration(
                    kind: .http, path: "/host", host: "users.internal", bodyContains: "host=users.internal"),
                server.target)
            #expect(overridden.isSuccess, "\(overridden)")
        }
    }

    @Test func slowServerTimesOutAndTheSocketIsClosed() async throws {
        try await withServer(configureHTTPServer) { server in
            let result = try await probe(
                ProbeConfiguration(kind: .http, path: "/slow", timeout: .milliseconds(200)), server.target)
            #expect(result.failure == .timedOut(.milliseconds(200)))
            #expect(result.elapsed < .seconds(5))
            try await eventually("the timed-out connection to close") { server.connections.closed == 1 }
        }
    }

    @Test func cancellingTheProbeClosesTheSocket() async throws {
        try await withServer(configureHTTPServer) { server in
            let probe = try HealthProbe(
                configuration: ProbeConfiguration(kind: .http, path: "/slow", timeout: .seconds(30)),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            let task = Task { await probe.probe(server.target) }
            try await eventually("the probe to connect") { server.connections.opened == 1 }
            task.cancel()
            let result = try await withTimeout("the cancelled probe") { await task.value }
            #expect(result.failure == .cancelled)
            try await eventually("the cancelled connection to close") { server.connections.closed == 1 }
        }
    }

    @Test func connectionClosedWithoutAnswerFails() async throws {
        let closeAtOnce: @Sendable (any Channel) throws -> Void = { channel in
            channel.eventLoop.assumeIsolated().execute { channel.close(promise: nil) }
        }
        try await withServer(closeAtOnce) { server in
            let result = try await probe(ProbeConfiguration(kind: .http, path: "/"), server.target)
            switch result.failure {
            case .connectionClosed, .ioError: break
            default: Issue.record("expected the closed connection to fail the probe, got \(result)")
            }
        }
    }
}

@Suite("HTTPS probes", .timeLimit(.minutes(1)))
struct HTTPSProbeTests {
    private func withTLSServer(_ body: (TestServer, TestCertificate) async throws -> Void) async throws {
        try await withCertificate { certificate in
            let context = try certificate.serverContext(alpn: ["http/1.1"])
            let configure: @Sendable (any Channel) throws -> Void = { channel in
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                try configureHTTPServer(channel)
            }
            try await withServer(configure) { server in
                try await body(server, certificate)
            }
        }
    }

    @Test func selfSignedIsAcceptedWithVerifyOff() async throws {
        try await withTLSServer { server, _ in
            let configuration = ProbeConfiguration(
                kind: .https, path: "/ok", bodyContains: "good", tls: .init(verify: false))
            let result = try await probe(configuration, server.target)
            #expect(result.isSuccess, "\(result)")
        }
    }

    @Test func customCAWithServerNameVerifies() async throws {
        try await withTLSServer { server, certificate in
            let configuration = ProbeConfiguration(
                kind: .https, path: "/ok", tls: .init(caFile: certificate.certificatePath, serverName: "localhost"))
            let result = try await probe(configuration, server.target)
            #expect(result.isSuccess, "\(result)")
        }
    }

    @Test func systemRootsRejectASelfSignedCertificate() async throws {
        try await withTLSServer { server, _ in
            let configuration = ProbeConfiguration(kind: .https, path: "/ok", tls: .init(serverName: "localhost"))
            let result = try await probe(configuration, server.target)
            guard case .tlsFailed = result.failure else {
                Issue.record("expected a TLS failure, got \(result)")
                return
            }
        }
    }

    @Test func wrongNameIsRejected() async throws {
        try await withTLSServer { server, certificate in
            // No server_name: the certificate must name 127.0.0.1, and it names only localhost.
            let byAddress = ProbeConfiguration(
                kind: .https, path: "/ok", tls: .init(caFile: certificate.certificatePath))
            let result = try await probe(byAddress, server.target)
            guard case .tlsFailed = result.failure else {
                Issue.record("expected a TLS failure, got \(result)")
                return
            }
            let otherName = ProbeConfiguration(
                kind: .https, path: "/ok", tls: .init(caFile: certificate.certificatePath, serverName: "users.internal")
            )
            let second = try await probe(otherName, server.target)
            guard case .tlsFailed = second.failure else {
                Issue.record("expected a TLS failure, got \(second)")
                return
            }
        }
    }

    @Test func missingCAFileIsAConfigurationError() {
        let configuration = ProbeConfiguration(kind: .https, tls: .init(caFile: "/nonexistent/ca.pem"))
        #expect(throws: ProbeConfigurationError.self) {
            try HealthProbe(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        }
    }
}

@Suite("gRPC probes", .timeLimit(.minutes(1)))
struct GRPCProbeTests {
    private func withGRPCServer(_ body: (TestServer, NIOLockedValueBox<[String]>) async throws -> Void) async throws {
        let seen = NIOLockedValueBox<[String]>([])
        let configure: @Sendable (any Channel) throws -> Void = { channel in
            try configureGRPCServer(channel, seen: seen)
        }
        try await withServer(configure) { server in
            try await body(server, seen)
        }
    }

    @Test func servingIsHealthy() async throws {
        try await withGRPCServer { server, seen in
            let result = try await probe(ProbeConfiguration(kind: .grpc), server.target)
            #expect(result.isSuccess, "\(result)")
            let named = try await probe(
                ProbeConfiguration(kind: .grpc, host: "users.internal", service: "ok"), server.target)
            #expect(named.isSuccess, "\(named)")
            #expect(seen.withLockedValue { $0 } == ["127.0.0.1:\(server.port)|", "users.internal|ok"])
            try await eventually("both connections to close") { server.connections.closed == 2 }
        }
    }

    @Test func notServingIsUnhealthy() async throws {
        try await withGRPCServer { server, _ in
            let result = try await probe(ProbeConfiguration(kind: .grpc, service: "down"), server.target)
            #expect(result.failure == .notServing(status: 2))
            let unknown = try await probe(ProbeConfiguration(kind: .grpc, service: "other"), server.target)
            #expect(unknown.failure == .notServing(status: 3))
        }
    }

    @Test func nonZeroGRPCStatusIsUnhealthy() async throws {
        try await withGRPCServer { server, _ in
            let broken = try await probe(ProbeConfiguration(kind: .grpc, service: "broken"), server.target)
            #expect(broken.failure == .grpcStatus(code: 13, message: "oops"))
            let missing = try await probe(ProbeConfiguration(kind: .grpc, service: "missing"), server.target)
            #expect(missing.failure == .grpcStatus(code: 5, message: "unknown service"))
        }
    }

    @Test func silentServerTimesOut() async throws {
        try await withGRPCServer { server, _ in
            let result = try await probe(
                ProbeConfiguration(kind: .grpc, service: "slow", timeout: .milliseconds(200)), server.target)
            #expect(result.failure == .timedOut(.milliseconds(200)))
            try await eventually("the timed-out connection to close") { server.connections.closed == 1 }
        }
    }

    @Test func http1ServerIsAProtocolFailure() async throws {
        try await withServer(configureHTTPServer) { server in
            let result = try await probe(ProbeConfiguration(kind: .grpc), server.target)
            #expect(!result.isSuccess)
        }
    }

    @Test func grpcsNegotiatesH2OverTLS() async throws {
        try await withCertificate { certificate in
            let context = try certificate.serverContext(alpn: ["h2"])
            let seen = NIOLockedValueBox<[String]>([])
            let configure: @Sendable (any Channel) throws -> Void = { channel in
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                try configureGRPCServer(channel, seen: seen)
            }
            try await withServer(configure) { server in
                let configuration = ProbeConfiguration(
                    kind: .grpcs, tls: .init(caFile: certificate.certificatePath, serverName: "localhost"))
                let result = try await probe(configuration, server.target)
                #expect(result.isSuccess, "\(result)")
                let down = try await probe(
                    ProbeConfiguration(kind: .grpcs, service: "down", tls: .init(verify: false)), server.target)
                #expect(down.failure == .notServing(status: 2))
            }
        }
    }
}
