import PorticoCore

/// Process settings.
public struct RuntimeConfig: Sendable, Hashable {
    /// Event loops; nil (the default) means one per core.
    public var workers: Int?
    /// How long a graceful shutdown waits for in-flight requests; default 30s.
    public var drainTimeout: ConfigDuration
    /// Name of an opt-in debug response header that names the matched route; nil (default): off.
    public var routeHeader: String?
    /// The DNS resolver of discovery and host-name targets; default: the system's
    /// (`/etc/resolv.conf`).
    public var resolver: ResolverConfig?

    /// Creates settings with the documented defaults.
    public init(
        workers: Int? = nil, drainTimeout: ConfigDuration = .seconds(30), routeHeader: String? = nil,
        resolver: ResolverConfig? = nil
    ) {
        self.workers = workers
        self.drainTimeout = drainTimeout
        self.routeHeader = routeHeader
        self.resolver = resolver
    }
}

/// `runtime.resolver`: where DNS discovery asks.
public struct ResolverConfig: Sendable, Hashable {
    /// Nameservers as `ip:port` (`127.0.0.1:53`, `[::1]:53`); at least one when given.
    /// nil (the key left out): the system's (`/etc/resolv.conf`).
    public var nameservers: [HostPort]?
    /// Time one query may take per nameserver; default 2s.
    public var timeout: ConfigDuration
    /// Rounds over all nameservers before a lookup fails; default 2.
    public var attempts: Int

    /// Creates resolver settings with the documented defaults.
    public init(nameservers: [HostPort]? = nil, timeout: ConfigDuration = .seconds(2), attempts: Int = 2) {
        self.nameservers = nameservers
        self.timeout = timeout
        self.attempts = attempts
    }
}

extension ResolverConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case nameservers, timeout, attempts
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.nameservers = fields.optional(.nameservers)
        self.timeout = fields.value(.timeout, default: .seconds(2))
        self.attempts = fields.value(.attempts, default: 2)
        try fields.finish()
    }
}

extension RuntimeConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case workers
        case drainTimeout = "drain_timeout"
        case routeHeader = "route_header"
        case resolver
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.workers = fields.optional(.workers)
        self.drainTimeout = fields.value(.drainTimeout, default: RuntimeConfig().drainTimeout)
        self.routeHeader = fields.optional(.routeHeader)
        self.resolver = fields.optional(.resolver)
        try fields.finish()
    }
}
