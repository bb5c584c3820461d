import NIOCore

/// A compiled listener: where to accept and the per-connection limits.
public struct ListenerSettings: Sendable {
    /// The listener's name.
    public var name: String
    /// Host to bind (`0.0.0.0`, `::`, `127.0.0.1`).
    public var host: String
    /// Port to bind (0: ephemeral, for tests).
    public var port: Int
    /// Time allowed to receive a complete request head once its first byte arrived (408).
    public var readHeaderTimeout: TimeAmount
    /// Time a keep-alive connection may sit without a request before it is closed.
    public var idleTimeout: TimeAmount
    /// Largest request head (request line plus headers) accepted (431 beyond).
    public var maxHeaderBytes: Int
    /// Largest request target accepted (414 beyond).
    public var maxURIBytes: Int
    /// Largest request body accepted (413 beyond); routes may lower it.
    public var maxBodyBytes: Int
    /// Open client connections accepted at once; more are closed on accept.
    public var maxConnections: Int
    /// Whether incoming `X-Forwarded-*` values are kept (appended to) or replaced.
    public var trustForwardedHeaders: Bool
    /// Add a `Forwarded` header (RFC 7239) too.
    public var addForwardedHeader: Bool

    /// Creates listener settings with the documented defaults.
    public init(
        name: String,
        host: String,
        port: Int,
        readHeaderTimeout: TimeAmount = .seconds(10),
        idleTimeout: TimeAmount = .seconds(120),
        maxHeaderBytes: Int = 64 * 1024,
        maxURIBytes: Int = 8 * 1024,
        maxBodyBytes: Int = 10 * 1024 * 1024,
        maxConnections: Int = 10_000,
        trustForwardedHeaders: Bool = true,
        addForwardedHeader: Bool = false
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.readHeaderTimeout = readHeaderTimeout
        self.idleTimeout = idleTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.maxURIBytes = maxURIBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxConnections = maxConnections
        self.trustForwardedHeaders = trustForwardedHeaders
        self.addForwardedHeader = addForwardedHeader
    }
}
