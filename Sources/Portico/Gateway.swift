import Atomics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PorticoAdmin
import PorticoConfig
import PorticoCore
import PorticoFilters
import PorticoObservability
import PorticoServer
import ServiceLifecycle
import UnixSignals

/// A running Portico gateway: the data plane listeners, the admin API, and their lifecycle.
///
/// ```swift
/// var registry = FilterRegistry.standard
/// registry.register(MyFilter.Configuration.self)        // your own filter type
/// let gateway = try Gateway(configPath: "portico.yaml", registry: registry)
/// try await gateway.runUntilSignalled()                  // SIGTERM/SIGINT drain and return
/// ```
public final class Gateway: Service, AdminBackend, Sendable {
    /// Holds the snapshot requests read; a reload only needs ``install(_:)``.
    public let store: SnapshotStore
    private let group: MultiThreadedEventLoopGroup
    private let server: GatewayServer
    private let metrics: GatewayMetrics
    private let logger: Logger
    private let controlPlane: ControlPlane
    /// The service registry (`discovery: {registry: NAME}` upstreams follow it; the admin
    /// API's `/registry` endpoints change it).
    public let registry: any ServiceRegistry
    private let ready = ManagedAtomic(false)
    private let state = NIOLockedValueBox(State())

    private struct State {
        var admin: AdminServer?
        var started = false
        var stopped = false
        var nextVersion = 2
    }

    /// A gateway for the config file at `path` (YAML or JSON).
    public convenience init(
        configPath path: String,
        registry: FilterRegistry = FilterRegistry.standard,
        logger: Logger = Logger(label: "portico"),
        accessLogOutput: LineOutput = .standardOutput
    ) throws {
        let loaded = try ConfigLoader(registry: registry).load(path: path)
        self.init(snapshot: loaded.snapshot, logger: logger, accessLogOutput: accessLogOutput)
    }

    /// A gateway for a config built in code.
    public convenience init(
        config: GatewayConfig,
        registry: FilterRegistry = FilterRegistry.standard,
        baseDirectory: String = ".",
        logger: Logger = Logger(label: "portico"),
        accessLogOutput: LineOutput = .standardOutput
    ) throws {
        let snapshot = try ConfigCompiler(registry: registry).compile(config, baseDirectory: baseDirectory)
        self.init(snapshot: snapshot, logger: logger, accessLogOutput: accessLogOutput)
    }

