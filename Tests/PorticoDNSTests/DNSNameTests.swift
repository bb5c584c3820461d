import PorticoDNS
import Testing

struct DNSNameTests {
    @Test func parsesLabelsWithOrWithoutTrailingDot() throws {
        let relative = try DNSName("users.svc.local")
        let absolute = try DNSName("users.svc.local.")
        #expect(relative.labels.map { String(decoding: $0, as: UTF8.self) } == ["users", "svc", "local"])
        #expect(relative == absolute)
        #expect(relative.description == "users.svc.local")
        #expect(relative.wireLength == 17)
    }

    @Test func rootForms() throws {
        #expect(try DNSName(".").isRoot)
        #expect(try DNSName("").isRoot)
        #expect(DNSName.root.description == ".")
        #expect(DNSName.root.wireLength == 1)
    }

    @Test func comparesAndHashesWithoutCase() throws {
        let upper = try DNSName("API.Example.COM")
        let lower = try DNSName("api.example.com")
        #expect(upper == lower)
        #expect(Set([upper, lower]).count == 1)
        #expect(upper.description == "API.Example.COM")
        #expect(try DNSName("api.example.org") != lower)
        #expect(try DNSName("api.example") != lower)
    }

    @Test func escapesRoundTrip() throws {
        let name = try DNSName(labels: [Array("a.b".utf8), [0x00, 0x7F, 0x5C], Array("c".utf8)])
        #expect(name.description == "a\\.b.\\000\\127\\\\.c")
        #expect(try DNSName(name.description) == name)
        #expect(try DNSName("\\065bc").labels == [Array("Abc".utf8)])
    }

    @Test func rejectsInvalidNames() throws {
        #expect(throws: DNSNameError.emptyLabel) { try DNSName("a..b") }
        #expect(throws: DNSNameError.emptyLabel) { try DNSName(".a") }
        #expect(throws: DNSNameError.labelTooLong) { try DNSName(String(repeating: "x", count: 64) + ".com") }
        #expect(throws: DNSNameError.badEscape) { try DNSName("a\\") }
        #expect(throws: DNSNameError.badEscape) { try DNSName("a\\999") }
        #expect(throws: DNSNameError.badEscape) { try DNSName("a\\12") }
        // 4 × 63-byte labels = 4 × 64 + 1 = 257 bytes in wire form.
        let label = String(repeating: "x", count: 63)
        #expect(throws: DNSNameError.nameTooLong) { try DNSName([label, label, label, label].joined(separator: ".")) }
        // 255 exactly is fine: 3 × 64 + 62 + 1.
        let longest = [label, label, label, String(repeating: "y", count: 61)].joined(separator: ".")
        #expect(try DNSName(longest).wireLength == 255)
    }

    @Test func appendsSuffixes() throws {
        let name = try DNSName("users").appending(try DNSName("svc.local"))
        #expect(name.description == "users.svc.local")
        let label = String(repeating: "x", count: 63)
        let long = try DNSName([label, label, label].joined(separator: "."))
        #expect(throws: DNSNameError.nameTooLong) { try long.appending(try DNSName(label)) }
    }
}

struct IPAddressTests {
    @Test func parsesAndFormats() {
        #expect(IPAddress("10.1.2.3") == .v4(IPv4Address(10, 1, 2, 3)))
        #expect(IPAddress("10.1.2.3")?.description == "10.1.2.3")
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8::1")
        #expect(IPAddress("[::1]") == IPAddress("::1"))
        #expect(IPAddress("::ffff:1.2.3.4")?.bytes.suffix(4) == [1, 2, 3, 4])
        #expect(IPAddress("10.1.2") == nil)
        #expect(IPAddress("users.svc") == nil)
        #expect(IPAddress("fe80::1%eth0") == nil)
        #expect(IPAddress("1.2.3.256") == nil)
    }

    @Test func bytesRoundTrip() {
        let v6 = IPv6Address("2001:db8:1:2:3:4:5:6")!
        #expect(IPv6Address(bytes: v6.bytes) == v6)
        #expect(v6.bytes.count == 16)
        let v4 = IPv4Address("192.0.2.7")!
        #expect(IPv4Address(bytes: v4.bytes) == v4)
        #expect(IPv4Address(bytes: [1, 2, 3]) == nil)
        #expect(IPv6Address(bytes: [UInt8](repeating: 0, count: 15)) == nil)
    }

    @Test func ordersIPv4First() {
        let sorted = [ip("::1"), ip("10.0.0.2"), ip("10.0.0.1")].sorted()
        #expect(sorted == [ip("10.0.0.1"), ip("10.0.0.2"), ip("::1")])
    }

    @Test func makesSocketAddresses() throws {
        let address = try ip("127.0.0.1").socketAddress(port: 8080)
        #expect(address.port == 8080)
        #expect(address.ipAddress == "127.0.0.1")
        let v6 = try ip("::1").socketAddress(port: 53)
        #expect(v6.ipAddress == "::1")
    }
}
