import NIOCore
import PorticoHTTP

/// The downstream peer of a request, worked out once per connection.
public struct ClientInfo: Sendable {
    /// The peer's IP address as text (`203.0.113.7`, `2001:db8::1`), the value that goes into
    /// `X-Forwarded-For`.
    public var ip: String
    /// The peer's port.
    public var port: Int
    /// Whether the connection is TLS (decides `X-Forwarded-Proto`).
    public var isSecure: Bool
    /// The name of the listener that accepted the connection.
    public var listener: String

    /// Creates client info.
    public init(ip: String, port: Int, isSecure: Bool = false, listener: String = "") {
        self.ip = ip
        self.port = port
        self.isSecure = isSecure
        self.listener = listener
    }

    /// Client info from a socket address.
    public init(address: SocketAddress?, isSecure: Bool = false, listener: String = "") {
        self.init(ip: address?.ipAddress ?? "unknown", port: address?.port ?? 0, isSecure: isSecure, listener: listener)
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
    /// Who sent the request.
    public let client: ClientInfo
    /// The request id, set by the `request_id` filter or, failing that, generated when an
    /// error response needs one.
    public var requestID: String?
    /// The authenticated consumer (set by authentication filters).
    public var consumer: String?
    /// Values filters hand to later filters, e.g. JWT claims for header templates.
    public var values: [String: String]
    /// When the request head arrived.
    public let startedAt: NIODeadline
    private let services: any LoopServices

    /// Creates a context.
    public init(
        request: RequestHead,
        route: Route,
        parameters: PathParameters,
        client: ClientInfo,
        startedAt: NIODeadline,
        services: any LoopServices
    ) {
        self.request = request
        self.route = route
        self.parameters = parameters
        self.client = client
        self.requestID = nil
        self.consumer = nil
        self.values = [:]
        self.startedAt = startedAt
        self.services = services
    }

    /// A new random request id (UUID text) from the event loop's generator: cheaper than
    /// the system's random source, which costs a syscall per call.
    public func makeRequestID() -> String {
        self.services.makeRequestID()
    }
}
