import PorticoCore

/// A redirect answered by the gateway.
public struct RedirectConfig: Sendable, Hashable {
    /// Absolute target URL (`https://docs.example.com`).
    public var to: String
    /// 301, 302, 303, 307 or 308; default 302.
    public var status: Int
    /// Append the (rewritten) request path and query to `to`; default false.
    public var appendPath: Bool

    /// Creates a redirect.
    public init(to: String, status: Int = 302, appendPath: Bool = false) {
        self.to = to
        self.status = status
        self.appendPath = appendPath
    }
}

extension RedirectConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case to, status
        case appendPath = "append_path"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.to = fields.required(.to, or: "")
        self.status = fields.value(.status, default: 302)
        self.appendPath = fields.value(.appendPath, default: false)
        try fields.finish()
    }
}

/// A fixed response answered by the gateway.
public struct RespondConfig: Sendable, Hashable {
    /// Status code; default 200.
    public var status: Int
    /// Body; default empty.
    public var body: String
    /// `Content-Type`; default `text/plain`.
    public var contentType: String
    /// More response headers.
    public var headers: [String: String]

    /// Creates a fixed response.
    public init(
        status: Int = 200,
        body: String = "",
        contentType: String = "text/plain",
        headers: [String: String] = [:]
    ) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }
}

extension RespondConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case status, body
        case contentType = "content_type"
        case headers
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.status = fields.value(.status, default: defaults.status)
        self.body = fields.value(.body, default: defaults.body)
        self.contentType = fields.value(.contentType, default: defaults.contentType)
        self.headers = fields.entries(.headers)
        try fields.finish()
    }
}

/// A path rewrite: `regex` with `replacement` (`$1`, `${name}`, `{param}`), or a `path`
/// template over the route's path parameters (`/v2/users/{id}`).
public struct RewriteConfig: Sendable, Hashable {
    /// Regular expression searched in the path.
    public var regex: String?
    /// What the first match is replaced with.
    public var replacement: String?
    /// A template the whole path is replaced with.
    public var path: String?

    /// Creates a rewrite.
    public init(regex: String? = nil, replacement: String? = nil, path: String? = nil) {
        self.regex = regex
        self.replacement = replacement
        self.path = path
    }
}

extension RewriteConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case regex, replacement, path
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.regex = fields.optional(.regex)
        self.replacement = fields.optional(.replacement)
        self.path = fields.optional(.path)
        try fields.finish()
    }
}

/// Per-route rules for WebSocket and other `Upgrade` requests.
public struct WebSocketConfig: Sendable, Hashable {
    /// Whether upgrades are forwarded; default true.
    public var enabled: Bool
    /// Allowed subprotocols; empty (default): any.
    public var protocols: [String]
    /// Close a tunnel idle for this long; default 300s.
    public var idleTimeout: ConfigDuration
    /// Close a tunnel after this long in any case; default none.
    public var maxLifetime: ConfigDuration?
    /// Largest message in either direction; default none (frames are not inspected).
    public var maxMessageBytes: ByteSize?

    /// Creates a policy with the documented defaults.
    public init(
        enabled: Bool = true,
        protocols: [String] = [],
        idleTimeout: ConfigDuration = .seconds(300),
        maxLifetime: ConfigDuration? = nil,
        maxMessageBytes: ByteSize? = nil
    ) {
        self.enabled = enabled
        self.protocols = protocols
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
        self.maxMessageBytes = maxMessageBytes
    }
}

extension WebSocketConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, protocols
        case idleTimeout = "idle_timeout"
        case maxLifetime = "max_lifetime"
        case maxMessageBytes = "max_message_bytes"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.enabled = fields.value(.enabled, default: defaults.enabled)
        self.protocols = fields.list(.protocols)
        self.idleTimeout = fields.value(.idleTimeout, default: defaults.idleTimeout)
        self.maxLifetime = fields.optional(.maxLifetime)
        self.maxMessageBytes = fields.optional(.maxMessageBytes)
        try fields.finish()
    }
}
