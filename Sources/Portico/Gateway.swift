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

    /// A gateway for an already compiled snapshot.
    public init(
        snapshot: RuntimeSnapshot, logger: Logger = Logger(label: "portico"),
        accessLogOutput: LineOutput = .standardOutput
    ) {
        let installed = snapshot.withVersion(1)
        self.store = SnapshotStore(installed)
        let workers = installed.settings.workers ?? System.coreCount
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(workers, 1))
        self.logger = logger
        self.server = GatewayServer(
            group: self.group, store: self.store, logger: logger, accessLogOutput: accessLogOutput)
        self.metrics = GatewayMetrics()
    }

    // MARK: - Lifecycle

    /// Binds the listeners and the admin API; the gateway serves once this returns.
    public func start() async throws {
        let alreadyStarted = self.state.withLockedValue { state -> Bool in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { return }
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
    public func install(_ snapshot: RuntimeSnapshot) {
        let version = self.state.withLockedValue { state -> Int in
            defer { state.nextVersion += 1 }
            return state.nextVersion
        }
        self.store.install(snapshot.withVersion(version))
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
        return self.metrics.render()
    }
}
