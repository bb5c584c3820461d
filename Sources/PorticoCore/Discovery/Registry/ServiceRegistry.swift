/// A service registry as the control plane uses it (admin API, upstream discovery).
///
/// ``InMemoryServiceRegistry`` is the embedded default; a cluster implementation keeps
/// instances in etcd with leases (F-61) behind the same protocol. Methods throw
/// ``RegistryError`` for refused input and may throw store errors.
public protocol ServiceRegistry: Sendable {
    /// Registers (or re-registers) an instance; returns it as stored.
    @discardableResult
    func register(_ registration: ServiceRegistration) async throws -> ServiceInstance
    /// Restarts an instance's TTL; throws ``RegistryError/unknownInstance(service:id:)``
    /// when it is not registered (any more).
    @discardableResult
    func heartbeat(service: String, id: String) async throws -> ServiceInstance
    /// Removes an instance; returns it.
    @discardableResult
    func deregister(service: String, id: String) async throws -> ServiceInstance
    /// The live instances of a service, with its version.
    func snapshot(of service: String) async throws -> ServiceSnapshot
    /// Names of the services with live instances, sorted.
    func services() async throws -> [String]
    /// The service's snapshot now and after every change, until the consumer stops
    /// iterating; a slow consumer skips to the newest snapshot.
    func watch(_ service: String) async throws -> AsyncStream<ServiceSnapshot>
    /// Every service's snapshot now, then each service's snapshot after every change to it,
    /// until the consumer stops iterating (service-name routing follows all services).
    func watchAll() async throws -> AsyncStream<ServiceSnapshot>
}
