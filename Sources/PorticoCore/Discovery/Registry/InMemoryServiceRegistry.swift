import NIOCore

/// The embedded service registry: ``RegistryState`` in an actor, with watchers.
///
/// Time comes from `now` (a manual clock in tests). Expiry runs before every read and
/// write, so no caller sees an expired instance, and ``runExpiry(every:clock:)`` also
/// sweeps on a schedule so watchers hear of expiries without waiting for other traffic.
public actor InMemoryServiceRegistry: ServiceRegistry {
    private var state: RegistryState
    private let now: @Sendable () -> NIODeadline
    private var watchers: [String: [Int: AsyncStream<ServiceSnapshot>.Continuation]] = [:]
    private var nextWatcherID = 0

    /// An empty registry.
    public init(
        settings: RegistrySettings = RegistrySettings(),
        now: @escaping @Sendable () -> NIODeadline = { NIODeadline.now() }
    ) {
        self.state = RegistryState(settings: settings)
        self.now = now
    }

    @discardableResult
    public func register(_ registration: ServiceRegistration) throws(RegistryError) -> ServiceInstance {
        self.sweep()
        let before = self.state.version(of: registration.service)
        let instance = try self.state.register(registration, now: self.now())
        self.notifyIfChanged(registration.service, since: before)
        return instance
    }

    @discardableResult
    public func heartbeat(service: String, id: String) throws(RegistryError) -> ServiceInstance {
        self.sweep()
        return try self.state.heartbeat(service: service, id: id, now: self.now())
    }

    @discardableResult
    public func deregister(service: String, id: String) throws(RegistryError) -> ServiceInstance {
        self.sweep()
        let instance = try self.state.deregister(service: service, id: id)
        self.notify(service)
        return instance
    }

    public func snapshot(of service: String) -> ServiceSnapshot {
        self.sweep()
        return self.state.snapshot(of: service)
    }

    public func services() -> [String] {
        self.sweep()
        return self.state.services
    }

    public func watch(_ service: String) -> AsyncStream<ServiceSnapshot> {
        self.sweep()
        let (stream, continuation) = AsyncStream.makeStream(
            of: ServiceSnapshot.self, bufferingPolicy: .bufferingNewest(1))
        let id = self.nextWatcherID
        self.nextWatcherID += 1
        self.watchers[service, default: [:]][id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeWatcher(service: service, id: id) }
        }
        continuation.yield(self.state.snapshot(of: service))
        return stream
    }

    public func watchAll() -> AsyncStream<ServiceSnapshot> {
        self.sweep()
        // Unbounded: every service's latest snapshot matters, not only the newest event.
        let (stream, continuation) = AsyncStream.makeStream(of: ServiceSnapshot.self)
        let id = self.nextWatcherID
        self.nextWatcherID += 1
        self.watchers[Self.everyService, default: [:]][id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeWatcher(service: Self.everyService, id: id) }
        }
        for service in self.state.services { continuation.yield(self.state.snapshot(of: service)) }
        return stream
    }

    /// The watcher key of ``watchAll()``: not a valid service name, so it cannot collide.
    private static let everyService = "*"

    /// Removes the instances whose TTL ran out and tells their watchers; returns them.
    @discardableResult
    public func expire() -> [ServiceInstance] {
        self.sweep()
    }

    /// When the next instance expires; nil when the registry is empty.
    public var nextExpiry: NIODeadline? { self.state.nextExpiry }

    /// Sweeps expired instances every `interval` until the task is cancelled (run it from
    /// the control plane's service group).
    public func runExpiry(every interval: Duration = .seconds(1), clock: some Clock<Duration> = ContinuousClock()) async
    {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: interval)
            } catch {
                return
            }
            self.sweep()
        }
    }

    /// Ends every watcher's stream (shutdown).
    public func finishWatchers() {
        for continuations in self.watchers.values {
            for continuation in continuations.values { continuation.finish() }
        }
        self.watchers = [:]
    }

    /// Watchers of `service` (for tests and the admin API).
    public func watcherCount(of service: String) -> Int {
        self.watchers[service]?.count ?? 0
    }

    @discardableResult
    private func sweep() -> [ServiceInstance] {
        let expired = self.state.expire(now: self.now())
        for service in Set(expired.map(\.service)) { self.notify(service) }
        return expired
    }

    private func notifyIfChanged(_ service: String, since version: UInt64) {
        if self.state.version(of: service) != version { self.notify(service) }
    }

    private func notify(_ service: String) {
        let continuations =
            Array((self.watchers[service] ?? [:]).values) + Array((self.watchers[Self.everyService] ?? [:]).values)
        guard !continuations.isEmpty else { return }
        let snapshot = self.state.snapshot(of: service)
        for continuation in continuations { continuation.yield(snapshot) }
    }

    private func removeWatcher(service: String, id: Int) {
        self.watchers[service]?[id] = nil
        if self.watchers[service]?.isEmpty == true { self.watchers[service] = nil }
    }
}