    /// A gateway for an already compiled snapshot. `registry` defaults to an in-memory one.
    public init(
        snapshot: RuntimeSnapshot, logger: Logger = Logger(label: "portico"),
        accessLogOutput: LineOutput = .standardOutput, registry: (any ServiceRegistry)? = nil
    ) {
        let installed = snapshot.withVersion(1)
        self.store = SnapshotStore(installed)
        let workers = installed.settings.workers ?? System.coreCount
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(workers, 1))
        self.logger = logger
        self.server = GatewayServer(
            group: self.group, store: self.store, logger: logger, accessLogOutput: accessLogOutput)
        self.metrics = GatewayMetrics()
        let registry = registry ?? InMemoryServiceRegistry()
        self.registry = registry
        self.controlPlane = ControlPlane(registry: registry, group: self.group, logger: logger)
    }

    // MARK: - Lifecycle

    /// Binds the listeners and the admin API; the gateway serves once this returns.
    public func start() async throws {
        let alreadyStarted = self.state.withLockedValue { state -> Bool in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { return }
        let prepared = try self.controlPlane.prepare(self.store.current)
        await self.controlPlane.prime(prepared)
        self.controlPlane.run(prepared, replacing: nil)
        try await self.server.start()
        let settings = self.store.current.settings
        if let host = settings.adminHost {
            let router = AdminRouter(backend: self)
            let admin = try await AdminServer.start(
                host: host,
                port: settings.adminPort,
                group: self.group,
                router: router,
                logger: self.logger
            )
            self.state.withLockedValue { $0.admin = admin }
        }
        self.ready.store(true, ordering: .releasing)
        self.logger.info(
            "portico ready",
            metadata: [
                "version": "\(PorticoVersion.current)",
                "workers": "\(self.group.makeIterator().reduce(0) { n, _ in n + 1 })",
            ])
    }

    /// Stops gracefully: readiness fails at once, no new connections are accepted, requests
    /// in flight get up to `drain_timeout` to finish, then everything closes.
    public func stop() async {
        let alreadyStopped = self.state.withLockedValue { state -> Bool in
            defer { state.stopped = true }
            return state.stopped
        }
        guard !alreadyStopped else { return }
        self.ready.store(false, ordering: .releasing)
        let timeout = self.store.current.settings.drainTimeout
        self.logger.info("draining", metadata: ["timeout": "\(timeout)"])
        await self.server.drain(timeout: timeout)
        let admin = self.state.withLockedValue { $0.admin }
        await admin?.stop()
        await self.controlPlane.stop()
        try? await self.group.shutdownGracefully()
        self.logger.info("stopped")
    }

    /// `Service`: serves until graceful shutdown is requested, then drains.
    public func run() async throws {
        try await self.start()
        try? await gracefulShutdown()
        await self.stop()
    }

    /// Runs until SIGTERM or SIGINT, then drains and returns.
    public func runUntilSignalled() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: self)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: self.logger
            )
        )
        try await group.run()
    }

    /// Makes a newly compiled snapshot current; requests already running finish on theirs.
    /// Upstreams that stay keep their discovered targets and health verdicts. Throws (and
    /// changes nothing) when a health check cannot be set up (e.g. unreadable TLS files).
    public func install(_ snapshot: RuntimeSnapshot) throws {
        let version = self.state.withLockedValue { state -> Int in
            defer { state.nextVersion += 1 }
            return state.nextVersion
        }
        let next = snapshot.withVersion(version)
        let controllers = try self.controlPlane.prepare(next)
        self.controlPlane.run(controllers, replacing: self.store.current)
        self.store.install(next)
    }

    // MARK: - State

    /// Where each listener is bound, by name (the actual port when the config said 0).
    public var listenerAddresses: [String: SocketAddress] { self.server.boundAddresses }

    /// Where the admin API is bound, if enabled.
    public var adminAddress: SocketAddress? { self.state.withLockedValue { $0.admin?.localAddress } }

    public var isReady: Bool { self.ready.load(ordering: .acquiring) }

    public var currentSnapshot: RuntimeSnapshot { self.store.current }

    public func metricsText() async -> String {
        self.metrics.apply(await self.server.collectMetrics())
        await self.recordUpstreamGauges()
        return self.metrics.render()
    }

    public var serviceRegistry: (any ServiceRegistry)? { self.registry }

    public func upstreamStatus() async -> [UpstreamStatus] {
        let live = await self.server.upstreamLiveStates()
        var upstreams = self.store.current.upstreams
        for route in self.store.current.routes {
            guard case .service(let routing) = route.action else { continue }
            upstreams += routing.directory.upstreams.keys.sorted().compactMap { routing.directory.upstreams[$0] }
        }
        return upstreams.map { upstream in
            UpstreamStatusBuilder.status(
                of: upstream, live: live[upstream.name] ?? UpstreamLiveState(),
                health: self.controlPlane.controller(named: upstream.name)?.health?.statuses())
        }
    }

    /// Target health (1 takes traffic, 0 not) and pool sizes, set at scrape time.
    private func recordUpstreamGauges() async {
        let pools = await self.server.poolSizes()
        for upstream in self.store.current.upstreams {
            let view = upstream.state.view
            for (index, target) in view.targets.enumerated() {
                let labels = [("upstream", upstream.name), ("target", target.authority)]
                self.metrics.setGauge(GatewayMetrics.MetricName.targetHealthy, labels, to: view.healthy[index] ? 1 : 0)
                let pool = pools[target.poolKey] ?? (0, 0)
                self.metrics.setGauge(
                    GatewayMetrics.MetricName.poolConnections, labels + [("state", "idle")], to: pool.idle)
                self.metrics.setGauge(
                    GatewayMetrics.MetricName.poolConnections, labels + [("state", "busy")], to: pool.busy)
            }
        }
    }
}
