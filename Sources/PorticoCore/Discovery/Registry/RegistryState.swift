import NIOCore

/// The rules of a service registry, as a pure state machine (SPEC F-31): instances register
/// with a TTL, keep themselves alive with heartbeats, leave by deregistering or by missing
/// heartbeats (``expire(now:)``). Time is passed in.
///
/// Each service has a version that increases with every change that a client can see
/// (an instance added, removed or changed; heartbeats are not changes), so watchers and
/// upstreams rebuild only when something changed. Versions never go back, not even when a
/// service loses its last instance, so a watcher can always tell old from new.
public struct RegistryState: Sendable {
    /// The limits in force.
    public let settings: RegistrySettings
    private var instancesByService: [String: [String: ServiceInstance]] = [:]
    private var versions: [String: UInt64] = [:]
    /// Increases with every change to any service.
    public private(set) var revision: UInt64 = 0

    /// An empty registry.
    public init(settings: RegistrySettings = RegistrySettings()) {
        self.settings = settings
    }

    /// Registers an instance, or re-registers it (same service and id): its fields are
    /// replaced and its TTL restarts. Returns the instance as stored.
    @discardableResult
    public mutating func register(_ registration: ServiceRegistration, now: NIODeadline) throws(RegistryError)
        -> ServiceInstance
    {
        let valid = try self.validated(registration)
        let existing = self.instancesByService[valid.service]?[valid.id]
        if existing == nil, (self.instancesByService[valid.service]?.count ?? 0) >= self.settings.maxInstancesPerService
        {
            throw .tooManyInstances(service: valid.service, limit: self.settings.maxInstancesPerService)
        }
        let instance = ServiceInstance(
            id: valid.id,
            service: valid.service,
            version: valid.version,
            address: valid.address,
            port: valid.port,
            scheme: valid.scheme,
            metadata: valid.metadata,
            ttl: valid.ttl ?? self.settings.defaultTTL,
            registeredAt: existing?.registeredAt ?? now,
            lastHeartbeat: now
        )
        self.instancesByService[valid.service, default: [:]][valid.id] = instance
        if let existing, existing.sameContent(as: instance) { return instance }
        self.changed(valid.service)
        return instance
    }

    /// A heartbeat from an instance: its TTL restarts at `now`.
    @discardableResult
    public mutating func heartbeat(service: String, id: String, now: NIODeadline) throws(RegistryError)
        -> ServiceInstance
    {
        guard var instance = self.instancesByService[service]?[id] else {
            throw .unknownInstance(service: service, id: id)
        }
        instance.lastHeartbeat = now
        self.instancesByService[service]![id] = instance
        return instance
    }

    /// Removes an instance; returns it.
    @discardableResult
    public mutating func deregister(service: String, id: String) throws(RegistryError) -> ServiceInstance {
        guard let instance = self.remove(service: service, id: id) else {
            throw .unknownInstance(service: service, id: id)
        }
        return instance
    }

    /// Removes the instances whose TTL ran out by `now` (expiry at or before it); returns them.
    public mutating func expire(now: NIODeadline) -> [ServiceInstance] {
        var expired: [ServiceInstance] = []
        for (service, instances) in self.instancesByService {
            for instance in instances.values where instance.expiresAt <= now {
                expired.append(instance)
                _ = self.remove(service: service, id: instance.id)
            }
        }
        return expired.sorted { ($0.service, $0.id) < ($1.service, $1.id) }
    }

    /// The earliest time an instance expires (when to run ``expire(now:)`` next); nil when
    /// the registry is empty.
    public var nextExpiry: NIODeadline? {
        var earliest: NIODeadline?
        for instances in self.instancesByService.values {
            for instance in instances.values {
                earliest = min(earliest ?? instance.expiresAt, instance.expiresAt)
            }
        }
        return earliest
    }

    /// The live instances of `service`, sorted by id.
    public func instances(of service: String) -> [ServiceInstance] {
        (self.instancesByService[service]?.values).map { $0.sorted { $0.id < $1.id } } ?? []
    }

    /// One instance, if registered.
    public func instance(service: String, id: String) -> ServiceInstance? {
        self.instancesByService[service]?[id]
    }

    /// The version of `service`: 0 if it never had an instance.
    public func version(of service: String) -> UInt64 {
        self.versions[service] ?? 0
    }

    /// The instances of `service` with its version.
    public func snapshot(of service: String) -> ServiceSnapshot {
        ServiceSnapshot(service: service, version: self.version(of: service), instances: self.instances(of: service))
    }

    /// Names of the services with at least one live instance, sorted.
    public var services: [String] {
        self.instancesByService.keys.sorted()
    }

    private mutating func remove(service: String, id: String) -> ServiceInstance? {
        guard let instance = self.instancesByService[service]?.removeValue(forKey: id) else { return nil }
        if self.instancesByService[service]?.isEmpty == true { self.instancesByService[service] = nil }
        self.changed(service)
        return instance
    }

    private mutating func changed(_ service: String) {
        self.versions[service, default: 0] += 1
        self.revision += 1
    }
}
