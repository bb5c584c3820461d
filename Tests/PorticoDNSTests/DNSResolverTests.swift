import NIOCore
import NIOPosix
import PorticoDNS
import PorticoTesting
import Testing

/// The resolver against ``TestDNSServer`` on 127.0.0.1; nothing leaves the loopback.
@Suite(.timeLimit(.minutes(1)))
struct DNSResolverTests {
    @Test func resolvesA() async throws {
        let server = try await TestDNSServer.start(records: [
            aRecord("users.svc.local", "10.0.0.1", ttl: 30), aRecord("users.svc.local", "10.0.0.2", ttl: 20),
        ])
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address]))
        let answer = try await resolver.resolve("users.svc.local", type: .a)
        #expect(answer.addresses == [ip("10.0.0.1"), ip("10.0.0.2")])
        #expect(answer.ttl == 20)
        #expect(server.queries.map(\.overTCP) == [false])
        #expect(server.queries.map(\.hadEDNS) == [true])
    }

    @Test func resolvesAAAAAndBothFamilies() async throws {
        let server = try await TestDNSServer.start(records: [
            aRecord("dual.test", "10.0.0.1", ttl: 50), aaaaRecord("dual.test", "fd00::1", ttl: 40),
            aaaaRecord("v6only.test", "fd00::2", ttl: 40),
        ])
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address]))
        #expect(try await resolver.resolve("dual.test", type: .aaaa).addresses == [ip("fd00::1")])
        let both = try await resolver.resolveAddresses("dual.test")
        #expect(both == AddressAnswer(addresses: [ip("10.0.0.1"), ip("fd00::1")], ttl: 40))
        // NODATA for A: an empty answer with the SOA's negative TTL, not an error.
        let noA = try await resolver.resolve("v6only.test", type: .a)
        #expect(noA.records.isEmpty)
        #expect(noA.ttl == 5)
        #expect(try await resolver.resolveAddresses("v6only.test", families: .all).addresses == [ip("fd00::2")])
        #expect(try await resolver.resolveAddresses("v6only.test", families: .ipv4).addresses.isEmpty)
    }

    @Test func resolvesSRVWithAdditionalRecords() async throws {
        let server = try await TestDNSServer.start(records: [
            srvRecord("_http._tcp.users.test", priority: 1, weight: 10, port: 8080, target: "a.users.test"),
            srvRecord("_http._tcp.users.test", priority: 1, weight: 20, port: 8081, target: "b.users.test"),
            aRecord("a.users.test", "10.0.1.1"), aaaaRecord("b.users.test", "fd00::b"),
        ])
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address]))
        let answer = try await resolver.resolve("_http._tcp.users.test", type: .srv)
        #expect(answer.services.map(\.port) == [8080, 8081])
        #expect(answer.additionalAddresses(for: name("a.users.test")).compactMap(\.data.address) == [ip("10.0.1.1")])
        #expect(answer.additionalAddresses(for: name("b.users.test")).compactMap(\.data.address) == [ip("fd00::b")])
    }

    @Test func followsCNAMEs() async throws {
        let server = try await TestDNSServer.start(records: [
            cnameRecord("api.test", "lb.test", ttl: 9), cnameRecord("lb.test", "host.test", ttl: 100),
            aRecord("host.test", "10.0.0.7", ttl: 100),
        ])
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address]))
        let answer = try await resolver.resolve("api.test", type: .a)
        #expect(answer.addresses == [ip("10.0.0.7")])
        #expect(answer.canonicalName == name("host.test"))
        #expect(answer.ttl == 9)
    }

    @Test func reportsNXDOMAIN() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("exists.test", "10.0.0.1")])
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address]))
        await #expect(throws: DNSResolutionError.nameNotFound("missing.test")) {
            try await resolver.resolve("missing.test", type: .a)
        }
        await #expect(throws: DNSResolutionError.nameNotFound("missing.test")) {
            try await resolver.resolveAddresses("missing.test")
        }
        // NXDOMAIN is an answer: one query, no retry elsewhere.
        #expect(server.queryCount("missing.test", .a) == 2)
    }

    @Test func silentServerTimesOutThenTheNextAnswers() async throws {
        let silent = try await TestDNSServer.start()
        silent.update { $0.silent = true }
        let good = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1")])
        defer {
            Task {
                await silent.stop()
                await good.stop()
            }
        }
        let resolver = DNSResolver(
            configuration: testConfiguration([silent.address, good.address], timeout: .milliseconds(200))
        )
        let started = ContinuousClock.now
        let answer = try await resolver.resolve("users.test", type: .a)
        #expect(answer.addresses == [ip("10.0.0.1")])
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        #expect(silent.queryCount == 1)
        #expect(good.queryCount == 1)

        // Nobody answers: every server tried once per attempt, then .timeout.
        good.update { $0.silent = true }
        let stuck = DNSResolver(
            configuration: testConfiguration([silent.address, good.address], timeout: .milliseconds(100), attempts: 2)
        )
        await #expect(throws: DNSResolutionError.timeout) { try await stuck.resolve("users.test", type: .a) }
        #expect(silent.queryCount == 3)
        #expect(good.queryCount == 3)
    }

    @Test func closedPortFailsOverWithoutWaitingForTheTimeout() async throws {
        // A UDP port nobody listens on: the connected socket reports ECONNREFUSED.
        let probe = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let closed = probe.localAddress!
        try await probe.close()
        let good = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1")])
        defer { Task { await good.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([closed, good.address], timeout: .seconds(10)))
        let started = ContinuousClock.now
        #expect(try await resolver.resolve("users.test", type: .a).addresses == [ip("10.0.0.1")])
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func serverFailureMovesToTheNextServer() async throws {
        let failing = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.9")])
        failing.update { $0.responseCodes[name("users.test")] = .serverFailure }
        let good = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1")])
        defer {
            Task {
                await failing.stop()
                await good.stop()
            }
        }
        let resolver = DNSResolver(configuration: testConfiguration([failing.address, good.address]))
        #expect(try await resolver.resolve("users.test", type: .a).addresses == [ip("10.0.0.1")])

        let onlyFailing = DNSResolver(configuration: testConfiguration([failing.address], attempts: 2))
        await #expect(throws: DNSResolutionError.serverFailure(.serverFailure)) {
            try await onlyFailing.resolve("users.test", type: .a)
        }
        #expect(failing.queryCount == 3)
    }

    @Test func truncatedUDPAnswerIsAskedAgainOverTCP() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("big.test", "10.0.0.1")])
        server.update { $0.truncatedOverUDP = [name("big.test")] }
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address]))
        #expect(try await resolver.resolve("big.test", type: .a).addresses == [ip("10.0.0.1")])
        #expect(server.queries.map(\.overTCP) == [false, true])
    }

    @Test func oversizedAnswerIsTruncatedByTheServerAndFetchedOverTCP() async throws {
        // 200 A records do not fit 1232 bytes: the server sets TC itself.
        let records = (0..<200).map { aRecord("many.test", "10.0.\($0 / 250).\($0 % 250 + 1)") }
        let server = try await TestDNSServer.start(records: records)
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address]))
        let answer = try await resolver.resolve("many.test", type: .a)
        #expect(answer.records.count == 200)
        #expect(server.queries.map(\.overTCP) == [false, true])
    }

    @Test func tcpOnlyConfiguration() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1")])
        defer { Task { await server.stop() } }
        var configuration = testConfiguration([server.address])
        configuration.tcpOnly = true
        let resolver = DNSResolver(configuration: configuration)
        #expect(try await resolver.resolve("users.test", type: .a).addresses == [ip("10.0.0.1")])
        #expect(server.queries.map(\.overTCP) == [true])
    }

    @Test func ignoresResponsesWithAnotherId() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1")])
        server.update { $0.sendDecoyFirst = true }
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address]))
        #expect(try await resolver.resolve("users.test", type: .a).addresses == [ip("10.0.0.1")])
    }

    @Test func retriesWithoutEDNSAfterFormatError() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1")])
        server.update { $0.formatErrorOnEDNS = true }
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address]))
        #expect(try await resolver.resolve("users.test", type: .a).addresses == [ip("10.0.0.1")])
        #expect(server.queries.map(\.hadEDNS) == [true, false])
    }

    @Test func appliesTheSearchList() async throws {
        let server = try await TestDNSServer.start(records: [
            aRecord("users.prod.svc.local", "10.0.0.1"), aaaaRecord("db.svc.local", "fd00::db"),
            aRecord("db.svc.local", "10.0.0.2"),
        ])
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(
            configuration: testConfiguration([server.address], search: ["prod.svc.local", "svc.local"], ndots: 1)
        )
        let users = try await resolver.resolve("users", type: .a)
        #expect(users.addresses == [ip("10.0.0.1")])
        #expect(users.name == name("users.prod.svc.local"))
        // db.prod.svc.local is NXDOMAIN, so the next domain is tried.
        let db = try await resolver.resolve("db", type: .a)
        #expect(db.name == name("db.svc.local"))
        #expect(
            server.queries.map(\.name) == [
                name("users.prod.svc.local"), name("db.prod.svc.local"), name("db.svc.local"),
            ])
        // An absolute name is asked as is.
        await #expect(throws: DNSResolutionError.nameNotFound("users.")) {
            try await resolver.resolve("users.", type: .a)
        }
        #expect(server.queries.last?.name == name("users"))
    }

    @Test func searchStopsAtAnExistingNameWithoutRecords() async throws {
        // users.prod.test exists (it has an AAAA record), so an A lookup ends there (NODATA),
        // even though users.test has an A record.
        let server = try await TestDNSServer.start(records: [
            aaaaRecord("users.prod.test", "fd00::1"), aRecord("users.test", "10.0.0.1"),
        ])
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address], search: ["prod.test", "test"]))
        let answer = try await resolver.resolve("users", type: .a)
        #expect(answer.records.isEmpty)
        #expect(answer.name == name("users.prod.test"))
    }

    @Test func searchStopsAtAFailure() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1")])
        server.update { $0.responseCodes[name("users.prod.test")] = .serverFailure }
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address], search: ["prod.test", "test"]))
        await #expect(throws: DNSResolutionError.serverFailure(.serverFailure)) {
            try await resolver.resolve("users", type: .a)
        }
        #expect(server.queryCount("users.test", .a) == 0)
    }

    @Test func ipLiteralsNeedNoQuery() async throws {
        let server = try await TestDNSServer.start()
        defer { Task { await server.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([server.address]))
        #expect(try await resolver.resolve("192.0.2.10", type: .a).addresses == [ip("192.0.2.10")])
        #expect(try await resolver.resolve("192.0.2.10", type: .aaaa).records.isEmpty)
        #expect(try await resolver.resolve("2001:db8::7", type: .aaaa).addresses == [ip("2001:db8::7")])
        #expect(try await resolver.resolve("[2001:db8::7]", type: .aaaa).addresses == [ip("2001:db8::7")])
        #expect(try await resolver.resolveAddresses("10.1.1.1").addresses == [ip("10.1.1.1")])
        #expect(server.queryCount == 0)
        // Also without any nameserver.
        let offline = DNSResolver(configuration: ResolverConfiguration(nameservers: []))
        #expect(try await offline.resolve("10.0.0.1", type: .a).addresses == [ip("10.0.0.1")])
        await #expect(throws: DNSResolutionError.noNameservers) { try await offline.resolve("a.test", type: .a) }
    }

    @Test func rotateSpreadsQueries() async throws {
        let first = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1")])
        let second = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1")])
        defer {
            Task {
                await first.stop()
                await second.stop()
            }
        }
        var configuration = testConfiguration([first.address, second.address])
        configuration.rotate = true
        let resolver = DNSResolver(configuration: configuration)
        for _ in 0..<4 { _ = try await resolver.resolve("users.test", type: .a) }
        #expect(first.queryCount == 2)
        #expect(second.queryCount == 2)
    }

    @Test func cancellationStopsAWaitingQuery() async throws {
        let silent = try await TestDNSServer.start()
        silent.update { $0.silent = true }
        defer { Task { await silent.stop() } }
        let resolver = DNSResolver(configuration: testConfiguration([silent.address], timeout: .seconds(30)))
        let task = Task { try await resolver.resolve("users.test", type: .a) }
        try await eventually { silent.queryCount == 1 }
        task.cancel()
        let result = try await withTimeout(.seconds(5)) { await task.result }
        #expect(throws: CancellationError.self) { try result.get() }
    }
}
