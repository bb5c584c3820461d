import NIOCore
import PorticoHTTP

/// One request's way through the gateway, as a pure state machine.
///
/// The connection handler feeds it events (head, body parts, upstream connected, response
/// parts, failures, timeouts) and carries out the ``FlowAction`` each returns. The flow owns
/// the order of the phases and the replay decision; it never touches a socket or a clock, so
/// tests drive it directly. The phases, in order (docs/life-of-a-request.md):
///
/// 1. validate the head (target, `Host`, framing, limits) and route it,
/// 2. run the route's filters' `onRequest`,
/// 3. carry out the route action: answer locally, or pick an upstream target,
/// 4. build the upstream request and run `onUpstreamRequest`,
/// 5. connect and stream the request; stream the response back through `onResponse`,
/// 6. on failure before any response byte: replay if provably safe, else answer 502/504,
/// 7. record the outcome for logs, metrics and the balancer.
public struct RequestFlow {
    /// The snapshot the request runs on (kept for its whole life, even across reloads).
    public let snapshot: RuntimeSnapshot
    /// The listener that accepted it.
    public let listener: ListenerSettings
    /// Who sent it.
    public let client: ClientInfo
    /// What happened, for the access log and metrics.
    public internal(set) var record = RequestRecord()
    /// Request state shared with filters; nil until a route matched.
    public internal(set) var context: RequestContext?
    /// Whether the client connection may serve another request after this one.
    public internal(set) var keepAlive: Bool = true

    let services: any LoopServices
    var phase: Phase = .idle
    var requestComplete = false
    var requestHasBody = false
    var bodyBytes = 0
    /// Body parts received before the upstream connection was ready.
    var pending: [ByteBuffer] = []
    /// Every body part sent upstream so far, kept while small so a replay can resend them;
    /// nil once they no longer fit (the request can then no longer be replayed).
    var retained: [ByteBuffer]? = []
    var retainedBytes = 0
    /// How many body bytes are kept: enough for a stale-connection replay, more when the
    /// upstream retries (its `buffer_body`).
    var retainLimit = RequestFlow.replayBufferLimit
    /// A retry was decided and holds a place in the retry budget, but has not started.
    var retryReserved = false
    /// The failure the retry being waited for follows (answered if the retry cannot start).
    var retryFallback: GatewayError?
    /// The upstream path of a service-routed request whose service segment is stripped.
    var servicePath: String?
    /// The once-only replay after a stale pooled connection was used.
    var staleReplayed = false
    var circuitOpen = false
    var circuitRetryAfter: TimeAmount?
    var upstreamRequest: RequestHead?
    var requestFacts: RequestHeaderFacts?
    /// The filters of this request: the listener's defaults, then the route's own.
    var filters: [NamedFilter] = []
    var continueSent = false
    var plan: UpstreamPlan?
    var filtersEntered = 0
    var expectsContinue = false
    var isUpgrade = false
    var responseHeadSent = false
    var upstreamReusable = true
    var usedPooledConnection = false
    /// Any response byte (even a 1xx) came back on this attempt: no replay any more.
    var upstreamResponded = false
    var exchangeCounted = false

    /// Body bytes kept for replaying a request whose pooled connection turned out dead.
    public static let replayBufferLimit = 64 * 1024

    enum Phase: Equatable {
        /// Waiting for the head.
        case idle
        /// Suspended in the filter at this index.
        case filtering(Int)
        /// Reading the whole body for filters that asked for it.
        case bufferingBody
        /// Waiting for an upstream connection.
        case connecting
        /// An attempt failed; waiting out the back-off before the next one.
        case retryWaiting
        /// Request head sent; no final response head yet.
        case awaitingResponse
        /// Final response head sent; streaming the body.
        case streamingResponse
        /// The response is complete (or a local response was sent); the rest of the request
        /// body is discarded.
        case drainingRequest
        /// Both directions are a byte tunnel now.
        case tunnel
        /// Done.
        case finished
    }

    /// A flow for one request.
    public init(snapshot: RuntimeSnapshot, listener: ListenerSettings, client: ClientInfo, services: any LoopServices) {
        self.snapshot = snapshot
        self.listener = listener
        self.client = client
        self.services = services
    }

    /// Whether the exchange is over: response sent and request fully received.
    public var isComplete: Bool { self.phase == .finished }

    /// Whether the upstream connection is being waited for or used.
    public var isUpstreamActive: Bool {
        self.phase == .connecting || self.phase == .awaitingResponse || self.phase == .streamingResponse
    }

    /// Whether the request waits for a suspended filter or for its upstream connection.
    public var isSuspendedOrConnecting: Bool {
        if case .filtering = self.phase { return true }
        return self.phase == .connecting || self.phase == .retryWaiting
    }

    /// Whether the flow is reading the whole body before going further (reads must go on).
    public var isBufferingBody: Bool { self.phase == .bufferingBody }

    /// Whether the final response head went to the client.
    public var hasSentResponseHead: Bool { self.responseHeadSent }

