import NIOCore

/// Everything the data plane needs, compiled from one config and never changed afterwards.
///
/// A reload builds a new snapshot and swaps the reference atomically; requests already
/// running keep the snapshot they started with. Nothing here is parsed or built per request.
public final class RuntimeSnapshot: Sendable {
    /// Increases by one with each snapshot a gateway installs.
    public let version: Int
    /// The route table over `routes`.
    public let routeTable: RouteTable
    /// The compiled routes, indexed as in `routeTable`.
    public let routes: [Route]
    /// The compiled upstreams.
    public let upstreams: [Upstream]
    /// The listeners.
    public let listeners: [ListenerSettings]
    /// Process-wide settings.
    public let settings: GatewaySettings
    /// Per listener with default filters: each route's full chain (defaults first), merged
    /// once here rather than per request.
    private let filterChains: [String: [[NamedFilter]]]

    /// Creates a snapshot.
    public init(
        version: Int,
        routeTable: RouteTable,
        routes: [Route],
        upstreams: [Upstream],
        listeners: [ListenerSettings],
        settings: GatewaySettings
    ) {
        self.version = version
        self.routeTable = routeTable
        self.routes = routes
        self.upstreams = upstreams
        self.listeners = listeners
        self.settings = settings
        var chains: [String: [[NamedFilter]]] = [:]
        for listener in listeners where !listener.filters.isEmpty {
            chains[listener.name] = routes.map { Self.mergeFilters(listener.filters, $0.filters) }
        }
        self.filterChains = chains
    }

    /// The filters a request on `listener` matched to route `index` runs: the listener's
    /// defaults, then the route's own.
    public func filterChain(listener: ListenerSettings, route index: Int) -> [NamedFilter] {
        if listener.filters.isEmpty { return self.routes[index].filters }
        if let chains = self.filterChains[listener.name], index < chains.count { return chains[index] }
        return Self.mergeFilters(listener.filters, self.routes[index].filters)
    }

    /// The listener's default filters, then the route's, each once (a route may list a
    /// default again to say where it belongs in its own order; the first place wins).
    public static func mergeFilters(_ defaults: [NamedFilter], _ own: [NamedFilter]) -> [NamedFilter] {
        guard !defaults.isEmpty else { return own }
        var merged = defaults
        for filter in own where !merged.contains(where: { $0.name == filter.name }) {
            merged.append(filter)
        }
        return merged
    }

    /// The same snapshot under another version number (installing a compiled config).
    public func withVersion(_ version: Int) -> RuntimeSnapshot {
        RuntimeSnapshot(
            version: version,
            routeTable: self.routeTable,
            routes: self.routes,
            upstreams: self.upstreams,
            listeners: self.listeners,
            settings: self.settings
        )
    }

    /// The same snapshot with other process-wide settings (command-line overrides).
    public func withSettings(_ settings: GatewaySettings) -> RuntimeSnapshot {
        RuntimeSnapshot(
            version: self.version,
            routeTable: self.routeTable,
            routes: self.routes,
            upstreams: self.upstreams,
            listeners: self.listeners,
            settings: settings
        )
    }

    /// The upstream with this name.
    public func upstream(named name: String) -> Upstream? {
        self.upstreams.first { $0.name == name }
    }

    /// The listener with this name.
    public func listener(named name: String) -> ListenerSettings? {
        self.listeners.first { $0.name == name }
    }
}

/// Process-wide settings.
public struct GatewaySettings: Sendable {
    /// Admin listener host; nil disables the admin API.
    public var adminHost: String?
    /// Admin listener port.
    public var adminPort: Int
    /// Bearer token required by mutating admin calls.
    public var adminToken: String?
    /// Event loops; nil: one per core.
    public var workers: Int?
    /// Log level name (trace ... critical).
    public var logLevel: String
    /// `text` or `json`.
    public var logFormat: String
    /// Whether each request is logged.
    public var accessLog: Bool
    /// How long a graceful shutdown waits for in-flight requests.
    public var drainTimeout: TimeAmount
    /// Name of a response header that reports the matched route (debugging); nil: off.
    public var debugRouteHeader: String?
    /// The DNS resolver of discovery; nil: the system's.
    public var resolver: ResolverSettings?

    /// Creates settings with the documented defaults.
    public init(
        adminHost: String? = "127.0.0.1",
        adminPort: Int = 9901,
        adminToken: String? = nil,
        workers: Int? = nil,
        logLevel: String = "info",
        logFormat: String = "text",
        accessLog: Bool = true,
        drainTimeout: TimeAmount = .seconds(30),
        debugRouteHeader: String? = nil,
        resolver: ResolverSettings? = nil
    ) {
        self.adminHost = adminHost
        self.adminPort = adminPort
        self.adminToken = adminToken
        self.workers = workers
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.accessLog = accessLog
        self.drainTimeout = drainTimeout
        self.debugRouteHeader = debugRouteHeader
        self.resolver = resolver
    }
}

/// Where DNS discovery asks (`runtime.resolver`).
public struct ResolverSettings: Sendable, Hashable {
    /// The nameservers, in order; empty: the system's (`/etc/resolv.conf`).
    public var nameservers: [SocketAddress]
    /// Time one query may take per nameserver.
    public var timeout: TimeAmount
    /// Rounds over all nameservers.
    public var attempts: Int

    /// Creates resolver settings.
    public init(nameservers: [SocketAddress], timeout: TimeAmount = .seconds(2), attempts: Int = 2) {
        self.nameservers = nameservers
        self.timeout = timeout
        self.attempts = attempts
    }
}
