import NIOCore
import PorticoCore
import Testing

@testable import PorticoConfig

/// `runtime.resolver` (docs/configuration.md, `runtime`): `nameservers` (`ip:port`), `timeout`
/// (a duration, default 2s) and `attempts` (1–5, default 2), compiled into
/// `RuntimeSnapshot.settings.resolver`; every bad value is an error at its own key path.
@Suite("runtime.resolver")
struct ResolverConfigTests {
    /// A valid configuration whose `runtime` section is `runtime`.
    static func yaml(runtime: String) -> String {
        Fixtures.listener + "runtime:\n" + runtime
    }

    /// The errors of a `runtime` section that must be rejected.
    static func errors(runtime: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigError] {
        Fixtures.errors(self.yaml(runtime: runtime), sourceLocation: sourceLocation)
    }

    @Test("every key given: nameservers in order (IPv4, bracketed IPv6, any port), timeout and attempts")
    func everyKeyCompiles() throws {
        let loaded = try Fixtures.load(
            Self.yaml(
                runtime: """
                      resolver:
                        nameservers: ["10.0.0.2:53", "[2001:db8::53]:5353", "127.0.0.1:5300"]
                        timeout: 1.5s
                        attempts: 3
                    """))
        let settings = try #require(loaded.snapshot.settings.resolver)
        #expect(
            settings.nameservers == [
                try SocketAddress(ipAddress: "10.0.0.2", port: 53),
                try SocketAddress(ipAddress: "2001:db8::53", port: 5353),
                try SocketAddress(ipAddress: "127.0.0.1", port: 5300),
            ])
        #expect(settings.timeout == .milliseconds(1500))
        #expect(settings.attempts == 3)
        #expect(
            settings == ResolverSettings(nameservers: settings.nameservers, timeout: .milliseconds(1500), attempts: 3))
        // The decoded form keeps what was written.
        #expect(
            loaded.config.runtime.resolver
                == ResolverConfig(
                    nameservers: [
                        HostPort(host: "10.0.0.2", port: 53), HostPort(host: "2001:db8::53", port: 5353),
                        HostPort(host: "127.0.0.1", port: 5300),
                    ],
                    timeout: .milliseconds(1500), attempts: 3))
    }

    @Test("only nameservers: timeout 2s and 2 attempts, as documented")
    func documentedDefaults() throws {
        let snapshot = try Fixtures.load(
            Self.yaml(runtime: "  resolver: { nameservers: [\"192.0.2.53:53\"] }\n")
        ).snapshot
        #expect(
            snapshot.settings.resolver
                == ResolverSettings(
                    nameservers: [try SocketAddress(ipAddress: "192.0.2.53", port: 53)],
                    timeout: .seconds(2), attempts: 2))
    }

    @Test("no resolver section (or a null one): no settings, so the system's resolv.conf is used")
    func absentMeansSystem() throws {
        #expect(try Fixtures.load(Fixtures.listener).snapshot.settings.resolver == nil)
        #expect(try Fixtures.load(Self.yaml(runtime: "  workers: 1\n")).snapshot.settings.resolver == nil)
        #expect(try Fixtures.load(Self.yaml(runtime: "  resolver:\n")).snapshot.settings.resolver == nil)
    }

    @Test(
        "attempts at both ends of 1–5 and other duration spellings are accepted",
        arguments: [
            ("1", "250ms", 1, TimeAmount.milliseconds(250)),
            ("5", "1m", 5, TimeAmount.seconds(60)),
            ("2", "1s500ms", 2, TimeAmount.milliseconds(1500)),
        ])
    func boundaries(attempts: String, timeout: String, expectedAttempts: Int, expectedTimeout: TimeAmount) throws {
        let snapshot = try Fixtures.load(
            Self.yaml(
                runtime: "  resolver: { nameservers: [\"10.0.0.2:53\"], timeout: \(timeout), attempts: \(attempts) }\n")
        ).snapshot
        let settings = try #require(snapshot.settings.resolver)
        #expect(settings.attempts == expectedAttempts)
        #expect(settings.timeout == expectedTimeout)
    }

    /// One bad `runtime.resolver`: the single error expected, by key path and message.
    struct BadCase: Sendable, CustomTestStringConvertible {
        var resolver: String
        var path: String
        var message: String
        var testDescription: String { self.resolver }
    }

    static let badCases: [BadCase] = [
        // nameservers
        BadCase(
            resolver: "{ nameservers: [\"dns.example:53\"] }", path: "runtime.resolver.nameservers[0]",
            message: "'dns.example' is not an IP address"),
        BadCase(
            resolver: "{ nameservers: [\"10.0.0.2:53\", localhost:53] }", path: "runtime.resolver.nameservers[1]",
            message: "'localhost' is not an IP address"),
        BadCase(
            resolver: "{ nameservers: [\"10.0.0.2\"] }", path: "runtime.resolver.nameservers[0]",
            message: "address '10.0.0.2' has no port"),
        BadCase(
            resolver: "{ nameservers: [\"2001:db8::53:53\"] }", path: "runtime.resolver.nameservers[0]",
            message: "IPv6 address '2001:db8::53:53' needs brackets"),
        BadCase(
            resolver: "{ nameservers: [\"10.0.0.2:65536\"] }", path: "runtime.resolver.nameservers[0]",
            message: "port '65536' in address '10.0.0.2:65536' is not a number from 0 to 65535"),
        BadCase(
            resolver: "{ nameservers: [] }", path: "runtime.resolver.nameservers",
            message: "at least one nameserver is required"),
        // timeout
        BadCase(
            resolver: "{ nameservers: [\"10.0.0.2:53\"], timeout: 0s }", path: "runtime.resolver.timeout",
            message: "must be longer than 0 (is 0s)"),
        BadCase(
            resolver: "{ nameservers: [\"10.0.0.2:53\"], timeout: 2 }", path: "runtime.resolver.timeout",
            message: "duration '2' has no unit"),
        BadCase(
            resolver: "{ nameservers: [\"10.0.0.2:53\"], timeout: -1s }", path: "runtime.resolver.timeout",
            message: "duration '-1s' is negative"),
        // attempts
        BadCase(
            resolver: "{ nameservers: [\"10.0.0.2:53\"], attempts: 0 }", path: "runtime.resolver.attempts",
            message: "must be from 1 to 5 (is 0)"),
        BadCase(
            resolver: "{ nameservers: [\"10.0.0.2:53\"], attempts: 6 }", path: "runtime.resolver.attempts",
            message: "must be from 1 to 5 (is 6)"),
        // unknown keys, with a suggestion for a near miss
        BadCase(
            resolver: "{ nameserver: [\"10.0.0.2:53\"], nameservers: [\"10.0.0.2:53\"] }",
            path: "runtime.resolver.nameserver",
            message: "unknown key 'nameserver' (did you mean 'nameservers'?)"),
        BadCase(
            resolver: "{ nameservers: [\"10.0.0.2:53\"], atempts: 3 }", path: "runtime.resolver.atempts",
            message: "unknown key 'atempts' (did you mean 'attempts'?)"),
    ]

    @Test("a bad value is one error at its key path", arguments: Self.badCases)
    func rejected(_ bad: BadCase) throws {
        let errors = Self.errors(runtime: "  resolver: \(bad.resolver)\n")
        #expect(errors.count == 1, "\(errors)")
        let error = try #require(errors.first)
        #expect(error.path == bad.path)
        #expect(error.message == bad.message)
        #expect(error.line == 5, "the error points into the resolver line: \(error)")
        #expect(error.description.contains(bad.path), "the printed error names the key: \(error)")
    }

    @Test("values of the wrong type are rejected at their key")
    func wrongTypes() {
        let errors = Self.errors(
            runtime: """
                  resolver:
                    nameservers: "10.0.0.2:53"
                    timeout: fast
                    attempts: two
                """)
        #expect(
            errors.map(\.path) == [
                "runtime.resolver.nameservers", "runtime.resolver.timeout", "runtime.resolver.attempts",
            ], "\(errors)")
        #expect(errors.map(\.position) == ["6:18", "7:14", "8:15"], "\(errors)")
    }

    @Test("several mistakes are reported together, in file order")
    func reportedTogether() {
        let errors = Self.errors(
            runtime: """
                  resolver:
                    nameservers: ["10.0.0.2:53", "ns.example:53", "[::1]:53"]
                    timeout: 0s
                    attempts: 9
                """)
        #expect(
            errors.map(\.path) == [
                "runtime.resolver.nameservers[1]", "runtime.resolver.timeout", "runtime.resolver.attempts",
            ], "\(errors)")
        #expect(errors.first?.hint == "nameservers are IP addresses, e.g. 10.0.0.2:53")
    }

    @Test("resolver must be a mapping")
    func notAMapping() {
        let errors = Self.errors(runtime: "  resolver: [\"10.0.0.2:53\"]\n")
        #expect(errors.map(\.path) == ["runtime.resolver"], "\(errors)")
    }

    // MARK: Fixed: found by these tests

    @Test("timeout and attempts without nameservers: the system's nameservers, as documented")
    func nameserversDefaultToTheSystem() throws {
        let loaded = try Fixtures.load(Self.yaml(runtime: "  resolver: { timeout: 1s, attempts: 3 }\n"))
        let settings = try #require(loaded.snapshot.settings.resolver)
        #expect(settings.nameservers.isEmpty)  // empty: the system's (see ResolverSettings)
        #expect(settings.timeout == .seconds(1))
        #expect(settings.attempts == 3)
    }

    @Test("a nameserver on port 0 is refused (nothing can answer there)")
    func nameserverPortZero() {
        // Port 0 is meaningful for listeners (an ephemeral port, for tests) but a query sent to
        // port 0 can never be answered; the resolver would only ever time out.
        let errors = Self.errors(runtime: "  resolver: { nameservers: [\"10.0.0.2:53\", \"10.0.0.3:0\"] }\n")
        #expect(errors.map(\.path) == ["runtime.resolver.nameservers[1]"], "\(errors)")
        #expect(errors.first?.message == "port 0 cannot answer DNS queries")
    }
}
