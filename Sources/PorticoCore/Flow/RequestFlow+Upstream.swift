import NIOCore
import PorticoHTTP

extension RequestFlow {
    /// Phase 5: the upstream connection is ready (`reused`: it came from the pool).
    public mutating func upstreamConnected(reused: Bool, now: NIODeadline) -> FlowAction {
        guard self.phase == .connecting, let head = self.upstreamRequest else {
            // The request was answered while connecting (413, timeout); the connection
            // is unused and clean.
            return .none
        }
        self.usedPooledConnection = reused
        if !reused && self.plan?.upstream.resilience.retry == nil {
            // Only a reused connection can be stale: a fresh one that fails is a real
            // failure, so without retries the replay copy is no longer needed.
            self.retained = nil
        }
        self.upstreamResponded = false
        self.phase = .awaitingResponse
        self.record.upstreamSentAt = now
        let body = self.pending
        self.pending = []
        return .sendRequest(head: head, body: body, end: self.requestComplete)
    }

    /// Phase 5–6: a response head arrived from the upstream.
    public mutating func upstreamResponseHead(_ received: ResponseHead, now: NIODeadline) -> FlowAction {
        guard self.phase == .awaitingResponse, self.context != nil else { return .none }
        // Something came back: from now on the request has provably reached the upstream.
        self.upstreamResponded = true
        if received.status >= 200, received.status != 101,
            let retry = self.retryAfterStatus(received.status, latency: now - (self.record.upstreamSentAt ?? now))
        {
            return retry
        }
        self.retained = nil
        let requestVersion = self.context!.request.version
        let method = self.context!.request.method
        if (100..<200).contains(received.status) {
            if received.status == 101 {
                guard self.isUpgrade else {
                    return self.upstreamFailed(.invalidResponse("unsolicited 101 response"), now: now)
                }
                self.phase = .tunnel
                self.record.status = 101
                self.record.upstreamRespondedAt = now
                self.responseHeadSent = true
                var head = received
                let upgrade = head.headers["upgrade"]
                HopByHop.strip(&head.headers)
                head.headers.add(name: "connection", value: "upgrade")
                if let upgrade { head.headers.add(name: "upgrade", value: upgrade) }
                head.version = .http1_1
                self.runResponseFilters(&head)
                return .upgrade(head)
            }
            // Portico answers `Expect: 100-continue` itself, so the upstream's 100 is dropped;
            // other interim responses (103 Early Hints) are relayed, except to HTTP/1.0
            // clients, which cannot receive them (RFC 9110 §15.2).
            if received.status == 100 || requestVersion.minor == 0 { return .none }
            var head = received
            HopByHop.strip(&head.headers)
            head.version = requestVersion
            return .sendInformational(head)
        }
        var response = ResponseHead(status: received.status, reason: received.reason, version: .http1_1)
        let facts: ResponseHeaderFacts
        switch ResponseHeaderFacts.forward(received.headers) {
        case .failure(let problem):
            return self.upstreamFailed(.invalidResponse(problem.reason), now: now)
        case .success(let (forwarded, responseFacts)):
            response.headers = forwarded
            facts = responseFacts
        }
        self.record.upstreamRespondedAt = now
        self.record.status = received.status
        self.phase = .streamingResponse
        self.responseHeadSent = true
        self.upstreamReusable = facts.connection.isPersistent(version: received.version)
        if self.isUpgrade {
            // The client's decoder stopped parsing after the upgrade request; the connection
            // cannot carry another request.
            self.keepAlive = false
            self.upstreamReusable = false
        }
        let hop = received.version.minor == 0 ? "1.0 portico" : "1.1 portico"
        response.headers.add(name: "via", value: facts.via.map { $0 + ", " + hop } ?? hop)
        response.version = requestVersion.minor == 0 ? .http1_0 : .http1_1
        if !response.isBodiless(forRequestMethod: method) && !facts.hasContentLength {
            if requestVersion.minor >= 1 {
                let codings = facts.otherTransferCodings.map(String.init) + ["chunked"]
                response.headers.add(name: "transfer-encoding", value: codings.joined(separator: ", "))
            } else {
                // An HTTP/1.0 client has no chunked coding: the body ends when we close.
                self.keepAlive = false
            }
        }
        // Edited in place: a copy would share the field list, and the first edit would copy it.
        self.addDebugHeader(&response)
        self.runResponseFilters(&response)
        if !self.keepAlive {
            response.headers.set(name: "connection", value: "close")
        } else if requestVersion.minor == 0 {
            response.headers.set(name: "connection", value: "keep-alive")
        }
        return .sendResponseHead(response)
    }

