import PorticoCore

/// A route: which requests it matches and what it does with them.
///
/// Exactly one action: `upstream` (proxy), `redirect` or `respond`.
public struct RouteConfig: Sendable, Hashable {
    /// Unique name (metrics, logs, route explanations).
    public var name: String
    /// What the route matches; the default matches every request.
    public var match: RouteMatchConfig
    /// Explicit precedence: higher wins over every other rule; default 0.
    public var priority: Int
    /// Proxy to the upstream with this name.
    public var upstream: String?
    /// Answer with a redirect.
    public var redirect: RedirectConfig?
    /// Answer with a fixed response.
    public var respond: RespondConfig?
    /// Proxy to the registry service named by the first path segment.
    public var serviceRouting: ServiceRoutingConfig?
    /// Remove this literal prefix (on a segment boundary) from the upstream path.
    public var stripPrefix: String?
    /// Put this literal prefix in front of the upstream path.
    public var addPrefix: String?
    /// Rewrite the upstream path with a regex or a template.
    public var rewrite: RewriteConfig?
    /// Send the client's `Host` upstream (true, default) or the target's (false).
    public var preserveHost: Bool
    /// A fixed `Host` for the upstream request.
    public var hostRewrite: String?
    /// Total time for the request; default none.
    public var timeout: ConfigDuration?
    /// WebSocket / `Upgrade` policy; nil: the defaults (enabled, any subprotocol, 300s idle).
    public var websocket: WebSocketConfig?
    /// Names of filters to run, in order.
    public var filters: [String]
    /// Let the upstream's retries apply to non-idempotent methods too; default false.
    public var retryNonIdempotent: Bool

    /// Creates a route.
    public init(
        name: String,
        match: RouteMatchConfig = RouteMatchConfig(),
        priority: Int = 0,
        upstream: String? = nil,
        redirect: RedirectConfig? = nil,
        respond: RespondConfig? = nil,
        stripPrefix: String? = nil,
        addPrefix: String? = nil,
        rewrite: RewriteConfig? = nil,
        preserveHost: Bool = true,
        hostRewrite: String? = nil,
        timeout: ConfigDuration? = nil,
        websocket: WebSocketConfig? = nil,
        filters: [String] = [],
        retryNonIdempotent: Bool = false,
        serviceRouting: ServiceRoutingConfig? = nil
    ) {
        self.name = name
        self.match = match
        self.priority = priority
        self.upstream = upstream
        self.redirect = redirect
        self.respond = respond
        self.stripPrefix = stripPrefix
        self.addPrefix = addPrefix
        self.rewrite = rewrite
        self.preserveHost = preserveHost
        self.hostRewrite = hostRewrite
        self.timeout = timeout
        self.websocket = websocket
        self.filters = filters
        self.retryNonIdempotent = retryNonIdempotent
        self.serviceRouting = serviceRouting
    }
}

extension RouteConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, match, priority, upstream, redirect, respond
        case stripPrefix = "strip_prefix"
        case addPrefix = "add_prefix"
        case rewrite
        case preserveHost = "preserve_host"
        case hostRewrite = "host_rewrite"
        case timeout, websocket, filters
        case retryNonIdempotent = "retry_non_idempotent"
        case serviceRouting = "service_routing"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.name = fields.required(.name, or: "")
        self.match = fields.value(.match, default: RouteMatchConfig())
        self.priority = fields.value(.priority, default: 0)
        self.upstream = fields.optional(.upstream)
        self.redirect = fields.optional(.redirect)
        self.respond = fields.optional(.respond)
        self.stripPrefix = fields.optional(.stripPrefix)
        self.addPrefix = fields.optional(.addPrefix)
        self.rewrite = fields.optional(.rewrite)
        self.preserveHost = fields.value(.preserveHost, default: true)
        self.hostRewrite = fields.optional(.hostRewrite)
        self.timeout = fields.optional(.timeout)
        self.websocket = fields.optional(.websocket)
        self.filters = fields.list(.filters)
        self.retryNonIdempotent = fields.value(.retryNonIdempotent, default: false)
        self.serviceRouting = fields.optional(.serviceRouting)
        try fields.finish()
    }
}

/// What a route matches. Every given condition must hold.
public struct RouteMatchConfig: Sendable, Hashable {
    /// Host patterns (`api.example.com`, `*.example.org`); empty: any host.
    public var hosts: [String]
    /// A path template: `/users/{id}`, `/static/**`, `/files/*`, or an exact path.
    public var path: String?
    /// A literal path prefix, matched on segment boundaries.
    public var pathPrefix: String?
    /// A regular expression over the path (the last resort in precedence).
    public var pathRegex: String?
    /// Allowed methods (uppercase tokens); nil: any.
    public var methods: [String]?
    /// Header conditions: name → exact value.
    public var headers: [String: String]
    /// Query-parameter conditions: name → exact value.
    public var query: [String: String]

    /// Creates a match; the defaults match every request.
    public init(
        hosts: [String] = [],
        path: String? = nil,
        pathPrefix: String? = nil,
        pathRegex: String? = nil,
        methods: [String]? = nil,
        headers: [String: String] = [:],
        query: [String: String] = [:]
    ) {
        self.hosts = hosts
        self.path = path
        self.pathPrefix = pathPrefix
        self.pathRegex = pathRegex
        self.methods = methods
        self.headers = headers
        self.query = query
    }
}

extension RouteMatchConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case hosts, path
        case pathPrefix = "path_prefix"
        case pathRegex = "path_regex"
        case methods, headers, query
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.hosts = fields.list(.hosts)
        self.path = fields.optional(.path)
        self.pathPrefix = fields.optional(.pathPrefix)
        self.pathRegex = fields.optional(.pathRegex)
        self.methods = fields.isPresent(.methods) ? fields.list(.methods) : nil
        self.headers = fields.entries(.headers)
        self.query = fields.entries(.query)
        try fields.finish()
    }
}

/// `service_routing`: the first path segment names a registry service (SPEC F-13).
public struct ServiceRoutingConfig: Sendable, Hashable {
    /// Remove the service segment from the upstream path; default false.
    public var strip: Bool
    /// Settings of every service's upstream: the keys of an upstream except `targets`,
    /// `discovery`, `health_check` and `tls`; default the upstream defaults.
    public var upstream: UpstreamConfig?

    /// Creates service routing settings.
    public init(strip: Bool = false, upstream: UpstreamConfig? = nil) {
        self.strip = strip
        self.upstream = upstream
    }
}

extension ServiceRoutingConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case strip, upstream
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.strip = fields.value(.strip, default: false)
        self.upstream = fields.optional(.upstream)
        try fields.finish()
    }
}
