import NIOCore
import NIOPosix
import PorticoDNS
import PorticoTesting
import Testing

/// `discovery: { dns | srv }` through a whole gateway, against an in-process DNS server
/// (SPEC F-32): targets follow the records as they change.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct DNSDiscoveryGatewayTests {
    let group = MultiThreadedEventLoopGroup.singleton

    static func srv(_ port: Int, target: String = "node.users.test") -> DNSRecord {
        DNSRecord(
            name: try! DNSName("_http._tcp.users.test"), ttl: 1,
            data: .srv(SRVData(priority: 10, weight: 1, port: UInt16(port), target: try! DNSName(target))))
    }

    static let node = DNSRecord(name: try! DNSName("node.users.test"), ttl: 1, data: .a(IPv4Address("127.0.0.1")!))

    @Test func srvTargetsFollowTheRecords() async throws {
        let blue = try await TestBackend.start(group: self.group, body: "blue")
        let green = try await TestBackend.start(group: self.group, body: "green")
        let dns = try await TestDNSServer.start(records: [Self.srv(blue.port), Self.node])
        let gateway = try await ResilienceGateway.start(
            """
            runtime: { resolver: { nameservers: ["127.0.0.1:\(dns.address.port!)"], timeout: 1s } }
            upstreams:
              users: { discovery: { srv: _http._tcp.users.test, interval: 1s } }
            routes: [{ name: all, upstream: users }]
            """)
        #expect(
            try await eventually {
                try await gateway.request("GET / HTTP/1.1\r\nHost: h\r\n\r\n").bodyText == "blue"
            })
        dns.setRecords([Self.srv(green.port)], for: try DNSName("_http._tcp.users.test"))
        #expect(
            try await eventually(timeout: .seconds(5)) {
                try await gateway.request("GET / HTTP/1.1\r\nHost: h\r\n\r\n").bodyText == "green"
            })
        let status = try await gateway.upstream("users")
        #expect(status["discovery"] as? String == "srv:_http._tcp.users.test")
        await gateway.stop()
        await dns.stop()
        await blue.stop()
        await green.stop()
    }

    @Test func aHostNameDiscoveryUsesEveryAddressWithTheGivenPort() async throws {
        let backend = try await TestBackend.start(group: self.group, body: "ok")
        let dns = try await TestDNSServer.start(records: [
            DNSRecord(name: try DNSName("api.users.test"), ttl: 30, data: .a(IPv4Address("127.0.0.1")!))
        ])
        let gateway = try await ResilienceGateway.start(
            """
            runtime: { resolver: { nameservers: ["127.0.0.1:\(dns.address.port!)"] } }
            upstreams:
              users: { discovery: { dns: api.users.test, port: \(backend.port) } }
            routes: [{ name: all, upstream: users }]
            """)
        #expect(
            try await eventually {
                try await gateway.request("GET / HTTP/1.1\r\nHost: h\r\n\r\n").bodyText == "ok"
            })
        await gateway.stop()
        await dns.stop()
        await backend.stop()
    }
}
