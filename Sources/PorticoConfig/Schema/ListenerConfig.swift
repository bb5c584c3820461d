import PorticoCore

/// A listener: an address where clients connect, and its per-connection limits.
public struct ListenerConfig: Sendable, Hashable {
    /// Unique name (metrics, logs).
    public var name: String
    /// Where to bind: `0.0.0.0:8080`, `[::]:8080`.
    public var address: HostPort
    /// Accepted protocols; only `http1` exists so far.
    public var protocols: [ListenerProtocol]
    /// Connection timeouts.
    public var timeouts: ListenerTimeoutsConfig
    /// Size and connection limits.
    public var limits: ListenerLimitsConfig
    /// Handling of `X-Forwarded-*` / `Forwarded`.
    public var forwarded: ForwardedConfig
    /// Peers (CIDRs) whose `X-Forwarded-For` is believed for the client address.
    public var trustedProxies: [String]
    /// Filters run on every request of this listener, before the route's own.
    public var filters: [String]

    /// Creates a listener with the documented defaults.
    public init(
        name: String,
        address: HostPort,
        protocols: [ListenerProtocol] = [.http1],
        timeouts: ListenerTimeoutsConfig = ListenerTimeoutsConfig(),
        limits: ListenerLimitsConfig = ListenerLimitsConfig(),
        forwarded: ForwardedConfig = ForwardedConfig(),
        trustedProxies: [String] = [],
        filters: [String] = []
    ) {
        self.name = name
        self.address = address
        self.protocols = protocols
        self.timeouts = timeouts
        self.limits = limits
        self.forwarded = forwarded
        self.trustedProxies = trustedProxies
        self.filters = filters
    }
}

extension ListenerConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, address, protocols, tls, timeouts, limits, forwarded, filters
        case trustedProxies = "trusted_proxies"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.name = fields.required(.name, or: "")
        self.address = fields.required(.address, or: HostPort(host: "", port: 0))
        self.protocols = fields.list(.protocols, default: [.http1])
        self.timeouts = fields.value(.timeouts, default: ListenerTimeoutsConfig())
        self.limits = fields.value(.limits, default: ListenerLimitsConfig())
        self.forwarded = fields.value(.forwarded, default: ForwardedConfig())
        self.trustedProxies = fields.list(.trustedProxies, default: [])
        self.filters = fields.list(.filters, default: [])
        fields.refuse(
            .tls,
            "TLS termination is not supported yet",
            hint: "remove 'tls' and terminate TLS in front of Portico for now"
        )
        try fields.finish()
    }
}

/// A protocol a listener speaks.
public enum ListenerProtocol: String, Sendable, Hashable, CaseIterable, Decodable {
    /// HTTP/1.1 (and 1.0).
    case http1
    /// HTTP/2 with prior knowledge over cleartext (not supported yet).
    case h2c
    /// HTTP/2 over TLS (not supported yet).
    case h2

    public init(from decoder: any Decoder) throws {
        self = try Keyword.decode(Self.self, from: decoder, kind: "protocol")
    }
}

/// Listener timeouts.
public struct ListenerTimeoutsConfig: Sendable, Hashable {
    /// Time to receive a whole request head once it started (408 after); default 10s.
    public var readHeader: ConfigDuration
    /// Time an idle keep-alive connection stays open; default 120s.
    public var idle: ConfigDuration
    /// Longest pause between two parts of a request body (408 after); default 60s.
    public var readBody: ConfigDuration

    /// Creates timeouts with the documented defaults.
    public init(
        readHeader: ConfigDuration = .seconds(10),
        idle: ConfigDuration = .seconds(120),
        readBody: ConfigDuration = .seconds(60)
    ) {
        self.readHeader = readHeader
        self.idle = idle
        self.readBody = readBody
    }
}

extension ListenerTimeoutsConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case readHeader = "read_header"
        case idle
        case readBody = "read_body"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.readHeader = fields.value(.readHeader, default: defaults.readHeader)
        self.idle = fields.value(.idle, default: defaults.idle)
        self.readBody = fields.value(.readBody, default: defaults.readBody)
        try fields.finish()
    }
}

/// Listener limits.
public struct ListenerLimitsConfig: Sendable, Hashable {
    /// Largest request head (431 beyond); default 64KiB.
    public var maxHeaderBytes: ByteSize
    /// Largest request target (414 beyond); default 8KiB.
    public var maxURIBytes: ByteSize
    /// Largest request body (413 beyond); default 10MiB.
    public var maxBody: ByteSize
    /// Open client connections at once; default 10000.
    public var maxConnections: Int

    /// Creates limits with the documented defaults.
    public init(
        maxHeaderBytes: ByteSize = .kibibytes(64),
        maxURIBytes: ByteSize = .kibibytes(8),
        maxBody: ByteSize = .mebibytes(10),
        maxConnections: Int = 10_000
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxURIBytes = maxURIBytes
        self.maxBody = maxBody
        self.maxConnections = maxConnections
    }
}

extension ListenerLimitsConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxHeaderBytes = "max_header_bytes"
        case maxURIBytes = "max_uri_bytes"
        case maxBody = "max_body"
        case maxConnections = "max_connections"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.maxHeaderBytes = fields.value(.maxHeaderBytes, default: defaults.maxHeaderBytes)
        self.maxURIBytes = fields.value(.maxURIBytes, default: defaults.maxURIBytes)
        self.maxBody = fields.value(.maxBody, default: defaults.maxBody)
        self.maxConnections = fields.value(.maxConnections, default: defaults.maxConnections)
        try fields.finish()
    }
}

/// Forwarding headers.
public struct ForwardedConfig: Sendable, Hashable {
    /// Keep (append to) incoming `X-Forwarded-*` values rather than replace them; default true.
    public var trustIncoming: Bool
    /// Also add an RFC 7239 `Forwarded` header; default false.
    public var addForwardedHeader: Bool

    /// Creates settings with the documented defaults.
    public init(trustIncoming: Bool = true, addForwardedHeader: Bool = false) {
        self.trustIncoming = trustIncoming
        self.addForwardedHeader = addForwardedHeader
    }
}

extension ForwardedConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case trustIncoming = "trust_incoming"
        case addForwardedHeader = "add_forwarded_header"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.trustIncoming = fields.value(.trustIncoming, default: defaults.trustIncoming)
        self.addForwardedHeader = fields.value(.addForwardedHeader, default: defaults.addForwardedHeader)
        try fields.finish()
    }
}
