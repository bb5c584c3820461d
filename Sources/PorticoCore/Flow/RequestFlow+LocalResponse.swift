import PorticoHTTP

extension RequestFlow {
    /// Answers with a gateway error (JSON body with the request id).
    mutating func respond(error: GatewayError, upstream: UpstreamDisposition = .none, forceClose: Bool = false)
        -> FlowAction
    {
        let requestID = self.ensureRequestID()
        var response = error.response(requestID: requestID)
        if self.context?.requestID == nil {
            // No request_id filter ran: still tell the client the id its error is logged under.
            response.head.headers.add(name: "x-request-id", value: requestID)
        }
        if error.kind == .badRequest || error.kind == .uriTooLong || error.kind == .headersTooLarge
            || error.kind == .payloadTooLarge
        {
            // The framing of what follows cannot be trusted, or the body is not worth reading.
            return self.respond(local: response, upstream: upstream, forceClose: true)
        }
        return self.respond(local: response, upstream: upstream, forceClose: forceClose)
    }

    /// Answers with a local response, through the response filters.
    mutating func respond(local: LocalResponse, upstream: UpstreamDisposition = .none, forceClose: Bool = false)
        -> FlowAction
    {
        var response = local
        self.record.status = response.head.status
        self.record.responseBodyBytes = response.body.utf8.count
        self.record.local = true
        self.responseHeadSent = true
        response.head.version = self.context?.request.version ?? .http1_1
        self.addDebugHeader(&response.head)
        self.runResponseFilters(&response.head)
        // A client waiting for 100 Continue may never send its body, so the connection
        // closes; any other unread body is read and dropped (bounded by max_body).
        if forceClose || (!self.requestComplete && self.expectsContinue) {
            self.keepAlive = false
        }
        if !self.keepAlive {
            response.head.headers.set(name: "connection", value: "close")
        }
        self.phase = self.requestComplete || !self.keepAlive ? .finished : .drainingRequest
        return .respond(response, close: !self.keepAlive, upstream: upstream)
    }

    /// The request id: the one a filter set, else a new one.
    mutating func ensureRequestID() -> String {
        if let id = self.context?.requestID ?? self.record.requestID { return id }
        let id = self.services.makeRequestID()
        self.record.requestID = id
        return id
    }
}
