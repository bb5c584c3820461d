import NIOCore
import PorticoCore

/// Turns a ``GatewayConfig`` into the immutable ``RuntimeSnapshot`` the data plane runs on,
/// checking every rule that spans more than one value (names, references, conflicts, route
/// patterns) and building each filter once.
///
/// Compiling is control-plane work: target host names are resolved here (blocking), so the
/// data plane never waits on DNS.
public struct ConfigCompiler: Sendable {
    /// Resolves a target host name to an address; the default uses the system resolver.
    public typealias HostResolver = @Sendable (_ host: String, _ port: Int) throws -> SocketAddress

    /// The filter types configs may use.
    public var registry: FilterRegistry
    /// How target host names are resolved (tests inject a fake).
    public var resolveHost: HostResolver

    /// The system resolver (`getaddrinfo`, blocking).
    public static let systemResolver: HostResolver = { host, port in
        try SocketAddress.makeAddressResolvingHost(host, port: port)
    }

    /// Creates a compiler.
    public init(registry: FilterRegistry, resolveHost: @escaping HostResolver = ConfigCompiler.systemResolver) {
        self.registry = registry
        self.resolveHost = resolveHost
    }

    /// Compiles a configuration into a snapshot with version 0 (the gateway numbers the
    /// snapshots it installs). `baseDirectory` resolves relative file paths in filter settings.
    public func compile(_ config: GatewayConfig, baseDirectory: String = ".") throws(ConfigErrors) -> RuntimeSnapshot {
        var compilation = Compilation(
            config: config,
            registry: self.registry,
            resolveHost: self.resolveHost,
            baseDirectory: baseDirectory
        )
        guard let snapshot = compilation.run() else {
            throw ConfigErrors(compilation.diagnostics.errors)
        }
        return snapshot
    }
}

/// One run of the compiler: the sections are compiled in dependency order (upstreams and
/// filters before the routes that refer to them), each collecting all of its errors.
struct Compilation {
    let config: GatewayConfig
    let registry: FilterRegistry
    let resolveHost: ConfigCompiler.HostResolver
    let baseDirectory: String
    var diagnostics: Diagnostics
    /// Sorted names for "did you mean" hints, computed once rather than per dangling reference.
    let definedUpstreamNames: [String]
    let definedFilterNames: [String]

    init(
        config: GatewayConfig,
        registry: FilterRegistry,
        resolveHost: @escaping ConfigCompiler.HostResolver,
        baseDirectory: String
    ) {
        self.config = config
        self.registry = registry
        self.resolveHost = resolveHost
        self.baseDirectory = baseDirectory
        self.diagnostics = Diagnostics(sourceMap: config.sourceMap)
        self.definedUpstreamNames = config.upstreams.keys.sorted()
        self.definedFilterNames = config.filters.keys.sorted()
    }

    /// The snapshot, or nil with ``diagnostics`` holding the reasons.
    mutating func run() -> RuntimeSnapshot? {
        let settings = self.compileSettings()
        let filters = self.compileFilters()
        let listeners = self.compileListeners(filters: filters)
        let upstreams = self.compileUpstreams()
        let (specs, routes) = self.compileRoutes(upstreams: upstreams, filters: filters)
        guard self.diagnostics.errors.isEmpty else { return nil }
        let table: RouteTable
        do {
            table = try RouteTable(routes: specs)
        } catch let issue as ConfigIssue {
            // Each route was checked on its own; this only fires for a rule across routes.
            self.diagnostics.issue(issue, at: ConfigPath.root.key("routes"))
            return nil
        } catch {
            self.diagnostics.error(ConfigPath.root.key("routes"), "cannot build the route table: \(error)")
            return nil
        }
        return RuntimeSnapshot(
            version: 0,
            routeTable: table,
            routes: routes,
            upstreams: upstreams,
            listeners: listeners,
            settings: settings
        )
    }
}
