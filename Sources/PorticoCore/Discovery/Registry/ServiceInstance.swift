import NIOCore

/// A registered instance of a service, as the registry holds it.
public struct ServiceInstance: Sendable, Hashable {
    /// The instance's id, unique within its service.
    public var id: String
    /// The service's name.
    public var service: String
    /// The instance's release; may be empty.
    public var version: String
    /// Host name or IP address (IPv6 without brackets).
    public var address: String
    /// TCP port.
    public var port: Int
    /// How to talk to it.
    public var scheme: InstanceScheme
    /// Free-form labels.
    public var metadata: [String: String]
    /// How long it stays without a heartbeat.
    public var ttl: TimeAmount
    /// When it first registered.
    public var registeredAt: NIODeadline
    /// Its latest registration or heartbeat.
    public var lastHeartbeat: NIODeadline

    /// When it expires unless a heartbeat comes first.
    public var expiresAt: NIODeadline { self.lastHeartbeat + self.ttl }

    /// `address:port`, with brackets around an IPv6 address (a target identity for
    /// balancers and the authority of a target URL).
    public var authority: String {
        self.address.contains(":") ? "[\(self.address)]:\(self.port)" : "\(self.address):\(self.port)"
    }

    /// The target URL (`http://10.0.0.5:8080`); gRPC schemes map to `h2c`/`https`.
    public var url: String {
        let scheme =
            switch self.scheme {
            case .http: "http"
            case .https, .grpcs: "https"
            case .h2c, .grpc: "h2c"
            }
        return "\(scheme)://\(self.authority)"
    }

    /// Whether `other` describes the same instance in everything a client sees (times aside).
    public func sameContent(as other: ServiceInstance) -> Bool {
        self.id == other.id && self.service == other.service && self.version == other.version
            && self.address == other.address && self.port == other.port && self.scheme == other.scheme
            && self.metadata == other.metadata && self.ttl == other.ttl
    }
}
