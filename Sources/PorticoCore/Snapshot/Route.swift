import NIOCore
import PorticoHTTP

/// A compiled route: what to do with requests the route table sends here.
public final class Route: Sendable {
    /// The route's name (metrics label, logs, explain output).
    public let name: String
    /// Its index in the snapshot's route list.
    public let index: Int
    /// What the route does.
    public let action: RouteAction
    /// The route's filters, in order.
    public let filters: [NamedFilter]
    /// How the upstream path is derived from the request path.
    public let rewrite: PathRewrite
    /// Send the client's `Host` upstream (true) or the target's (false).
    public let preserveHost: Bool
    /// A fixed `Host` for the upstream request, overriding `preserveHost`.
    public let hostOverride: String?
    /// Total time allowed for the request, from head received to response end; nil: none.
    public let timeout: TimeAmount?
    /// What happens to `Upgrade` requests.
    public let webSocket: WebSocketPolicy
    /// The upstream's retries also apply to non-idempotent methods (POST, PATCH): for
    /// routes whose handlers are idempotent anyway (e.g. keyed by an idempotency key).
    public let retryNonIdempotent: Bool

    /// Creates a route.
    public init(
        name: String,
        index: Int,
        action: RouteAction,
        filters: [NamedFilter] = [],
        rewrite: PathRewrite = PathRewrite(),
        preserveHost: Bool = true,
        hostOverride: String? = nil,
        timeout: TimeAmount? = nil,
        webSocket: WebSocketPolicy = WebSocketPolicy(),
        retryNonIdempotent: Bool = false
    ) {
        self.name = name
        self.index = index
        self.action = action
        self.filters = filters
        self.rewrite = rewrite
        self.preserveHost = preserveHost
        self.hostOverride = hostOverride
        self.timeout = timeout
        self.webSocket = webSocket
        self.retryNonIdempotent = retryNonIdempotent
    }
}

/// A filter instance with the name it has in config.
public struct NamedFilter: Sendable {
    /// The name in the `filters:` map.
    public var name: String
    /// The filter.
    public var filter: any HTTPFilter {
        didSet { self.phases = self.filter.phases }
    }
    /// The filter's ``HTTPFilter/phases``, read once: the flow checks them before calling.
    public private(set) var phases: FilterPhases

    /// Creates a named filter.
    public init(name: String, filter: any HTTPFilter) {
        self.name = name
        self.filter = filter
        self.phases = filter.phases
    }
}

/// What a route does with a matched request.
public enum RouteAction: Sendable {
    /// Proxy to the upstream at this index of the snapshot's upstream list.
    case proxy(upstream: Int)
    /// Answer with a redirect.
    case redirect(RedirectAction)
    /// Answer with a fixed response.
    case respond(LocalResponse)
    /// Proxy to the registry service named by the first path segment.
    case service(ServiceRouting)
}

/// A redirect answered by the gateway.
public struct RedirectAction: Sendable {
    /// The target URL.
    public var location: String
    /// 301, 302, 303, 307 or 308.
    public var status: Int
    /// Append the (rewritten) request path and query to `location`.
    public var appendPath: Bool

    /// Creates a redirect.
    public init(location: String, status: Int, appendPath: Bool) {
        self.location = location
        self.status = status
        self.appendPath = appendPath
    }
}

/// Per-route rules for `Upgrade` (WebSocket) requests.
public struct WebSocketPolicy: Sendable {
    /// Whether upgrades are forwarded at all (otherwise the request is proxied without them).
    public var enabled: Bool
    /// Allowed subprotocols (`Sec-WebSocket-Protocol`); empty allows any.
    public var protocols: [String]
    /// Close the tunnel after this long without bytes in either direction.
    public var idleTimeout: TimeAmount
    /// Close the tunnel after this long in any case; nil: no limit.
    public var maxLifetime: TimeAmount?
    /// Largest message (sum of a message's frame payloads) allowed in either direction;
    /// frames are inspected only when this is set.
    public var maxMessageBytes: Int?

    /// Creates a policy.
    public init(
        enabled: Bool = true,
        protocols: [String] = [],
        idleTimeout: TimeAmount = .seconds(300),
        maxLifetime: TimeAmount? = nil,
        maxMessageBytes: Int? = nil
    ) {
        self.enabled = enabled
        self.protocols = protocols
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
        self.maxMessageBytes = maxMessageBytes
    }
}
