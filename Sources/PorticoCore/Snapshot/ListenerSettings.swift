import NIOCore
import PorticoHTTP

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
    /// Longest pause allowed between two parts of a request body (408 or close after).
    public var readBodyTimeout: TimeAmount
    /// Largest request head (request line plus headers) accepted (431 beyond).
    public var maxHeaderBytes: Int
    /// Largest request target accepted (414 beyond).
    public var maxURIBytes: Int
    /// Largest request body accepted (413 beyond); routes may lower it.
    public var maxBodyBytes: Int
    /// Open client connections accepted at once; more are closed on accept.
    public var maxConnections: Int
    /// Whether incoming `X-Forwarded-*` values may be kept (appended to) rather than
    /// replaced; see ``appendsToForwardedFor(from:)`` and ``keepsForwardedProtoAndHost(from:)``.
    public var trustForwardedHeaders: Bool
    /// Add a `Forwarded` header (RFC 7239) too.
    public var addForwardedHeader: Bool
    /// Peers whose `X-Forwarded-For` is believed for the client address; when non-empty,
    /// incoming `X-Forwarded-*` fields from other peers are replaced, not appended to.
    public var trustedProxies: [CIDR]
    /// Filters that run on every request of this listener, before the route's own.
    public var filters: [NamedFilter]

    /// Creates listener settings with the documented defaults.
    public init(
        name: String,
        host: String,
        port: Int,
        readHeaderTimeout: TimeAmount = .seconds(10),
        idleTimeout: TimeAmount = .seconds(120),
        readBodyTimeout: TimeAmount = .seconds(60),
        maxHeaderBytes: Int = 64 * 1024,
        maxURIBytes: Int = 8 * 1024,
        maxBodyBytes: Int = 10 * 1024 * 1024,
        maxConnections: Int = 10_000,
        trustForwardedHeaders: Bool = true,
        addForwardedHeader: Bool = false,
        trustedProxies: [CIDR] = [],
        filters: [NamedFilter] = []
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.readHeaderTimeout = readHeaderTimeout
        self.idleTimeout = idleTimeout
        self.readBodyTimeout = readBodyTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.maxURIBytes = maxURIBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxConnections = maxConnections
        self.trustForwardedHeaders = trustForwardedHeaders
        self.addForwardedHeader = addForwardedHeader
        self.trustedProxies = trustedProxies
        self.filters = filters
    }

    /// Whether `peer` is one of the trusted proxies.
    public func isTrustedProxy(_ peer: IPAddress?) -> Bool {
        guard let peer else { return false }
        return self.trustedProxies.contains { $0.contains(peer) }
    }

    /// Whether this hop appends to an incoming `X-Forwarded-For` / `Forwarded` from `peer`
    /// (otherwise it replaces them): with `trust_incoming` on, from any peer when no trusted
    /// proxies are configured, else only from trusted ones.
    public func appendsToForwardedFor(from peer: IPAddress?) -> Bool {
        self.trustForwardedHeaders && (self.trustedProxies.isEmpty || self.isTrustedProxy(peer))
    }

    /// Whether an incoming `X-Forwarded-Proto` / `X-Forwarded-Host` from `peer` is passed on
    /// (otherwise this hop's own values replace it): only from trusted proxies, since any
    /// client could claim `https` or another host.
    public func keepsForwardedProtoAndHost(from peer: IPAddress?) -> Bool {
        self.trustForwardedHeaders && self.isTrustedProxy(peer)
    }

    /// The client address for a request from `peer` with these `X-Forwarded-For` values:
    /// walking from the nearest hop outwards, the first address that is not a trusted proxy.
    /// With `trust_incoming: false` the fields are never believed: the peer is the client.
    public func clientAddress(peer: IPAddress?, forwardedFor: String?) -> IPAddress? {
        guard let peer, self.trustForwardedHeaders, !self.trustedProxies.isEmpty, let forwardedFor,
            self.trustedProxies.contains(where: { $0.contains(peer) })
        else { return peer }
        var hops: [IPAddress] = []
        HTTPSyntax.forEachListElement(in: forwardedFor) { element in
            if let address = IPAddress(element) { hops.append(address) }
        }
        for hop in hops.reversed() where !self.trustedProxies.contains(where: { $0.contains(hop) }) {
            return hop
        }
        return hops.first ?? peer
    }
}
