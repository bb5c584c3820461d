import NIOCore
import PorticoHTTP

extension RequestFlow {
    /// Phases 1–3: route the validated head, then run the filters.
    mutating func route(_ head: consuming RequestHead, _ valid: ValidatedHead, now: NIODeadline) -> FlowAction {
        self.record.host = valid.host
        self.requestHasBody = valid.hasBody
        self.keepAlive = valid.facts.connection.isPersistent(version: head.version)
        if valid.facts.connection.upgrade && valid.facts.upgrade != nil {
            // NIO's decoder stops parsing after an upgrade request: whatever the answer, this
            // connection cannot carry another request (a 101 turns it into a tunnel anyway).
            self.keepAlive = false
        }
        self.requestFacts = valid.facts
        if let expect = valid.facts.expect {
            guard HTTPSyntax.equalsCaseInsensitive(expect, "100-continue") else {
                return self.respond(error: GatewayError(.expectationFailed, "unsupported Expect: \(expect)"))
            }
            // HTTP/1.0 clients cannot be sent 1xx responses (RFC 9110 §10.1.1).
            self.expectsContinue = valid.hasBody && head.version.minor >= 1
        }
        var result: RouteLookup
        do {
            // Scoped: the query's hold on the head ends here, before the head moves on.
            let query = RouteQuery(method: head.method, host: valid.host, path: head.path, head: copy head)
            result = self.snapshot.routeTable.lookup(query)
            if case .methodNotAllowed = result, let preflight = self.preflightLookup(query) { result = preflight }
        }
        switch result {
        case .notFound:
            return self.respond(error: GatewayError(.notFound, "no route for \(head.method) \(head.path)"))
        case .methodNotAllowed(let allowed):
            var headers = HeaderList()
            headers.add(name: "allow", value: allowed.methods.map(\.name).joined(separator: ", "))
            return self.respond(
                error: GatewayError(.methodNotAllowed, "method \(head.method) not allowed", headers: headers)
            )
        case .matched(let index, let parameters):
            let route = self.snapshot.routes[index]
            self.record.routeName = route.name
            self.record.routeIndex = index
            self.filters = self.snapshot.filterChain(listener: self.listener, route: index)
            self.context = RequestContext(
                request: consume head,
                route: route,
                parameters: parameters,
                client: self.client,
                clientAddress: self.listener.clientAddress(
                    peer: self.client.address, forwardedFor: valid.facts.forwardedFor),
                startedAt: now,
                maxBodyBytes: self.listener.maxBodyBytes,
                services: self.services
            )
            if let resilience = route.action.resilience(in: self.snapshot), let retry = resilience.retry,
                retry.attempts > 1
            {
                // Bodies up to the upstream's retry buffer are kept so a retry can resend them.
                self.retainLimit = max(self.retainLimit, resilience.retryBufferBytes)
            }
        }
        return self.runFilters(from: 0, now: now)
    }

    /// A CORS preflight refused by `methods` is routed by the method it asks about, if that
    /// route has a filter that answers preflights; nil otherwise (the 405 stands).
    func preflightLookup(_ query: RouteQuery) -> RouteLookup? {
        guard query.method == .OPTIONS, query.head.headers.contains("origin"),
            let asked = query.head.headers["access-control-request-method"], HTTPMethod.isValidToken(asked)
        else { return nil }
        var retarget = query
        retarget.method = HTTPMethod(asked)
        let result = self.snapshot.routeTable.lookup(retarget)
        guard case .matched(let index, _) = result else { return nil }
        let filters = self.snapshot.filterChain(listener: self.listener, route: index)
        return filters.contains(where: { $0.filter.answersCORSPreflight }) ? result : nil
    }

