import PorticoCore

/// A whole gateway configuration: the typed form of the config file (SPEC §9).
///
/// The loader decodes it from YAML or JSON; a Swift program may also build one in code and
/// compile it with ``ConfigCompiler``. Decoding checks shapes and types; every rule that
/// involves more than one value (names, references, conflicts) is checked by the compiler, so
/// configurations built in code get the same validation.
///
/// Top-level keys starting with `x-` are ignored, so that YAML anchors can be defined there
/// (`x-defaults: &defaults {...}`) and merged where needed (`<<: *defaults`).
public struct GatewayConfig: Sendable {
    /// Where clients connect; at least one.
    public var listeners: [ListenerConfig]
    /// The admin API listener.
    public var admin: AdminConfig
    /// Process settings.
    public var runtime: RuntimeConfig
    /// Logging.
    public var logging: LoggingConfig
    /// Backend services by name.
    public var upstreams: [String: UpstreamConfig]
    /// Routes, in config order (the order breaks precedence ties).
    public var routes: [RouteConfig]
    /// Filter instances by name, attached to routes by name.
    public var filters: [String: FilterConfig]

    /// Positions of the values, when the configuration came from a file.
    var sourceMap = SourceMap()

    /// Creates a configuration; everything but the listeners has a default.
    public init(
        listeners: [ListenerConfig],
        admin: AdminConfig = AdminConfig(),
        runtime: RuntimeConfig = RuntimeConfig(),
        logging: LoggingConfig = LoggingConfig(),
        upstreams: [String: UpstreamConfig] = [:],
        routes: [RouteConfig] = [],
        filters: [String: FilterConfig] = [:]
    ) {
        self.listeners = listeners
        self.admin = admin
        self.runtime = runtime
        self.logging = logging
        self.upstreams = upstreams
        self.routes = routes
        self.filters = filters
    }
}

extension GatewayConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case listeners, admin, runtime, logging, upstreams, routes, filters
    }

    /// Decodes the document root.
    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.listeners = fields.list(.listeners)
        self.admin = fields.value(.admin, default: AdminConfig())
        self.runtime = fields.value(.runtime, default: RuntimeConfig())
        self.logging = fields.value(.logging, default: LoggingConfig())
        self.upstreams = fields.entries(.upstreams)
        self.routes = fields.list(.routes)
        self.filters = fields.entries(.filters)
        try fields.allowExtensionKeys(decoder)
        try fields.finish()
    }
}
