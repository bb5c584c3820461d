import NIOCore
import PorticoHTTP

/// What the connection handler must do next for a request; returned by every
/// ``RequestFlow`` event.
public enum FlowAction {
    /// Nothing to do yet.
    case none
    /// Write this complete response to the client (already through the response filters).
    /// `close`: close the client connection afterwards. The upstream connection, if any,
    /// is disposed of as told.
    case respond(LocalResponse, close: Bool, upstream: UpstreamDisposition)
    /// Wait for this future, then call ``RequestFlow/filterResumed(_:now:)``.
    case suspend(EventLoopFuture<Void>)
    /// Get a connection to the planned target (a fresh one when `plan.fresh`), then call
    /// ``RequestFlow/upstreamConnected(reused:)`` or ``RequestFlow/upstreamConnectFailed(_:now:)``.
    /// Write `100 Continue` to the client first when `sendContinue`.
    case connect(UpstreamPlan, sendContinue: Bool)
    /// The attempt failed and will be retried: dispose of its upstream connection, wait
    /// `after` (the back-off), then call ``RequestFlow/retryDue(now:)``.
    case retry(after: TimeAmount, upstream: UpstreamDisposition)
    /// Write `100 Continue` to the client (a filter needs the body before going on).
    case sendContinue
    /// Write the request head and the body received so far upstream (and the end if `end`).
    case sendRequest(head: RequestHead, body: [ByteBuffer], end: Bool)
    /// Forward a request body part upstream.
    case forwardRequestBody(ByteBuffer)
    /// Write the request end upstream.
    case forwardRequestEnd
    /// Write an interim (1xx) response head to the client.
    case sendInformational(ResponseHead)
    /// Write the final response head to the client.
    case sendResponseHead(ResponseHead)
    /// Forward a response body part to the client.
    case forwardResponseBody(ByteBuffer)
    /// Write the response end to the client and dispose of the upstream connection. When
    /// `requestComplete`, the exchange is over (log it, start the next request); otherwise the
    /// flow waits for the rest of the request body, which is discarded.
    case finishResponse(upstream: UpstreamDisposition, requestComplete: Bool)
    /// The request body ended after the response was complete: the exchange is over.
    case requestComplete
    /// Write the `101` head and end to the client, then turn both connections into a byte tunnel.
    case upgrade(ResponseHead)
    /// The response already started and cannot be completed: close the client connection
    /// (so the truncation is visible) and dispose of the upstream connection.
    case abort(upstream: UpstreamDisposition)
}

/// What to do with the request's upstream connection.
public enum UpstreamDisposition: Sendable, Equatable {
    /// There is none (not connected yet, or a local response).
    case none
    /// The exchange on it completed cleanly; return it to the pool.
    case release
    /// Close it (incomplete exchange, `Connection: close`, protocol error).
    case close
}

/// Where a request goes upstream.
public struct UpstreamPlan: Sendable {
    /// The upstream.
    public var upstream: Upstream
    /// The chosen target (kept by value: the upstream's target list may change meanwhile).
    public var target: UpstreamTarget
    /// The target's index in the ``TargetView`` it was picked from.
    public var targetIndex: Int
    /// The version of that view.
    public var viewVersion: Int
    /// Open a new connection rather than reuse a pooled one (upgrades, stale-connection replays).
    public var fresh: Bool
    /// 1 for the first attempt, 2 for the first retry, ...
    public var attempt: Int
    /// The circuit breaker admitted this attempt as a half-open probe.
    public var circuitProbe: Bool

    /// Creates a plan.
    public init(
        upstream: Upstream, target: UpstreamTarget, targetIndex: Int, viewVersion: Int, fresh: Bool, attempt: Int = 1,
        circuitProbe: Bool = false
    ) {
        self.upstream = upstream
        self.target = target
        self.targetIndex = targetIndex
        self.viewVersion = viewVersion
        self.fresh = fresh
        self.attempt = attempt
        self.circuitProbe = circuitProbe
    }
}

