import PorticoDNS
import Testing

/// Endpoint lookups against a fake resolver: no sockets.
struct EndpointLookupTests {
    @Test func addressModeUsesTheFixedPort() async throws {
        let resolver = FakeResolver([
            "users.svc A": .records([
                aRecord("users.svc", "10.0.0.2", ttl: 30), aRecord("users.svc", "10.0.0.1", ttl: 20),
            ]),
            "users.svc AAAA": .records([aaaaRecord("users.svc", "fd00::1", ttl: 40)]),
        ])
        let lookup = EndpointLookup(name: "users.svc", mode: .addresses(port: 8080))
        let set = try await lookup.resolve(using: resolver)
        #expect(
            set.endpoints == [
                DiscoveredEndpoint(host: "users.svc", port: 8080, address: ip("10.0.0.1")),
                DiscoveredEndpoint(host: "users.svc", port: 8080, address: ip("10.0.0.2")),
                DiscoveredEndpoint(host: "users.svc", port: 8080, address: ip("fd00::1")),
            ]
        )
        #expect(set.ttl == 20)
        let v4 = try await EndpointLookup(name: "users.svc", mode: .addresses(port: 80), families: .ipv4)
            .resolve(using: resolver)
        #expect(v4.endpoints.map(\.address) == [ip("10.0.0.1"), ip("10.0.0.2")])
    }

    @Test func addressModeFailures() async throws {
        let resolver = FakeResolver([
            "empty.svc A": .records([], ttl: 5), "empty.svc AAAA": .records([], ttl: 5),
            "flaky.svc A": .records([aRecord("flaky.svc", "10.0.0.1")]),
            "flaky.svc AAAA": .failure(.timeout),
            "v4only.svc A": .records([aRecord("v4only.svc", "10.0.0.1")]),
        ])
        await #expect(throws: DNSResolutionError.noRecords("empty.svc")) {
            try await EndpointLookup(name: "empty.svc", mode: .addresses(port: 1)).resolve(using: resolver)
        }
        await #expect(throws: DNSResolutionError.nameNotFound("gone.svc")) {
            try await EndpointLookup(name: "gone.svc", mode: .addresses(port: 1)).resolve(using: resolver)
        }
        // A half answer is a failure: publishing it would drop the other family.
        await #expect(throws: DNSResolutionError.timeout) {
            try await EndpointLookup(name: "flaky.svc", mode: .addresses(port: 1)).resolve(using: resolver)
        }
        // NXDOMAIN for one family only is "no such records".
        let v4only = try await EndpointLookup(name: "v4only.svc", mode: .addresses(port: 1)).resolve(using: resolver)
        #expect(v4only.endpoints.map(\.address) == [ip("10.0.0.1")])
    }

    @Test func srvUsesAdditionalRecordsAndQueriesTheRest() async throws {
        let resolver = FakeResolver([
            "_http._tcp.users SRV": .records(
                [
                    srvRecord("_http._tcp.users", priority: 1, weight: 30, port: 8080, target: "a.users", ttl: 60),
                    srvRecord("_http._tcp.users", priority: 1, weight: 10, port: 9090, target: "b.users", ttl: 60),
                ],
                additional: [aRecord("a.users", "10.0.0.1", ttl: 25)]
            ),
            "b.users A": .records([aRecord("b.users", "10.0.0.2", ttl: 15)]),
            "b.users AAAA": .records([aaaaRecord("b.users", "fd00::2", ttl: 45)]),
        ])
        let set = try await EndpointLookup(name: "_http._tcp.users", mode: .srv).resolve(using: resolver)
        #expect(
            set.endpoints == [
                DiscoveredEndpoint(host: "a.users", port: 8080, address: ip("10.0.0.1"), priority: 1, weight: 30),
                DiscoveredEndpoint(host: "b.users", port: 9090, address: ip("10.0.0.2"), priority: 1, weight: 10),
                DiscoveredEndpoint(host: "b.users", port: 9090, address: ip("fd00::2"), priority: 1, weight: 10),
            ]
        )
        #expect(set.ttl == 15)
        // a.users came as additional records: never queried. Targets are absolute names.
        #expect(!resolver.lookups.contains { $0.hasPrefix("a.users") })
        #expect(resolver.lookups.contains("b.users A"))
    }

    @Test func srvPublishesTheLowestPriorityGroupThatResolves() async throws {
        let resolver = FakeResolver([
            "svc SRV": .records([
                srvRecord("svc", priority: 20, weight: 1, port: 3, target: "backup.svc"),
                srvRecord("svc", priority: 10, weight: 1, port: 1, target: "gone.svc"),
                srvRecord("svc", priority: 30, weight: 1, port: 4, target: "last.svc"),
            ]),
            "backup.svc A": .records([aRecord("backup.svc", "10.0.0.3")]),
            "backup.svc AAAA": .records([]),
            "last.svc A": .records([aRecord("last.svc", "10.0.0.4")]),
        ])
        // gone.svc is NXDOMAIN: priority 10 yields nothing, so priority 20 is used.
        let set = try await EndpointLookup(name: "svc", mode: .srv).resolve(using: resolver)
        #expect(
            set.endpoints == [
                DiscoveredEndpoint(host: "backup.svc", port: 3, address: ip("10.0.0.3"), priority: 20, weight: 1)
            ])
        #expect(!resolver.lookups.contains { $0.hasPrefix("last.svc") })
    }

    @Test func srvFailuresAndAbsence() async throws {
        let resolver = FakeResolver([
            "none SRV": .records([srvRecord("none", port: 0, target: ".")]),
            "empty SRV": .records([]),
            "flaky SRV": .records([srvRecord("flaky", port: 80, target: "t.flaky")]),
            "t.flaky A": .failure(.serverFailure(.serverFailure)),
            "t.flaky AAAA": .records([]),
        ])
        // "." means the service is decidedly not available (RFC 2782).
        await #expect(throws: DNSResolutionError.noRecords("none")) {
            try await EndpointLookup(name: "none", mode: .srv).resolve(using: resolver)
        }
        await #expect(throws: DNSResolutionError.noRecords("empty")) {
            try await EndpointLookup(name: "empty", mode: .srv).resolve(using: resolver)
        }
        await #expect(throws: DNSResolutionError.serverFailure(.serverFailure)) {
            try await EndpointLookup(name: "flaky", mode: .srv).resolve(using: resolver)
        }
        await #expect(throws: DNSResolutionError.nameNotFound("missing")) {
            try await EndpointLookup(name: "missing", mode: .srv).resolve(using: resolver)
        }
    }

    @Test func endpointSetsAreSortedAndDeduplicated() {
        let a = DiscoveredEndpoint(host: "h", port: 1, address: ip("10.0.0.2"))
        let b = DiscoveredEndpoint(host: "h", port: 1, address: ip("10.0.0.1"))
        #expect(EndpointSet(endpoints: [a, b, a], ttl: 1).endpoints == [b, a])
        #expect(a.description == "h=10.0.0.2:1 (priority 0, weight 1)")
        #expect(DiscoveredEndpoint(host: "h", port: 2, address: ip("::1")).description.hasPrefix("h=[::1]:2"))
    }
}
