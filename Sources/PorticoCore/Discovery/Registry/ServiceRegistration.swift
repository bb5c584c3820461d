import NIOCore

/// What a service sends to register one of its instances (checked by ``RegistryState``).
public struct ServiceRegistration: Sendable, Hashable {
    /// The instance's id, unique within its service (`users-7f9c`, `10.0.0.5:8080`).
    public var id: String
    /// The service's name (`users`): lower-case letters, digits, `-`, `_`, `.`.
    public var service: String
    /// The instance's release (`1.4.2`); may be empty.
    public var version: String
    /// Host name or IP address (IPv6 with or without brackets).
    public var address: String
    /// TCP port, 1...65535.
    public var port: Int
    /// How to talk to it; default ``InstanceScheme/http``.
    public var scheme: InstanceScheme
    /// Free-form labels (`zone: eu-west-1a`).
    public var metadata: [String: String]
    /// How long the instance stays without a heartbeat; nil: the registry's default.
    public var ttl: TimeAmount?

    /// Creates a registration.
    public init(
        id: String,
        service: String,
        version: String = "",
        address: String,
        port: Int,
        scheme: InstanceScheme = .http,
        metadata: [String: String] = [:],
        ttl: TimeAmount? = nil
    ) {
        self.id = id
        self.service = service
        self.version = version
        self.address = address
        self.port = port
        self.scheme = scheme
        self.metadata = metadata
        self.ttl = ttl
    }
}
