import NIOCore
import NIOEmbedded
import PorticoConfig
import PorticoCore
import PorticoFilters
import PorticoHTTP
import Synchronization

/// Builds filters from YAML the way the config loader does, and runs their phases on a
/// request context, without sockets.
enum FilterHarness {
    static let registry = BuiltinFilters.registry()

    /// A gateway config with one route carrying the filter `under test` defined by `yaml`
    /// (the body of the filter's mapping, indented by 4 spaces).
    static func config(_ filterYAML: String) -> String {
        """
        listeners: [{ name: l, address: "127.0.0.1:0" }]
        admin: { address: off }
        routes:
          - name: r
            match: { path_prefix: / }
            respond: { status: 200 }
            filters: [under-test]
        filters:
          under-test:
        \(filterYAML)
        """
    }

    /// The filter compiled from `yaml`, or the config errors.
    static func filter(
        _ filterYAML: String, registry: FilterRegistry = registry, baseDirectory: String = "."
    ) throws -> any HTTPFilter {
        let snapshot = try ConfigLoader(registry: registry, environment: [:]).load(
            text: config(filterYAML), baseDirectory: baseDirectory
        ).snapshot
        return snapshot.routes[0].filters[0].filter
    }

    /// The config errors for `yaml`, as text.
    static func errors(_ filterYAML: String, baseDirectory: String = ".") -> String {
        do {
            _ = try ConfigLoader(registry: registry, environment: [:]).load(
                text: config(filterYAML), baseDirectory: baseDirectory)
            return ""
        } catch {
            return error.description
        }
    }

    /// A request context for `head` on a route that carries `filter`.
    static func context(
        _ head: RequestHead,
        filter: any HTTPFilter,
        clientIP: String = "192.0.2.1",
        clientAddress: IPAddress? = nil,
        route: String = "r",
        parameters: PathParameters = PathParameters(),
        services: TestServices = TestServices()
    ) -> RequestContext {
        let route = Route(
            name: route, index: 0, action: .respond(LocalResponse(status: 200)),
            filters: [NamedFilter(name: "f", filter: filter)])
        return RequestContext(
            request: head,
            route: route,
            parameters: parameters,
            client: ClientInfo(ip: clientIP, port: 1234),
            clientAddress: clientAddress,
            startedAt: .now(),
            services: services
        )
    }

    /// A `GET /` request head with these extra headers.
    static func get(_ target: String = "/", _ headers: [(String, String)] = []) -> RequestHead {
        RequestHead(method: .GET, target: target, headers: HeaderList([("Host", "h")] + headers))
    }
}

/// Loop services for filter tests, with request ids counted (`generated-1`, `generated-2`, ...)
/// so that tests can expect them.
final class TestServices: StandaloneLoopServices {
    private var generatedIDs = 0

    override init(eventLoop: any EventLoop = EmbeddedEventLoop()) {
        super.init(eventLoop: eventLoop)
    }

    override func makeRequestID() -> String {
        self.generatedIDs += 1
        return "generated-\(self.generatedIDs)"
    }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let reading = Atomic<UInt64>(1_000_000_000)

    var clock: RateLimitClock {
        RateLimitClock { self.reading.load(ordering: .relaxed) }
    }

    func advance(milliseconds: UInt64) {
        self.reading.add(milliseconds * 1_000_000, ordering: .relaxed)
    }

    func advance(nanoseconds: UInt64) {
        self.reading.add(nanoseconds, ordering: .relaxed)
    }
}

/// `rate_limit` decoded from YAML exactly as the built-in type, but built with a manual clock.
struct ManualClockRateLimit: FilterConfiguration {
    static let typeName = "rate_limit"
    @TaskLocal static var clock: ManualClock?

    var configuration: RateLimitFilter.Configuration

    init(from decoder: any Decoder) throws {
        self.configuration = try RateLimitFilter.Configuration(from: decoder)
    }

    func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
        var configuration = self.configuration
        if let clock = Self.clock { configuration.clock = clock.clock }
        return try configuration.makeFilter(context: context)
    }

    /// The filter for `yaml`, on `clock`.
    static func filter(_ yaml: String, clock: ManualClock) throws -> any HTTPFilter {
        var registry = BuiltinFilters.registry()
        registry.register(ManualClockRateLimit.self)
        return try Self.$clock.withValue(clock) { try FilterHarness.filter(yaml, registry: registry) }
    }
}

extension FilterDecision {
    var isProceed: Bool {
        if case .proceed = self { return true }
        return false
    }

    /// The error of a `.reject`.
    var rejection: GatewayError? {
        if case .reject(let error) = self { return error }
        return nil
    }

    /// The response of a `.respond`.
    var response: LocalResponse? {
        if case .respond(let response) = self { return response }
        return nil
    }
}
