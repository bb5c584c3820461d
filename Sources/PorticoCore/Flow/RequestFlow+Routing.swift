import NIOCore
import PorticoHTTP

extension RequestFlow {
    /// Phases 1–3: route the validated head, then run the filters.
    mutating func route(_ valid: ValidatedHead, now: NIODeadline) -> FlowAction {
        self.record.host = String(valid.host)
        self.requestHasBody = valid.hasBody
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
        if let expect = valid.head.headers["expect"] {
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
        let request = self.context!.request
        if let upgrade = request.headers["upgrade"], request.headers.containsToken("upgrade", in: "connection"),
            !HTTPSyntax.equalsCaseInsensitive(upgrade, "h2c")
        {
            let policy = self.context!.route.webSocket
            guard policy.enabled else {
                return self.respond(error: GatewayError(.forbidden, "upgrades are disabled on this route"))
            }
            if !policy.protocols.isEmpty, request.headers.contains("sec-websocket-protocol") {
                let offered = request.headers.values("sec-websocket-protocol")
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

    /// Phase 4: the request as the upstream will see it (rewrites, hop-by-hop fields removed,
    /// forwarding fields added).
    func makeUpstreamRequest(target: UpstreamTarget) -> RequestHead {
        let context = self.context!
        let route = context.route
        var head = context.request
        let originalHost = head.headers["host"]
        let isChunked = head.headers.contains("transfer-encoding")
        let upgrade = self.isUpgrade ? head.headers["upgrade"] : nil

        if !route.rewrite.isIdentity || !target.basePath.isEmpty {
            let path = route.rewrite.apply(to: head.path, parameters: context.parameters)
            head.setPath(target.basePath.isEmpty ? path : target.basePath + (path == "/" ? "" : path))
        }
        HopByHop.strip(&head.headers)
        head.headers.remove(name: "expect")
        if let override = route.hostOverride {
            head.headers.set(name: "host", value: override)
        } else if !route.preserveHost || originalHost == nil {
            head.headers.set(name: "host", value: target.authority)
        }

        let trust = self.listener.trustForwardedHeaders
        if trust, let existing = head.headers["x-forwarded-for"] {
            head.headers.set(name: "x-forwarded-for", value: existing + ", " + self.client.ip)
        } else {
            head.headers.set(name: "x-forwarded-for", value: self.client.ip)
        }
        if !(trust && head.headers.contains("x-forwarded-proto")) {
            head.headers.set(name: "x-forwarded-proto", value: self.client.isSecure ? "https" : "http")
        }
        if let originalHost, !(trust && head.headers.contains("x-forwarded-host")) {
            head.headers.set(name: "x-forwarded-host", value: originalHost)
        }
        if self.listener.addForwardedHeader {
            let node = self.client.ip.contains(":") ? "\"[\(self.client.ip)]\"" : self.client.ip
            var element = "for=\(node);proto=\(self.client.isSecure ? "https" : "http")"
            if let originalHost { element += ";host=\"\(originalHost)\"" }
            if trust, let existing = head.headers["forwarded"] {
                head.headers.set(name: "forwarded", value: existing + ", " + element)
            } else {
                head.headers.set(name: "forwarded", value: element)
            }
        }
        Self.appendVia(&head.headers, version: head.version)
        if isChunked {
            head.headers.add(name: "transfer-encoding", value: "chunked")
        }
        if let upgrade {
            head.headers.add(name: "connection", value: "upgrade")
            head.headers.add(name: "upgrade", value: upgrade)
        }
        head.version = .http1_1
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