    /// Phase 2: the route's filters in order, from `start` (after a suspension).
    mutating func runFilters(from start: Int, now: NIODeadline) -> FlowAction {
        let filters = self.filters
        var index = start
        while index < filters.count {
            self.filtersEntered = max(self.filtersEntered, index + 1)
            guard filters[index].phases.contains(.request) else {
                index += 1
                continue
            }
            switch filters[index].filter.onRequest(&self.context!) {
            case .proceed:
                index += 1
            case .respond(let response):
                self.phase = .idle
                self.record.requestID = self.context!.requestID
                return self.respond(local: response)
            case .reject(let error):
                self.phase = .idle
                self.record.requestID = self.context!.requestID
                return self.respond(error: error)
            case .suspend(let future):
                self.phase = .filtering(index)
                return .suspend(future)
            }
        }
        self.phase = .idle
        self.record.requestID = self.context!.requestID
        if let declared = self.requestFacts?.contentLength, declared > self.maxBodyBytes {
            return self.respond(
                error: GatewayError(.payloadTooLarge, "request body exceeds \(self.maxBodyBytes) bytes"))
        }
        if let limit = self.context!.bufferedBodyLimit, self.requestHasBody {
            // A filter wants the whole body before the upstream is contacted.
            if let declared = self.requestFacts?.contentLength, declared > limit {
                return self.respond(error: GatewayError(.payloadTooLarge, "request body exceeds \(limit) bytes"))
            }
            if !self.requestComplete {
                self.phase = .bufferingBody
                if self.expectsContinue && !self.continueSent {
                    self.continueSent = true
                    return .sendContinue
                }
                return .none
            }
            return self.runBodyFilters(now: now)
        }
        return self.performRouteAction(now: now)
    }

    /// The whole body is in: every filter's `onRequestBody`, then the route action.
    mutating func runBodyFilters(now: NIODeadline) -> FlowAction {
        var body = ByteBuffer()
        if self.pending.count == 1 {
            body = self.pending[0]
        } else {
            body.reserveCapacity(self.pending.reduce(0) { $0 + $1.readableBytes })
            for part in self.pending { body.writeImmutableBuffer(part) }
            self.pending = [body]
        }
        self.retained = self.pending
        self.phase = .idle
        for named in self.filters where named.phases.contains(.requestBody) {
            switch named.filter.onRequestBody(body, context: &self.context!) {
            case .proceed:
                continue
            case .respond(let response):
                self.record.requestID = self.context!.requestID
                return self.respond(local: response)
            case .reject(let error):
                self.record.requestID = self.context!.requestID
                return self.respond(error: error)
            case .suspend:
                return self.respond(
                    error: GatewayError(
                        .internalError, "filter '\(named.name)' cannot wait in the body phase", source: .internal)
                )
            }
        }
        return self.performRouteAction(now: now)
    }

    /// Phase 3: the route action.
    mutating func performRouteAction(now: NIODeadline) -> FlowAction {
        let route = self.context!.route
        switch route.action {
        case .respond(let response):
            return self.respond(local: response)
        case .redirect(let redirect):
            var location = redirect.location
            if redirect.appendPath {
                let request = self.context!.request
                let path = route.rewrite.apply(to: request.path, parameters: self.context!.parameters)
                if location.hasSuffix("/") && path.hasPrefix("/") { location.removeLast() }
                location += path
                if let query = request.query { location += "?" + query }
            }
            var headers = HeaderList()
            headers.add(name: "location", value: location)
            return self.respond(local: LocalResponse(status: redirect.status, headers: headers))
        case .proxy(let upstreamIndex):
            return self.planUpstream(self.snapshot.upstreams[upstreamIndex], now: now)
        case .service(let routing):
            let path = route.rewrite.apply(to: self.context!.request.path, parameters: self.context!.parameters)
            let name = path.dropFirst().prefix { $0 != "/" }
            guard !name.isEmpty, let upstream = routing.directory.upstream(for: name) else {
                return self.respond(
                    error: GatewayError(
                        .notFound, name.isEmpty ? "no service named in the path" : "no service '\(name)'"))
            }
            if routing.strip {
                let rest = path.dropFirst(name.count + 1)
                self.servicePath = rest.isEmpty ? "/" : String(rest)
            }
            return self.planUpstream(upstream, now: now)
        }
    }

