import PorticoCore
import PorticoFilters
import PorticoHTTP
import Testing

@Suite struct IPFilterTests {
    static let yaml = """
            type: ip_filter
            allow: [10.0.0.0/8, 192.0.2.7, "2001:db8::/32"]
            deny: [10.6.6.0/24, "2001:db8:bad::/48"]
        """

    @Test(arguments: [
        ("10.1.2.3", true),
        ("10.6.6.6", false),
        ("10.6.7.1", true),
        ("192.0.2.7", true),
        ("192.0.2.8", false),
        ("::ffff:10.1.2.3", true),
        ("2001:db8::1", true),
        ("2001:db8:bad::1", false),
        ("2001:db9::1", false),
        ("fe80::1", false),
    ])
    func allowAndDeny(address: String, passes: Bool) throws {
        let filter = try FilterHarness.filter(Self.yaml)
        var context = FilterHarness.context(
            FilterHarness.get(), filter: filter, clientIP: address, clientAddress: IPAddress(address))
        let decision = filter.onRequest(&context)
        if passes {
            #expect(decision.isProceed)
        } else {
            #expect(decision.rejection?.status == 403)
        }
    }

    @Test func denyOnlyLetsOthersPass() throws {
        let filter = try FilterHarness.filter("    type: ip_filter\n    deny: [203.0.113.0/24, \"::1\"]")
        for (address, passes) in [("203.0.113.9", false), ("203.0.114.1", true), ("::1", false), ("::2", true)] {
            var context = FilterHarness.context(
                FilterHarness.get(), filter: filter, clientIP: address, clientAddress: IPAddress(address))
            #expect(filter.onRequest(&context).isProceed == passes, "\(address)")
        }
        // An address that cannot be parsed passes a deny-only filter, not an allow list.
        var unknown = FilterHarness.context(FilterHarness.get(), filter: filter, clientIP: "unknown")
        #expect(filter.onRequest(&unknown).isProceed)
        let allowList = try FilterHarness.filter(Self.yaml)
        var unknownAllowed = FilterHarness.context(FilterHarness.get(), filter: allowList, clientIP: "unknown")
        #expect(allowList.onRequest(&unknownAllowed).rejection?.status == 403)
    }

    @Test func usesTheAddressAfterTrustedProxies() throws {
        let filter = try FilterHarness.filter("    type: ip_filter\n    allow: [198.51.100.0/24]")
        // The peer is a proxy; the flow worked out the client behind it.
        var context = FilterHarness.context(
            FilterHarness.get(), filter: filter, clientIP: "10.0.0.1", clientAddress: IPAddress("198.51.100.20"))
        #expect(filter.onRequest(&context).isProceed)
    }

    @Test(arguments: [
        ("    type: ip_filter", "needs allow or deny ranges"),
        ("    type: ip_filter\n    allow: [10.0.0.0/33]", "'10.0.0.0/33' is not an IP address or CIDR range"),
        ("    type: ip_filter\n    deny: [example.com]", "'example.com' is not an IP address"),
        ("    type: ip_filter\n    allow: 10.0.0.0/8", "expected a list"),
        ("    type: ip_filter\n    alow: [10.0.0.0/8]", "did you mean 'allow'"),
    ])
    func rejectsInvalidConfigs(yaml: String, message: String) {
        let errors = FilterHarness.errors(yaml)
        #expect(errors.contains(message), "\(errors)")
    }
}
