import Logging
import NIOCore
import NIOPosix
import PorticoCore

/// One event loop's upstream keep-alive pool: the socket shell around
/// ``ConnectionPoolState``. Connections are opened on this loop, so a client connection and
/// the upstream connections it uses share one thread.
final class UpstreamPool {
    let eventLoop: any EventLoop
    private let logger: Logger
    private var state = ConnectionPoolState<PoolKey, ObjectIdentifier>()
    private var connections: [ObjectIdentifier: UpstreamConnection] = [:]
    private var sweepTask: RepeatedTask?
    private var shuttingDown = false

    init(eventLoop: any EventLoop, logger: Logger) {
        self.eventLoop = eventLoop
        self.logger = logger
    }

    /// How a request gets its connection.
    enum Acquisition {
        /// A pooled connection, ready now.
        case ready(UpstreamConnection)
        /// A new connection, being opened.
        case connecting(EventLoopFuture<UpstreamConnection>.Isolated)
        /// The target is at its connection limit.
        case exhausted
    }

    func start() {
        self.sweepTask = self.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) {
            [weak self] _ in
            self?.closeExpired()
        }
    }

    /// A connection for `plan`'s target.
    func acquire(_ plan: UpstreamPlan) -> Acquisition {
        let key = plan.target.poolKey
        let settings = plan.upstream.pool
        while true {
            switch self.state.acquire(key, settings: settings, fresh: plan.fresh) {
            case .reuse(let id):
                guard let connection = self.connections[id], !connection.isClosed,
                    connection.context?.channel.isActive == true
                else {
                    // Closed while idle but its close event has not run yet: count it gone.
                    if let connection = self.connections.removeValue(forKey: id) { connection.close() }
                    self.state.closed(key, id: id)
                    continue
                }
                return .ready(connection)
            case .exhausted:
                return .exhausted
            case .connect:
                return .connecting(self.connect(plan.target, timeout: plan.upstream.timeouts.connect))
            }
        }
    }

    private func connect(_ target: UpstreamTarget, timeout: TimeAmount) -> EventLoopFuture<UpstreamConnection>.Isolated
    {
        let key = target.poolKey
        let future = ClientBootstrap(group: self.eventLoop)
            .connectTimeout(timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(to: target.address)
        return future.assumeIsolated().flatMapThrowing { channel in
            let connection = UpstreamConnection(key: key, pool: self)
            do {
                try channel.pipeline.syncOperations.addHandler(connection)
            } catch {
                channel.close(promise: nil)
                throw error
            }
            self.connections[connection.id] = connection
            if self.shuttingDown { connection.close() }
            return connection
        }.flatMapErrorThrowing { error in
            self.state.connectFailed(key)
            throw error
        }
    }

    /// An exchange on `connection` finished; park it if `reusable`, else close it.
    func release(_ connection: UpstreamConnection, reusable: Bool, settings: PoolSettings) {
        connection.owner = nil
        connection.exchanges += 1
        guard !connection.isClosed else { return }
        let action = self.state.released(
            connection.key,
            id: connection.id,
            reusable: reusable && !self.shuttingDown,
            settings: settings,
            now: .now()
        )
        if action == .close {
            connection.close()
        } else {
            connection.resumeRead()  // idle connections keep reading, so a close is noticed at once
        }
    }

    /// A connection's socket closed (idle or busy).
    func connectionClosed(_ connection: UpstreamConnection) {
        guard self.connections.removeValue(forKey: connection.id) != nil else { return }
        self.state.closed(connection.key, id: connection.id)
    }

    /// Idle and total connection counts for a target (tests, admin).
    func counts(for address: SocketAddress) -> (idle: Int, total: Int) {
        let key = PoolKey(address: address)
        return (self.state.idleCount(key), self.state.totalCount(key))
    }

    /// Idle and busy connections per target (metrics).
    func sizes() -> [PoolKey: (idle: Int, busy: Int)] {
        self.state.sizes
    }

    private func closeExpired() {
        for id in self.state.expired(now: .now()) {
            self.connections[id]?.close()
        }
    }

    /// Closes idle connections and refuses to park more (graceful shutdown).
    func shutdown() {
        self.shuttingDown = true
        self.sweepTask?.cancel()
        self.sweepTask = nil
        for id in self.state.allIdle {
            self.connections[id]?.close()
        }
    }
}

extension UpstreamPool {
    /// A connection leaves the pool for good to become a tunnel.
    func detachForTunnel(_ connection: UpstreamConnection) {
        self.connectionClosed(connection)
    }
}