    /// Phase 3–4: pick a target, build the upstream request, run `onUpstreamRequest`.
    mutating func planUpstream(_ upstream: Upstream, now: NIODeadline) -> FlowAction {
        if let upgrade = self.requestFacts?.upgrade, self.requestFacts?.connection.upgrade == true,
            !HTTPSyntax.equalsCaseInsensitive(upgrade, "h2c")
        {
            let policy = self.context!.route.webSocket
            guard policy.enabled else {
                return self.respond(error: GatewayError(.forbidden, "upgrades are disabled on this route"))
            }
            if !policy.protocols.isEmpty, self.context!.request.headers.contains("sec-websocket-protocol") {
                let offered = self.context!.request.headers.values("sec-websocket-protocol")
                    .flatMap { $0.split(separator: ",") }
                    .map { String($0.trimmingHTTPWhitespace()) }
                let allowed = offered.filter { policy.protocols.contains($0) }
                guard !allowed.isEmpty else {
                    return self.respond(error: GatewayError(.forbidden, "no allowed WebSocket subprotocol offered"))
                }
                self.context!.request.headers.set(
                    name: "sec-websocket-protocol", value: allowed.joined(separator: ", "))
            }
            self.isUpgrade = true
        }
        self.record.upstreamName = upstream.name
        guard let plan = self.choosePlan(upstream, attempt: 1, avoiding: nil) else {
            return self.respond(error: self.unavailableError(upstream))
        }
        self.startAttempt(plan)
        let sendContinue = self.expectsContinue && !self.requestComplete && !self.continueSent
        self.continueSent = self.continueSent || sendContinue
        return .connect(plan, sendContinue: sendContinue)
    }

    /// Phase 3: a target for attempt number `attempt`; nil when none can be had (the reason
    /// is left in ``unavailableError(_:)``).
    mutating func choosePlan(_ upstream: Upstream, attempt: Int, avoiding: PoolKey?) -> UpstreamPlan? {
        var request = BalancerRequest(clientIP: self.client.ip)
        if let hashOn = upstream.resilience.hashOn {
            request.hashKey = hashOn.key(of: self.context!.request, clientIP: self.client.ip)
        }
        switch self.services.pickTarget(for: upstream, request: request, avoiding: avoiding) {
        case .target(let target, let index, let version, let probe):
            self.circuitRetryAfter = nil
            return UpstreamPlan(
                upstream: upstream, target: target, targetIndex: index, viewVersion: version, fresh: self.isUpgrade,
                attempt: attempt, circuitProbe: probe)
        case .circuitOpen(let retryAfter):
            self.circuitOpen = true
            self.circuitRetryAfter = retryAfter
            return nil
        case .unavailable:
            self.circuitOpen = false
            return nil
        }
    }

    /// The 503 for an upstream that could not be given the request.
    func unavailableError(_ upstream: Upstream) -> GatewayError {
        guard self.circuitOpen else {
            return GatewayError(
                .serviceUnavailable, "no target available for upstream '\(upstream.name)'", source: .upstream,
                neverReachedUpstream: true)
        }
        var headers = HeaderList()
        if let retryAfter = self.circuitRetryAfter {
            // Whole seconds, rounded up (RFC 9110 §10.2.3).
            headers.add(name: "retry-after", value: String((retryAfter.nanoseconds + 999_999_999) / 1_000_000_000))
        }
        return GatewayError(
            .serviceUnavailable, "upstream '\(upstream.name)' is unavailable (circuit open)", source: .upstream,
            neverReachedUpstream: true, headers: headers)
    }

    /// Phase 4: builds the upstream request for the plan's target and counts the attempt.
    mutating func startAttempt(_ plan: UpstreamPlan) {
        self.plan = plan
        self.record.target = plan.target.authority
        var head = self.makeUpstreamRequest(target: plan.target)
        for index in self.filters.indices where self.filters[index].phases.contains(.upstreamRequest) {
            self.filters[index].filter.onUpstreamRequest(&head, context: self.context!)
        }
        self.upstreamRequest = head
        self.phase = .connecting
        self.services.exchangeStarted(plan)
        self.exchangeCounted = true
        // From here on, the attempt (not a reservation) holds the retry's budget place.
        self.retryReserved = false
    }

