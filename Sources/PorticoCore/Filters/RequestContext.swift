import NIOCore
import PorticoHTTP

/// The downstream peer of a request, worked out once per connection.
public struct ClientInfo: Sendable {
    /// The peer's IP address as text (`203.0.113.7`, `2001:db8::1`), the value that goes into
    /// `X-Forwarded-For`.
    public var ip: String
    /// The peer's port.
    public var port: Int
    /// The peer's address, parsed once per connection (for CIDR checks).
    public var address: IPAddress?
    /// Whether the connection is TLS (decides `X-Forwarded-Proto`).
    public var isSecure: Bool
    /// The name of the listener that accepted the connection.
    public var listener: String

    /// Creates client info.
    public init(ip: String, port: Int, isSecure: Bool = false, listener: String = "") {
        self.ip = ip
        self.address = IPAddress(ip)
        self.port = port
        self.isSecure = isSecure
        self.listener = listener
    }

    /// Client info from a socket address.
    public init(address: SocketAddress?, isSecure: Bool = false, listener: String = "") {
        self.ip = address?.ipAddress ?? "unknown"
        self.address = address.flatMap(IPAddress.init)
        self.port = address?.port ?? 0
        self.isSecure = isSecure
        self.listener = listener
    }
}

/// Per-request state shared by the phases and the filters of one request.
///
/// Lives on the connection's event loop for the request's lifetime; never shared.
public struct RequestContext {
    /// The request as received (filters may edit it in `onRequest`; routing already ran).
    public var request: RequestHead
    /// The matched route.
    public let route: Route
    /// Path parameters captured by the route.
    public var parameters: PathParameters
    /// The connection's peer.
    public let client: ClientInfo
    /// The client's address for policies (rate limits, IP filters, logs): the peer's, or, when
    /// the peer is a trusted proxy, the nearest untrusted address in `X-Forwarded-For`.
    public let clientAddress: IPAddress?
    /// `clientAddress` as text (the peer's IP text when it could not be parsed).
    public let clientIP: String
    /// The request id, set by the `request_id` filter or, failing that, generated when an
    /// error response needs one.
    public var requestID: String?
    /// The authenticated consumer (set by authentication filters).
    public var consumer: String?
    /// Values filters hand to later filters, e.g. JWT claims for header templates.
    public var values: RequestValues
    /// The tightest rate-limit decision taken for this request, for the `RateLimit-*`
    /// response headers. Typed rather than in ``values``: it is set on every request of a
    /// limited route, and formatting and re-parsing text there cost more than the limiter.
    public var rateLimitStatus: RateLimitStatus?
    /// When the request head arrived.
    public let startedAt: NIODeadline
    /// The largest request body this request may have (filters may only lower it; the
    /// listener's `max_body` is the ceiling). Enforced while the body streams: 413.
    public private(set) var maxBodyBytes: Int
    /// When set, the gateway reads the whole body (up to this many bytes, else 413) before
    /// contacting the upstream, and gives it to every filter's `onRequestBody`.
    public private(set) var bufferedBodyLimit: Int?
    private let services: any LoopServices

    /// Creates a context.
    public init(
        request: RequestHead,
        route: Route,
        parameters: PathParameters,
        client: ClientInfo,
        clientAddress: IPAddress? = nil,
        startedAt: NIODeadline,
        maxBodyBytes: Int = .max,
        services: any LoopServices
    ) {
        self.request = request
        self.route = route
        self.parameters = parameters
        self.client = client
        self.clientAddress = clientAddress ?? client.address
        // Formatting an address costs; the peer's text is at hand in the common case.
        if let clientAddress, clientAddress != client.address {
            self.clientIP = clientAddress.description
        } else {
            self.clientIP = client.ip
        }
        self.maxBodyBytes = maxBodyBytes
        self.bufferedBodyLimit = nil
        self.requestID = nil
        self.consumer = nil
        self.values = RequestValues()
        self.rateLimitStatus = nil
        self.startedAt = startedAt
        self.services = services
    }

    /// A new random request id (UUID text) from the event loop's generator: cheaper than
    /// the system's random source, which costs a syscall per call.
    public func makeRequestID() -> String {
        self.services.makeRequestID()
    }

    /// The connection's event loop: futures a filter suspends on complete here.
    public var eventLoop: any EventLoop { self.services.eventLoop }

    /// Per-event-loop state a filter keeps under `key` (e.g. `ObjectIdentifier` of an object
    /// the filter owns), made on first use; touched only by this loop, so it needs no lock.
    public func loopState<State: AnyObject>(for key: ObjectIdentifier, make: () -> State) -> State {
        self.services.filterState(for: key, make: make)
    }

    /// Lowers the body limit for this request (`body_limit`).
    public mutating func limitBody(to bytes: Int) {
        self.maxBodyBytes = min(self.maxBodyBytes, bytes)
    }

    /// Asks for the whole request body, up to `limit` bytes, before the upstream is contacted
    /// (e.g. to validate it); every filter's `onRequestBody` then sees it.
    public mutating func bufferBody(upTo limit: Int) {
        self.bufferedBodyLimit = min(self.bufferedBodyLimit ?? .max, limit)
    }
}

/// What a rate limiter tells the client about its budget (RFC draft `RateLimit` fields).
public struct RateLimitStatus: Sendable, Equatable {
    /// Requests allowed per period.
    public var limit: Int
    /// Requests left in the current period.
    public var remaining: Int
    /// Seconds until the budget is fully restored.
    public var resetSeconds: UInt64

    /// A status.
    public init(limit: Int, remaining: Int, resetSeconds: UInt64) {
        self.limit = limit
        self.remaining = remaining
        self.resetSeconds = resetSeconds
    }
}
