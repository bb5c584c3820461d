import NIOCore
import PorticoHTTP

extension RequestFlow {
    /// Phases 1–3: route the validated head, then run the filters.
    mutating func route(_ valid: ValidatedHead, now: NIODeadline) -> FlowAction {
        self.record.host = valid.host
        self.requestHasBody = valid.hasBody
        self.keepAlive = valid.facts.connection.isPersistent(version: valid.head.version)
        self.requestFacts = valid.facts
        let query = RouteQuery(method: valid.head.method, host: valid.host, path: valid.head.path, head: valid.head)
        switch self.snapshot.routeTable.lookup(query) {
        case .notFound:
            return self.respond(error: GatewayError(.notFound, "no route for \(valid.head.method) \(valid.head.path)"))
        case .methodNotAllowed(let allowed):
            var headers = HeaderList()
            headers.add(name: "allow", value: allowed.methods.map(\.name).joined(separator: ", "))
            return self.respond(
                error: GatewayError(.methodNotAllowed, "method \(valid.head.method) not allowed", headers: headers)
            )
        case .matched(let index, let parameters):
            let route = self.snapshot.routes[index]
            self.record.routeName = route.name
            self.record.routeIndex = index
            self.context = RequestContext(
                request: valid.head,
                route: route,
                parameters: parameters,
                client: self.client,
                startedAt: now,
                services: self.services
            )
        }
        if let expect = valid.facts.expect {
            guard HTTPSyntax.equalsCaseInsensitive(expect, "100-continue") else {
                return self.respond(error: GatewayError(.badRequest, "unsupported Expect: \(expect)"))
            }
            self.expectsContinue = valid.hasBody
        }
        return self.runFilters(from: 0, now: now)
    }

    /// Phase 2: the route's filters in order, from `start` (after a suspension).
    mutating func runFilters(from start: Int, now: NIODeadline) -> FlowAction {
        let filters = self.context!.route.filters
        var index = start
        while index < filters.count {
            self.filtersEntered = max(self.filtersEntered, index + 1)
            switch filters[index].filter.onRequest(&self.context!) {
            case .proceed:
                index += 1
            case .respond(let response):
                self.phase = .idle
                return self.respond(local: response)
            case .reject(let error):
                self.phase = .idle
                return self.respond(error: error)
            case .suspend(let future):
                self.phase = .filtering(index)
                return .suspend(future)
            }
        }
        self.phase = .idle
        self.record.requestID = self.context!.requestID
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
        guard
            let targetIndex = self.services.pickTarget(
                for: upstream,
                request: BalancerRequest(clientIP: self.client.ip)
            )
        else {
            return self.respond(
                error: GatewayError(
                    .serviceUnavailable, "no target available for upstream '\(upstream.name)'", source: .upstream))
        }
        let plan = UpstreamPlan(upstream: upstream, targetIndex: targetIndex, fresh: self.isUpgrade)
        self.plan = plan
        self.record.upstreamName = upstream.name
        self.record.target = plan.target.authority
        var head = self.makeUpstreamRequest(target: plan.target)
        for named in self.context!.route.filters {
            named.filter.onUpstreamRequest(&head, context: self.context!)
        }
        self.upstreamRequest = head
        self.phase = .connecting
        self.services.exchangeStarted(upstream: upstream, target: targetIndex)
        self.exchangeCounted = true
        return .connect(plan, sendContinue: self.expectsContinue && !self.requestComplete)
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
        let trust = self.listener.trustForwardedHeaders
        let keepClientHost = route.hostOverride == nil && route.preserveHost
        var head = RequestHead(method: request.method, target: request.target, version: .http1_1)
        if !route.rewrite.isIdentity || !target.basePath.isEmpty {
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
                    if trust { forwardedFor = forwardedFor.map { $0 + ", " + field.1 } ?? field.1 }
                case .xForwardedProto:
                    if trust {
                        hasForwardedProto = true
                        fields.append(field)
                    }
                case .xForwardedHost:
                    if trust {
                        hasForwardedHost = true
                        fields.append(field)
                    }
                case .forwarded:
                    if trust { forwarded = forwarded.map { $0 + ", " + field.1 } ?? field.1 }
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
            fields.append(("transfer-encoding", "chunked"))
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