    /// Phase 4: the request as the upstream will see it: rewritten path, hop-by-hop fields
    /// (and those `Connection` lists) removed, forwarding fields added, framing restated.
    ///
    /// One pass over the fields builds the new list: per-field `set`/`remove` calls would
    /// each scan the whole list again.
    func makeUpstreamRequest(target: UpstreamTarget) -> RequestHead {
        // Borrowed through `self.context!` rather than bound to a local: a local copy of the
        // context would retain everything in it.
        let route = self.context!.route
        let request = self.context!.request
        // Framing facts come from validation: filters cannot change framing fields (the
        // headers filter refuses them), so they still hold.
        let facts = self.requestFacts ?? RequestHeaderFacts(request.headers)
        let appendForwardedFor = self.listener.appendsToForwardedFor(from: self.client.address)
        let keepProtoAndHost = self.listener.keepsForwardedProtoAndHost(from: self.client.address)
        let keepClientHost = route.hostOverride == nil && route.preserveHost
        var head = RequestHead(method: request.method, target: request.target, version: .http1_1)
        if let servicePath = self.servicePath {
            head.setPath(servicePath)
        } else if !route.rewrite.isIdentity || !target.basePath.isEmpty {
            let path = route.rewrite.apply(to: request.path, parameters: self.context!.parameters)
            head.setPath(target.basePath.isEmpty ? path : target.basePath + (path == "/" ? "" : path))
        }

        var fields: [(String, String)] = []
        fields.reserveCapacity(request.headers.count + 6)
        var originalHost: String?
        var forwardedFor: String?
        var forwarded: String?
        var via: String?
        var hasForwardedProto = false
        var hasForwardedHost = false
        for field in request.headers.pairs {
            if let known = KnownHeader.classify(field.0) {
                switch known {
                case .host:
                    originalHost = field.1
                    if keepClientHost { fields.append(field) }
                case .xForwardedFor:
                    if appendForwardedFor { forwardedFor = forwardedFor.map { $0 + ", " + field.1 } ?? field.1 }
                case .xForwardedProto:
                    if keepProtoAndHost {
                        hasForwardedProto = true
                        fields.append(field)
                    }
                case .xForwardedHost:
                    if keepProtoAndHost {
                        hasForwardedHost = true
                        fields.append(field)
                    }
                case .forwarded:
                    if appendForwardedFor {
                        if self.listener.addForwardedHeader {
                            forwarded = forwarded.map { $0 + ", " + field.1 } ?? field.1
                        } else {
                            fields.append(field)  // passed on unchanged when this hop adds none
                        }
                    }
                case .via:
                    via = via.map { $0 + ", " + field.1 } ?? field.1
                case .expect:
                    break  // answered by the gateway itself
                case .contentLength:
                    fields.append(field)
                default:
                    if !known.isHopByHop { fields.append(field) }
                }
            } else if !facts.connection.lists(field.0) {
                fields.append(field)
            }
        }
        if !keepClientHost || originalHost == nil {
            fields.append(("host", route.hostOverride ?? target.authority))
        }
        let clientIP = self.client.ip
        fields.append(("x-forwarded-for", forwardedFor.map { $0 + ", " + clientIP } ?? clientIP))
        if !hasForwardedProto {
            fields.append(("x-forwarded-proto", self.client.isSecure ? "https" : "http"))
        }
        if let originalHost, !hasForwardedHost {
            fields.append(("x-forwarded-host", originalHost))
        }
        if self.listener.addForwardedHeader {
            let node = clientIP.contains(":") ? "\"[\(clientIP)]\"" : clientIP
            var element = "for=\(node);proto=\(self.client.isSecure ? "https" : "http")"
            if let originalHost { element += ";host=\"\(originalHost)\"" }
            fields.append(("forwarded", forwarded.map { $0 + ", " + element } ?? element))
        }
        let hop = request.version.minor == 0 ? "1.0 portico" : "1.1 portico"
        fields.append(("via", via.map { $0 + ", " + hop } ?? hop))
        if !facts.transferEncoding.isEmpty {
            // Validation made sure the last coding is `chunked`; earlier ones (`gzip`) still
            // apply to the body the upstream gets, so they are passed on.
            fields.append(("transfer-encoding", facts.transferEncoding.joined(separator: ", ")))
        }
        if self.isUpgrade, let upgrade = facts.upgrade {
            fields.append(("connection", "upgrade"))
            fields.append(("upgrade", upgrade))
        }
        head.headers = HeaderList(fields)
        return head
    }

    /// Adds this hop to `Via` (RFC 9110 §7.6.3).
    static func appendVia(_ headers: inout HeaderList, version: HTTPVersion) {
        let hop = version.minor == 0 ? "1.0 portico" : "1.1 portico"
        if let existing = headers["via"] {
            headers.set(name: "via", value: existing + ", " + hop)
        } else {
            headers.add(name: "via", value: hop)
        }
    }
}

extension RouteAction {
    /// The resilience settings of the upstream(s) this action proxies to, if it does.
    func resilience(in snapshot: RuntimeSnapshot) -> UpstreamResilience? {
        switch self {
        case .proxy(let index): snapshot.upstreams[index].resilience
        case .service(let routing): routing.template.resilience
        case .redirect, .respond: nil
        }
    }
}