    /// A response body part arrived.
    public mutating func upstreamResponseBody(_ buffer: ByteBuffer) -> FlowAction {
        guard self.phase == .streamingResponse else { return .none }
        self.record.responseBodyBytes += buffer.readableBytes
        return .forwardResponseBody(buffer)
    }

    /// The response ended.
    public mutating func upstreamResponseEnd(now: NIODeadline) -> FlowAction {
        guard self.phase == .streamingResponse else { return .none }
        self.finishUpstreamExchange(self.responseOutcome)
        let disposition: UpstreamDisposition = self.upstreamReusable && self.requestComplete ? .release : .close
        if self.requestComplete {
            self.phase = .finished
        } else {
            // The upstream answered before the client finished sending; the rest of the
            // body is read and dropped so the client connection stays usable.
            self.phase = .drainingRequest
        }
        return .finishResponse(upstream: disposition, requestComplete: self.requestComplete)
    }

    /// Phase 6: the upstream attempt failed. Replays the request on a fresh connection when
    /// it provably never reached the upstream (connect failure, or a pooled connection that
    /// closed before any response byte) and its body is still at hand; answers 502/503/504
    /// otherwise, or aborts if the response already started.
    public mutating func upstreamFailed(_ failure: UpstreamFailure, now: NIODeadline) -> FlowAction {
        switch self.phase {
        case .connecting, .awaitingResponse:
            break
        case .streamingResponse, .tunnel:
            self.record.upstreamError = failure
            return self.abortExchange()
        case .idle, .filtering, .bufferingBody, .retryWaiting, .drainingRequest, .finished:
            return .none
        }
        self.record.upstreamError = failure
        let neverReached: Bool
        switch failure {
        case .connectFailed, .poolExhausted: neverReached = true
        case .closed:
            neverReached = self.phase == .awaitingResponse && self.usedPooledConnection && !self.upstreamResponded
        case .invalidResponse, .responseHeaderTimeout: neverReached = false
        }
        if neverReached, failure == .closed, self.retained != nil, !self.staleReplayed, var plan = self.plan {
            // A stale keep-alive connection: the request is replayed once on a new one.
            self.staleReplayed = true
            self.record.retries += 1
            self.record.upstreamError = nil
            plan.fresh = true
            self.plan = plan
            self.pending = self.retained ?? []
            self.phase = .connecting
            self.usedPooledConnection = false
            return .connect(plan, sendContinue: false)
        }
        // Client-facing messages name the upstream only: addresses and errno text stay in the
        // access log and metrics (`UpstreamFailure` keeps them).
        let upstreamName = self.plan?.upstream.name ?? "?"
        let error: GatewayError
        switch failure {
        case .connectFailed:
            error = GatewayError(
                .badGateway, "cannot connect to upstream '\(upstreamName)'", source: .upstream,
                neverReachedUpstream: true)
        case .poolExhausted:
            error = GatewayError(
                .serviceUnavailable, "upstream '\(upstreamName)' connection limit reached", source: .upstream,
                neverReachedUpstream: true)
        case .closed:
            error = GatewayError(.badGateway, "upstream '\(upstreamName)' closed the connection", source: .upstream)
        case .invalidResponse:
            error = GatewayError(.badGateway, "invalid response from upstream '\(upstreamName)'", source: .upstream)
        case .responseHeaderTimeout:
            error = GatewayError(
                .gatewayTimeout, "upstream '\(upstreamName)' did not respond in time", source: .upstream)
        }
        let hadConnection = self.phase == .awaitingResponse
        if let retry = self.retryAfterFailure(failure, error: error, neverReached: neverReached, now: now) {
            return retry
        }
        self.finishUpstreamExchange(.failed(failure))
        return self.respond(error: error, upstream: hadConnection ? .close : .none)
    }