/// Facts about a request that a retry decision needs.
public struct RetryFacts: Sendable {
    /// The request method.
    public var method: HTTPMethod
    /// The route lets non-idempotent requests be retried.
    public var routeAllowsNonIdempotent: Bool
    /// The body (if any) is kept whole, so it can be sent again.
    public var bodyReplayable: Bool
    /// The request provably never reached the upstream.
    public var neverReachedUpstream: Bool

    /// Creates facts.
    public init(method: HTTPMethod, routeAllowsNonIdempotent: Bool, bodyReplayable: Bool, neverReachedUpstream: Bool) {
        self.method = method
        self.routeAllowsNonIdempotent = routeAllowsNonIdempotent
        self.bodyReplayable = bodyReplayable
        self.neverReachedUpstream = neverReachedUpstream
    }
}

/// The outcome of choosing a target.
public enum TargetChoice: Sendable {
    /// This target, at this index of the target list of this version; `circuitProbe` when
    /// the circuit breaker admitted the request as a half-open probe.
    case target(UpstreamTarget, index: Int, viewVersion: Int, circuitProbe: Bool)
    /// The upstream's circuit breaker is open: fail fast (503).
    case circuitOpen(retryAfter: TimeAmount?)
    /// No target can take the request.
    case unavailable
}

/// What happened to one attempt, for breakers, outlier detection and latency-aware balancers.
public enum ExchangeOutcome: Sendable, Equatable {
    /// A response arrived (its status decides whether it counts as a failure: 5xx do).
    case responded(status: Int, latency: TimeAmount)
    /// The attempt failed before a usable response.
    case failed(UpstreamFailure)
    /// The exchange ended without a verdict (client went away, tunnel, local answer).
    case abandoned
}

/// Why an upstream exchange failed, as the connection handler observed it.
public enum UpstreamFailure: Sendable, Equatable {
    /// The TCP connect failed or timed out.
    case connectFailed(String)
    /// The connection closed or reset.
    case closed
    /// The upstream sent something that is not valid HTTP/1.1.
    case invalidResponse(String)
    /// No response head within the response-header timeout.
    case responseHeaderTimeout
    /// The pool for the target is at its connection limit.
    case poolExhausted
}

/// Facts about one finished request, for the access log and metrics.
public struct RequestRecord: Sendable {
    /// The method.
    public var method: HTTPMethod = .GET
    /// The host the client asked for (lowercased, without port).
    public var host: Substring = ""
    /// The request path as received (query excluded).
    public var path: Substring = ""
    /// The matched route's name, or "" when none matched.
    public var routeName: String = ""
    /// The matched route's index in its snapshot, or -1.
    public var routeIndex: Int = -1
    /// The upstream's name, or "".
    public var upstreamName: String = ""
    /// The target that served the request (`host:port`), or "".
    public var target: String = ""
    /// The status sent to the client (0 if none was sent).
    public var status: Int = 0
    /// Request body bytes received from the client.
    public var requestBodyBytes: Int = 0
    /// Response body bytes sent to the client.
    public var responseBodyBytes: Int = 0
    /// When the request head arrived.
    public var startedAt: NIODeadline = .uptimeNanoseconds(0)
    /// When the upstream request was sent, if it was.
    public var upstreamSentAt: NIODeadline?
    /// When the response head arrived from the upstream, if it did.
    public var upstreamRespondedAt: NIODeadline?
    /// Replays after a stale pooled connection or retries.
    public var retries: Int = 0
    /// The request id, if one was assigned.
    public var requestID: String?
    /// Whether the answer came from the gateway itself (error, redirect, fixed response).
    public var local: Bool = false
    /// Set when the upstream failed (connect, reset, timeout, invalid response).
    public var upstreamError: UpstreamFailure?

    /// Creates an empty record.
    public init() {}
}