    /// Whether the whole request (head, body, end) has been received.
    public var isRequestComplete: Bool { self.requestComplete }

    /// Whether the request is still sending body bytes the flow is waiting for.
    public var isReceivingBody: Bool { !self.requestComplete && self.phase != .idle }

    /// Whether the request asked for an upgrade that is being forwarded.
    public var isUpgradeRequest: Bool { self.isUpgrade }

    /// The plan of the current upstream attempt.
    public var currentPlan: UpstreamPlan? { self.plan }

    /// The total time allowed for this request (route timeout, else the upstream's).
    public var requestTimeout: TimeAmount? {
        guard self.context != nil else { return nil }
        if let timeout = self.context!.route.timeout { return timeout }
        if let plan { return plan.upstream.timeouts.request }
        return nil
    }

    /// The connection will close after this exchange (graceful shutdown, client half-close):
    /// the response says so with `Connection: close` if its head is not sent yet.
    public mutating func closeAfterResponse() {
        self.keepAlive = false
    }

    // MARK: - Request events

    /// Phase 1–4: the request head arrived.
    ///
    /// `head` is consumed: the flow hands it on to the request context without a copy.
    public mutating func receiveHead(_ head: consuming RequestHead, now: NIODeadline) -> FlowAction {
        precondition(self.phase == .idle, "receiveHead called twice")
        self.record.startedAt = now
        self.record.method = head.method
        self.record.path = head.path
        switch self.validate(&head) {
        case .failure(let error):
            return self.respond(error: error)
        case .success(let valid):
            return self.route(consume head, valid, now: now)
        }
    }

    /// A request body part arrived.
    public mutating func receiveBody(_ buffer: ByteBuffer) -> FlowAction {
        self.bodyBytes += buffer.readableBytes
        self.record.requestBodyBytes = self.bodyBytes
        if self.bodyBytes > self.maxBodyBytes {
            return self.bodyTooLarge()
        }
        switch self.phase {
        case .bufferingBody:
            self.pending.append(buffer)
            if self.bodyBytes > self.context?.bufferedBodyLimit ?? .max {
                return self.bodyTooLarge()
            }
            return .none
        case .idle, .filtering, .connecting, .retryWaiting:
            self.pending.append(buffer)
            self.retain(buffer)
            return .none
        case .awaitingResponse, .streamingResponse:
            self.retain(buffer)
            return .forwardRequestBody(buffer)
        case .drainingRequest, .tunnel, .finished:
            return .none
        }
    }

    /// The request ended (after its last body part).
    public mutating func receiveEnd() -> FlowAction {
        self.requestComplete = true
        switch self.phase {
        case .idle, .filtering, .connecting, .retryWaiting, .tunnel, .finished:
            return .none
        case .awaitingResponse, .streamingResponse:
            return .forwardRequestEnd
        case .drainingRequest:
            self.phase = .finished
            return .requestComplete
        case .bufferingBody:
            return self.runBodyFilters(now: .now())
        }
    }

    /// The largest body this request may have: the listener's limit, lowered by filters.
    var maxBodyBytes: Int {
        min(self.listener.maxBodyBytes, self.context?.maxBodyBytes ?? .max)
    }

    /// The future a filter suspended on completed; `error` if it failed.
    public mutating func filterResumed(_ error: (any Error)?, now: NIODeadline) -> FlowAction {
        guard case .filtering(let index) = self.phase else { return .none }
        if let error {
            let filterName = index < self.filters.count ? self.filters[index].name : "?"
            return self.respond(
                error: GatewayError(.internalError, "filter '\(filterName)' failed: \(error)", source: .internal))
        }
        return self.runFilters(from: index, now: now)
    }

    private mutating func retain(_ buffer: ByteBuffer) {
        guard self.retained != nil else { return }
        self.retainedBytes += buffer.readableBytes
        if self.retainedBytes > self.retainLimit {
            self.retained = nil
        } else {
            self.retained!.append(buffer)
        }
    }

    private mutating func bodyTooLarge() -> FlowAction {
        let limit =
            self.phase == .bufferingBody
            ? min(self.maxBodyBytes, self.context?.bufferedBodyLimit ?? .max) : self.maxBodyBytes
        let error = GatewayError(.payloadTooLarge, "request body exceeds \(limit) bytes")
        switch self.phase {
        case .drainingRequest, .tunnel, .finished:
            // Already answered; stop reading what is left by closing.
            self.keepAlive = false
            return self.responseHeadSent || self.phase == .finished ? .abort(upstream: .none) : .none
        case .streamingResponse:
            return self.abortExchange()
        case .idle, .filtering, .bufferingBody, .connecting, .retryWaiting, .awaitingResponse:
            let upstream: UpstreamDisposition = self.phase == .awaitingResponse ? .close : .none
            self.finishUpstreamExchange()
            return self.respond(error: error, upstream: upstream, forceClose: true)
        }
    }
}