    /// The request's total timeout expired.
    public mutating func requestTimedOut(now: NIODeadline) -> FlowAction {
        switch self.phase {
        case .idle, .filtering, .bufferingBody, .connecting, .retryWaiting, .awaitingResponse:
            let hadConnection = self.phase == .awaitingResponse
            self.finishUpstreamExchange()
            return self.respond(
                error: GatewayError(.gatewayTimeout, "request timed out", source: .upstream),
                upstream: hadConnection ? .close : .none
            )
        case .streamingResponse:
            return self.abortExchange()
        case .drainingRequest, .tunnel, .finished:
            return .none
        }
    }

    /// The client stopped sending its body for longer than the read-body timeout.
    public mutating func requestBodyTimedOut(now: NIODeadline) -> FlowAction {
        switch self.phase {
        case .idle, .filtering, .bufferingBody, .connecting, .retryWaiting, .awaitingResponse:
            let hadConnection = self.phase == .awaitingResponse
            self.finishUpstreamExchange()
            return self.respond(
                error: GatewayError(.requestTimeout, "request body not received in time"),
                upstream: hadConnection ? .close : .none,
                forceClose: true
            )
        case .streamingResponse:
            return self.abortExchange()
        case .drainingRequest:
            // The answer is out; only the rest of an unwanted body was awaited.
            self.keepAlive = false
            self.phase = .finished
            return .requestComplete
        case .tunnel, .finished:
            return .none
        }
    }

    /// The client stopped taking the response for longer than the idle timeout.
    public mutating func clientStalled(now: NIODeadline) -> FlowAction {
        switch self.phase {
        case .streamingResponse, .awaitingResponse, .connecting, .retryWaiting, .filtering, .bufferingBody,
            .drainingRequest, .idle:
            return self.abortExchange()
        case .tunnel, .finished:
            return .none
        }
    }

    /// The client connection closed; whatever is in flight upstream must be dropped.
    public mutating func downstreamClosed() {
        self.finishUpstreamExchange()
        self.keepAlive = false
        self.phase = .finished
    }

    /// The end of a tunnel (upgrade) exchange.
    public mutating func tunnelClosed() {
        self.finishUpstreamExchange()
        self.phase = .finished
    }

    mutating func abortExchange() -> FlowAction {
        self.finishUpstreamExchange()
        self.keepAlive = false
        self.phase = .finished
        return .abort(upstream: .close)
    }

    /// Tells the loop's balancer, breaker and outlier detector how the attempt ended (once),
    /// or gives back the budget place of a retry that will not start.
    mutating func finishUpstreamExchange(_ outcome: ExchangeOutcome = .abandoned) {
        guard let plan = self.plan else { return }
        if self.exchangeCounted {
            self.exchangeCounted = false
            self.services.exchangeFinished(plan, outcome: outcome)
        } else if self.retryReserved {
            self.retryReserved = false
            self.services.retryReleased(plan)
        }
    }

    /// The outcome of the current attempt as far as it got.
    var responseOutcome: ExchangeOutcome {
        guard let sent = self.record.upstreamSentAt, let responded = self.record.upstreamRespondedAt,
            self.record.status > 0
        else { return .abandoned }
        return .responded(status: self.record.status, latency: responded - sent)
    }

    /// Whether the upstream may be reused after this response (RFC 9112 §9.3).
    static func isReusable(_ head: ResponseHead) -> Bool {
        if head.version.major == 1 && head.version.minor == 0 {
            return head.headers.containsToken("keep-alive", in: "connection")
        }
        return !head.headers.containsToken("close", in: "connection")
    }

    func addDebugHeader(_ head: inout ResponseHead) {
        if let name = self.snapshot.settings.debugRouteHeader, !self.record.routeName.isEmpty {
            head.headers.set(name: name, value: self.record.routeName)
        }
    }

    /// Phase 7: the response filters of every filter that saw the request, in reverse.
    func runResponseFilters(_ head: inout ResponseHead) {
        // Read through `self.context!`: binding it to a local would copy (retain) all it holds.
        guard self.filtersEntered > 0, self.context != nil else { return }
        for index in stride(from: self.filtersEntered - 1, through: 0, by: -1)
        where self.filters[index].phases.contains(.response) {
            self.filters[index].filter.onResponse(&head, context: self.context!)
        }
    }
}
