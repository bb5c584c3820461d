import NIOCore

/// The rules of one event loop's upstream keep-alive pool, as a pure state machine.
///
/// Per target (`Key`): a LIFO stack of idle connections (the warmest is reused first, so
/// the coldest age out), a count of all connections (idle, busy and connecting) bounded by
/// `maxConnectionsPerTarget`, at most `maxIdlePerTarget` idle ones, and an idle timeout.
/// The shell that owns the sockets reports events and carries out the returned actions;
/// time is passed in.
///
/// Generic over key and connection id for tests; `@inlinable` so the socket shell gets a
/// version specialised to its concrete types (an unspecialised generic looks up type
/// metadata at run time on every call).
public struct ConnectionPoolState<Key: Hashable, ID: Hashable> {
    @usableFromInline
    struct IdleConnection {
        @usableFromInline var id: ID
        @usableFromInline var since: NIODeadline
        @usableFromInline var timeout: TimeAmount

        @inlinable
        init(id: ID, since: NIODeadline, timeout: TimeAmount) {
            self.id = id
            self.since = since
            self.timeout = timeout
        }
    }

    @usableFromInline
    struct TargetState {
        @usableFromInline var idle: [IdleConnection] = []
        @usableFromInline var total = 0

        @inlinable
        init() {}
    }

    @usableFromInline
    var targets: [Key: TargetState] = [:]

    /// An empty pool.
    @inlinable
    public init() {}

    /// What to do for a request that needs a connection.
    public enum AcquireAction: Equatable {
        /// Use this idle connection (it is now busy).
        case reuse(ID)
        /// Open a new connection (already counted).
        case connect
        /// The target has `maxConnectionsPerTarget` connections: refuse the request.
        case exhausted
    }

    /// What to do with a connection whose exchange finished.
    public enum ReleaseAction: Equatable {
        /// Keep it idle for the next request.
        case park
        /// Close it.
        case close
    }

    /// A request needs a connection to `key`; `fresh` forbids reuse (upgrades, replays).
    @inlinable
    public mutating func acquire(_ key: Key, settings: PoolSettings, fresh: Bool = false) -> AcquireAction {
        // Mutated in place through the dictionary: copying the state out would copy its
        // idle array on every request.
        if !fresh, let connection = self.targets[key]?.idle.popLast() {
            return .reuse(connection.id)
        }
        if (self.targets[key]?.total ?? 0) >= settings.maxConnectionsPerTarget {
            return .exhausted
        }
        self.targets[key, default: TargetState()].total += 1
        return .connect
    }

    /// A connect that ``acquire(_:settings:fresh:)`` asked for failed.
    @inlinable
    public mutating func connectFailed(_ key: Key) {
        self.targets[key]?.total -= 1
        self.dropIfEmpty(key)
    }

    /// A busy connection finished its exchange; `reusable` if it can carry another one.
    @inlinable
    public mutating func released(_ key: Key, id: ID, reusable: Bool, settings: PoolSettings, now: NIODeadline)
        -> ReleaseAction
    {
        guard reusable, let idleCount = self.targets[key]?.idle.count, idleCount < settings.maxIdlePerTarget else {
            return .close
        }
        self.targets[key]!.idle.append(IdleConnection(id: id, since: now, timeout: settings.idleTimeout))
        return .park
    }

    /// A connection (idle or busy) closed; call exactly once per connection that was opened.
    @inlinable
    public mutating func closed(_ key: Key, id: ID) {
        guard var state = self.targets[key] else { return }
        state.idle.removeAll { $0.id == id }
        state.total -= 1
        self.targets[key] = state
        self.dropIfEmpty(key)
    }

    /// Idle connections that have waited longer than their timeout; close them (their
    /// `closed` follows when the socket closes).
    @inlinable
    public mutating func expired(now: NIODeadline) -> [ID] {
        var result: [ID] = []
        for key in Array(self.targets.keys) {
            guard var state = self.targets[key], !state.idle.isEmpty else { continue }
            let before = state.idle.count
            state.idle.removeAll { connection in
                if now - connection.since >= connection.timeout {
                    result.append(connection.id)
                    return true
                }
                return false
            }
            if state.idle.count != before { self.targets[key] = state }
        }
        return result
    }

    /// Idle connections to `key`.
    @inlinable
    public func idleCount(_ key: Key) -> Int { self.targets[key]?.idle.count ?? 0 }

    /// All connections (idle, busy, connecting) to `key`.
    @inlinable
    public func totalCount(_ key: Key) -> Int { self.targets[key]?.total ?? 0 }

    /// Idle and busy (including connecting) connections of every target (metrics).
    public var sizes: [Key: (idle: Int, busy: Int)] {
        self.targets.mapValues { ($0.idle.count, $0.total - $0.idle.count) }
    }

    /// Every idle connection, e.g. to close them all at shutdown.
    @inlinable
    public var allIdle: [ID] { self.targets.values.flatMap { $0.idle.map(\.id) } }

    @inlinable
    mutating func dropIfEmpty(_ key: Key) {
        if let state = self.targets[key], state.total <= 0, state.idle.isEmpty {
            self.targets[key] = nil
        }
    }
}
