import PorticoCore

/// Process settings.
public struct RuntimeConfig: Sendable, Hashable {
    /// Event loops; nil (the default) means one per core.
    public var workers: Int?
    /// How long a graceful shutdown waits for in-flight requests; default 30s.
    public var drainTimeout: ConfigDuration
    /// Name of an opt-in debug response header that names the matched route; nil (default): off.
    public var routeHeader: String?

    /// Creates settings with the documented defaults.
    public init(workers: Int? = nil, drainTimeout: ConfigDuration = .seconds(30), routeHeader: String? = nil) {
        self.workers = workers
        self.drainTimeout = drainTimeout
        self.routeHeader = routeHeader
    }
}

extension RuntimeConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case workers
        case drainTimeout = "drain_timeout"
        case routeHeader = "route_header"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.workers = fields.optional(.workers)
        self.drainTimeout = fields.value(.drainTimeout, default: RuntimeConfig().drainTimeout)
        self.routeHeader = fields.optional(.routeHeader)
        try fields.finish()
    }
}
