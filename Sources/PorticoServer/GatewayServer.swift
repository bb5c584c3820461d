import Atomics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOPosix
import PorticoCore
import PorticoObservability

#if canImport(Glibc)
    import Glibc
#endif

/// The data plane: binds every listener of the current snapshot on every event loop
/// (`SO_REUSEPORT`, so each loop accepts its own connections), serves them with a
/// ``ProxyHandler``, and drains them on shutdown.
public final class GatewayServer: Sendable {
    /// The event loops.
    public let group: MultiThreadedEventLoopGroup
    /// The snapshot store requests read from.
    public let store: SnapshotStore
    private let logger: Logger
    let runtimes: PerLoop<LoopRuntime>
    let loops: [any EventLoop]
    private let state = NIOLockedValueBox(State())

    private struct State {
        var channels: [(listener: String, channel: any Channel, quiesce: ServerQuiescingHelper)] = []
        var addresses: [String: SocketAddress] = [:]
    }

    /// A server on `group` serving `store`'s snapshots. Access-log lines go to `accessLogOutput`.
    public init(
        group: MultiThreadedEventLoopGroup, store: SnapshotStore, logger: Logger,
        accessLogOutput: LineOutput = .standardOutput
    ) {
        self.group = group
        self.store = store
        self.logger = logger
        let loops = Array(group.makeIterator())
        self.loops = loops
        self.runtimes = PerLoop(loops: loops) { loop in
            LoopRuntime(eventLoop: loop, store: store, logger: logger, accessLogOutput: accessLogOutput)
        }
    }

    /// Binds all listeners; returns when they accept connections.
    public func start() async throws {
        for loop in self.loops {
            try await loop.submit { self.runtimes.value(for: loop).start() }.get()
        }
        for listener in self.store.current.listeners {
            try await self.bind(listener)
        }
    }

    /// The bound address of each listener, by name (the real port when the config said 0).
    public var boundAddresses: [String: SocketAddress] {
        self.state.withLockedValue { $0.addresses }
    }

    private func bind(_ listener: ListenerSettings) async throws {
        let connections = ManagedAtomic(0)
        var port = listener.port
        for loop in self.loops {
            let quiesce = ServerQuiescingHelper(group: loop)
            let bootstrap = ServerBootstrap(group: loop)
                .serverChannelOption(.backlog, value: 4096)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.socketOption(.init(rawValue: SO_REUSEPORT)), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            quiesce.makeServerChannelHandler(channel: channel))
                    }
                }
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { [runtimes = self.runtimes] channel in
                    channel.eventLoop.makeCompletedFuture {
                        if connections.loadThenWrappingIncrement(ordering: .relaxed) >= listener.maxConnections {
                            connections.wrappingDecrement(ordering: .relaxed)
                            throw ChannelError.inputClosed  // refuse: closes the connection at once
                        }
                        channel.closeFuture.whenComplete { _ in connections.wrappingDecrement(ordering: .relaxed) }
                        let runtime = runtimes.value(for: channel.eventLoop)
                        try Self.configureHTTP1(channel: channel, runtime: runtime, listener: listener)
                    }
                }
            let channel = try await bootstrap.bind(host: listener.host, port: port).get()
            if port == 0, let bound = channel.localAddress?.port {
                port = bound  // tests bind :0; the other loops share the port that was picked
            }
            self.state.withLockedValue { state in
                state.channels.append((listener.name, channel, quiesce))
                if state.addresses[listener.name] == nil, let address = channel.localAddress {
                    state.addresses[listener.name] = address
                }
            }
        }
        self.logger.info(
            "listener bound", metadata: ["listener": "\(listener.name)", "address": "\(listener.host):\(port)"])
    }

    /// The pipeline of a client connection: one ``ProxyHandler``, which owns the HTTP/1 codec.
    static func configureHTTP1(channel: any Channel, runtime: LoopRuntime, listener: ListenerSettings) throws {
        let client = ClientInfo(address: channel.remoteAddress, isSecure: false, listener: listener.name)
        try channel.pipeline.syncOperations.addHandler(
            ProxyHandler(runtime: runtime, listener: listener, client: client))
    }

    /// Stops accepting and lets in-flight requests finish (idle keep-alive connections close
    /// at once, busy ones after their response), waiting at most `timeout`. Whatever is still
    /// open afterwards (tunnels, long streams) closes when the event loops shut down.
    public func drain(timeout: TimeAmount) async {
        let channels = self.state.withLockedValue { $0.channels }
        var futures: [EventLoopFuture<Void>] = []
        for entry in channels {
            let promise = entry.channel.eventLoop.makePromise(of: Void.self)
            entry.quiesce.initiateShutdown(promise: promise)
            futures.append(promise.futureResult)
        }
        let all = EventLoopFuture.andAllComplete(futures, on: self.group.any())
        // Whichever comes first: every connection closed (which cancels the deadline), or the deadline.
        let deadline = self.group.any().scheduleTask(in: timeout) {}
        all.whenComplete { _ in deadline.cancel() }
        try? await deadline.futureResult.get()
        // Quiescing helpers fail a promise on deinit, so they must go while the loops still run.
        self.state.withLockedValue { $0.channels.removeAll() }
        for loop in self.loops {
            try? await loop.submit { self.runtimes.value(for: loop).stop() }.get()
        }
    }

    /// Drains every loop's counters (runs on each loop, no locks on the hot path).
    public func collectMetrics() async -> [MetricsDelta] {
        var deltas: [MetricsDelta] = []
        for loop in self.loops {
            if let delta = try? await loop.submit({ self.runtimes.value(for: loop).metrics.drain() }).get() {
                deltas.append(delta)
            }
        }
        return deltas
    }

    /// Idle and total pooled upstream connections to `address`, summed over loops (tests, admin).
    public func poolCounts(for address: SocketAddress) async -> (idle: Int, total: Int) {
        var idle = 0
        var total = 0
        for loop in self.loops {
            if let counts = try? await loop.submit({ self.runtimes.value(for: loop).pool.counts(for: address) }).get() {
                idle += counts.idle
                total += counts.total
            }
        }
        return (idle, total)
    }
}
