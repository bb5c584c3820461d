import NIOConcurrencyHelpers
import PorticoDNS
import PorticoTesting
import Testing

/// Collects a discovery's events as they arrive.
private final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[DiscoveryEvent]>([])
    private let task: Task<Void, Never>

    init(_ discovery: DNSDiscovery) {
        let events = self.events
        self.task = Task {
            for await event in discovery.events {
                events.withLockedValue { $0.append(event) }
            }
        }
    }

    var all: [DiscoveryEvent] { self.events.withLockedValue { $0 } }

    var lists: [[DiscoveredEndpoint]] {
        self.all.compactMap { event in
            if case .endpoints(let list) = event { return list }
            return nil
        }
    }

    var failures: [DNSResolutionError] {
        self.all.compactMap { event in
            if case .failed(let error) = event { return error }
            return nil
        }
    }
}

/// Runs `discovery` for the duration of `body`, then cancels it and waits (bounded) for it.
private func running(
    _ discovery: DNSDiscovery, _ body: (EventLog) async throws -> Void
) async throws {
    let log = EventLog(discovery)
    let task = Task { await discovery.run() }
    do {
        try await body(log)
    } catch {
        task.cancel()
        throw error
    }
    task.cancel()
    try await withTimeout(.seconds(5)) { await task.value }
}

/// The discovery shell against ``TestDNSServer`` and the real resolver, on the real clock with
/// short intervals. The timing rules themselves are covered by `DiscoveryStateMachineTests`.
@Suite(.timeLimit(.minutes(1)))
struct DNSDiscoveryTests {
    private func endpoints(_ addresses: [String], host: String = "users.test", port: Int = 8080) -> [DiscoveredEndpoint]
    {
        addresses.map { DiscoveredEndpoint(host: host, port: port, address: ip($0)) }
    }

