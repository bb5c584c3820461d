/// A service's instances at one version of the registry.
public struct ServiceSnapshot: Sendable, Hashable {
    /// The service's name.
    public var service: String
    /// Increases with every change to the service's instances (never reset, not even when
    /// the last instance leaves); 0 for a service never seen.
    public var version: UInt64
    /// The live instances, sorted by id.
    public var instances: [ServiceInstance]

    /// Creates a snapshot.
    public init(service: String, version: UInt64, instances: [ServiceInstance]) {
        self.service = service
        self.version = version
        self.instances = instances
    }
}