    @Test func resolvesAtOnceAndAgainWhenTheTTLRunsOut() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1", ttl: 0)])
        let discovery = DNSDiscovery(
            lookup: EndpointLookup(name: "users.test", mode: .addresses(port: 8080)),
            configuration: DiscoveryConfiguration(interval: .seconds(30), minimumInterval: .milliseconds(50)),
            resolver: DNSResolver(configuration: testConfiguration([server.address]))
        )
        try await running(discovery) { log in
            try await eventually { log.lists == [self.endpoints(["10.0.0.1"])] }
            #expect(discovery.currentEndpoints == self.endpoints(["10.0.0.1"]))
            // TTL 0: re-resolved every 50 ms although the interval is 30 s.
            try await eventually { server.queryCount("users.test", .a) >= 4 }
            // Same answer every time: published once.
            #expect(log.lists.count == 1)
            #expect(log.failures.isEmpty)
        }
        await server.stop()
    }

    @Test func intervalBoundsALongTTL() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1", ttl: 3600)])
        let discovery = DNSDiscovery(
            lookup: EndpointLookup(name: "users.test", mode: .addresses(port: 8080), families: .ipv4),
            configuration: DiscoveryConfiguration(interval: .milliseconds(100), minimumInterval: .milliseconds(10)),
            resolver: DNSResolver(configuration: testConfiguration([server.address]))
        )
        try await running(discovery) { log in
            try await eventually { server.queryCount("users.test", .a) >= 3 }
            #expect(server.queryCount("users.test", .aaaa) == 0)
        }
        await server.stop()
    }

    @Test func publishesChangesOnly() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1", ttl: 0)])
        let discovery = DNSDiscovery(
            lookup: EndpointLookup(name: "users.test", mode: .addresses(port: 8080)),
            configuration: DiscoveryConfiguration(interval: .seconds(30), minimumInterval: .milliseconds(30)),
            resolver: DNSResolver(configuration: testConfiguration([server.address]))
        )
        try await running(discovery) { log in
            try await eventually { log.lists.count == 1 }
            server.setRecords(
                [aRecord("users.test", "10.0.0.2", ttl: 0), aRecord("users.test", "10.0.0.1", ttl: 0)],
                for: name("users.test")
            )
            try await eventually { log.lists.count == 2 }
            let queries = server.queryCount("users.test", .a)
            try await eventually { server.queryCount("users.test", .a) >= queries + 3 }
            #expect(log.lists == [self.endpoints(["10.0.0.1"]), self.endpoints(["10.0.0.1", "10.0.0.2"])])
        }
        await server.stop()
    }

    @Test func keepsTheLastGoodListThroughFailures() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1", ttl: 0)])
        let discovery = DNSDiscovery(
            lookup: EndpointLookup(name: "users.test", mode: .addresses(port: 8080)),
            configuration: DiscoveryConfiguration(
                interval: .seconds(30), minimumInterval: .milliseconds(20), initialBackoff: .milliseconds(20),
                maximumBackoff: .milliseconds(40)
            ),
            resolver: DNSResolver(configuration: testConfiguration([server.address], timeout: .milliseconds(100)))
        )
        try await running(discovery) { log in
            try await eventually { log.lists.count == 1 }
            server.update { $0.responseCodes[name("users.test")] = .serverFailure }
            try await eventually { log.failures.count >= 2 }
            server.update { $0.silent = true }
            try await eventually { log.failures.contains(.timeout) }
            #expect(log.lists == [self.endpoints(["10.0.0.1"])])
            #expect(discovery.currentEndpoints == self.endpoints(["10.0.0.1"]))
            #expect(log.failures.contains(.serverFailure(.serverFailure)))

            // Back, with the same address: nothing new to publish, failures stop.
            server.update { table in
                table.silent = false
                table.responseCodes = [:]
            }
            let queries = server.queryCount("users.test", .a)
            try await eventually { server.queryCount("users.test", .a) >= queries + 3 }
            let failures = log.failures.count
            let more = server.queryCount("users.test", .a)
            try await eventually { server.queryCount("users.test", .a) >= more + 3 }
            #expect(log.failures.count == failures)
            #expect(log.lists == [self.endpoints(["10.0.0.1"])])
        }
        await server.stop()
    }

    @Test func nxdomainEmptiesTheListOnlyAfterTheGracePeriod() async throws {
        let server = try await TestDNSServer.start(records: [aRecord("users.test", "10.0.0.1", ttl: 0)])
        let discovery = DNSDiscovery(
            lookup: EndpointLookup(name: "users.test", mode: .addresses(port: 8080)),
            configuration: DiscoveryConfiguration(
                interval: .seconds(30), minimumInterval: .milliseconds(20), initialBackoff: .milliseconds(20),
                maximumBackoff: .milliseconds(40), removalGrace: .milliseconds(300)
            ),
            resolver: DNSResolver(configuration: testConfiguration([server.address]))
        )
        try await running(discovery) { log in
            try await eventually { log.lists.count == 1 }
            let removed = ContinuousClock.now
            server.setRecords([], for: name("users.test"))
            try await eventually { log.failures.contains(.nameNotFound("users.test")) }
            #expect(log.lists.count == 1)
            try await eventually { log.lists.count == 2 }
            #expect(ContinuousClock.now - removed >= .milliseconds(300))
            #expect(log.lists.last == [])
            #expect(discovery.currentEndpoints == [])
        }
        await server.stop()
    }

    @Test func discoversSRVEndpoints() async throws {
        let server = try await TestDNSServer.start(records: [
            srvRecord("_http._tcp.users.test", priority: 1, weight: 3, port: 8080, target: "a.users.test", ttl: 0),
            srvRecord("_http._tcp.users.test", priority: 1, weight: 1, port: 8081, target: "b.users.test", ttl: 0),
            srvRecord("_http._tcp.users.test", priority: 5, weight: 1, port: 9000, target: "c.users.test", ttl: 0),
            aRecord("a.users.test", "10.0.0.1"), aRecord("b.users.test", "10.0.0.2"),
            aRecord("c.users.test", "10.0.0.3"),
        ])
        // Additional records are off: the targets are resolved with their own queries.
        server.update { $0.srvAdditionals = false }
        let discovery = DNSDiscovery(
            lookup: EndpointLookup(name: "_http._tcp.users.test", mode: .srv, families: .ipv4),
            configuration: DiscoveryConfiguration(interval: .seconds(30), minimumInterval: .milliseconds(50)),
            resolver: DNSResolver(configuration: testConfiguration([server.address]))
        )
        try await running(discovery) { log in
            try await eventually { log.lists.count == 1 }
            #expect(
                log.lists[0] == [
                    DiscoveredEndpoint(
                        host: "a.users.test", port: 8080, address: ip("10.0.0.1"), priority: 1, weight: 3),
                    DiscoveredEndpoint(
                        host: "b.users.test", port: 8081, address: ip("10.0.0.2"), priority: 1, weight: 1),
                ]
            )
            #expect(server.queryCount("a.users.test", .a) >= 1)
            #expect(server.queryCount("c.users.test", .a) == 0)
            // The preferred group disappears: the backup group takes over.
            server.update { table in
                table.records.removeAll { $0.type == .srv && $0.data.description.hasPrefix("1 ") }
            }
            try await eventually { log.lists.count == 2 }
            #expect(log.lists[1].map(\.port) == [9000])
        }
        await server.stop()
    }
}
