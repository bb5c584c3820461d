import PorticoCore
import PorticoHTTP

extension Compilation {
    /// The routes: a matcher spec for the route table and the compiled route, by index.
    mutating func compileRoutes(upstreams: [Upstream], filters: [String: any HTTPFilter]) -> ([RouteSpec], [Route]) {
        let upstreamIndex = Dictionary(upstreams.map { ($0.name, $0.index) }, uniquingKeysWith: { first, _ in first })
        var specs: [RouteSpec] = []
        var routes: [Route] = []
        var names: [String: Int] = [:]
        for (index, route) in self.config.routes.enumerated() {
            let path = ConfigPath.root.key("routes").index(index)
            if Validation.checkName(route.name, kind: "route", at: path.key("name"), into: &self.diagnostics) {
                if let first = names[route.name] {
                    let firstPlace = self.diagnostics.whereIs(ConfigPath.root.key("routes").index(first).key("name"))
                    self.diagnostics.error(
                        path.key("name"),
                        "duplicate route name '\(route.name)'",
                        hint: "first used at \(firstPlace)"
                    )
                } else {
                    names[route.name] = index
                }
            }
            let spec = self.compileMatch(route, at: path)
            let action = self.compileAction(route, upstreams: upstreamIndex, at: path)
            let rewrite = self.compileRewrite(route, spec: spec, at: path)
            let webSocket = self.compileWebSocket(route.websocket, at: path.key("websocket"))
            let namedFilters = self.compileFilterList(route.filters, filters: filters, at: path.key("filters"))
            if let hostRewrite = route.hostRewrite, !Self.isValidAuthority(hostRewrite) {
                self.diagnostics.error(
                    path.key("host_rewrite"),
                    "'\(hostRewrite)' is not a valid host",
                    hint: "e.g. users.internal or users.internal:8080"
                )
            }
            if let timeout = route.timeout {
                Validation.checkPositive(timeout, at: path.key("timeout"), into: &self.diagnostics)
            }
            if route.upstream == nil && route.serviceRouting == nil {
                // These only shape the upstream request; on a redirect or fixed response they would do nothing.
                for (key, given) in [
                    ("host_rewrite", route.hostRewrite != nil), ("timeout", route.timeout != nil),
                    ("websocket", route.websocket != nil), ("retry_non_idempotent", route.retryNonIdempotent),
                ]
                where given && (route.redirect != nil || route.respond != nil) {
                    self.diagnostics.error(path.key(key), "'\(key)' only applies to routes with an upstream")
                }
            }
            guard let spec, let action, let rewrite else { continue }
            specs.append(spec)
            routes.append(
                Route(
                    name: route.name,
                    index: routes.count,
                    action: action,
                    filters: namedFilters,
                    rewrite: rewrite,
                    preserveHost: route.preserveHost,
                    hostOverride: route.hostRewrite,
                    timeout: route.timeout?.timeAmount,
                    webSocket: webSocket,
                    retryNonIdempotent: route.retryNonIdempotent
                )
            )
        }
        return (specs, routes)
    }

    mutating func compileFilterList(
        _ names: [String],
        filters: [String: any HTTPFilter],
        at path: ConfigPath
    ) -> [NamedFilter] {
        var result: [NamedFilter] = []
        var seen = Set<String>()
        for (index, name) in names.enumerated() {
            guard seen.insert(name).inserted else {
                self.diagnostics.error(path.index(index), "filter '\(name)' is listed twice")
                continue
            }
            if let filter = filters[name] {
                result.append(NamedFilter(name: name, filter: filter))
            } else if self.config.filters[name] == nil {
                let known = self.definedFilterNames
                self.diagnostics.error(
                    path.index(index),
                    "unknown filter '\(name)'\(Suggestion.didYouMean(name, among: known))",
                    hint: known.isEmpty ? "define it under 'filters:'" : "defined filters: \(Suggestion.list(known))"
                )
            }
            // A defined filter that failed to build was reported where it is defined.
        }
        return result
    }

    /// What the route does: exactly one of upstream, redirect and respond.
    private mutating func compileAction(
        _ route: RouteConfig,
        upstreams: [String: Int],
        at path: ConfigPath
    ) -> RouteAction? {
        let given = [
            ("upstream", route.upstream != nil), ("redirect", route.redirect != nil), ("respond", route.respond != nil),
            ("service_routing", route.serviceRouting != nil),
        ]
        .filter(\.1).map(\.0)
        guard given.count == 1 else {
            if given.isEmpty {
                self.diagnostics.error(
                    path,
                    "route '\(route.name)' has no action",
                    hint:
                        "add one of upstream: NAME, redirect: {to: URL}, respond: {status: 200} or service_routing: {}"
                )
            } else {
                let actions = given.joined(separator: " and ")
                self.diagnostics.error(
                    path.key(given[1]),
                    "a route takes exactly one of upstream, redirect, respond and service_routing (this one has \(actions))"
                )
            }
            return nil
        }
        if let name = route.upstream {
            guard let index = upstreams[name] else {
                if self.config.upstreams[name] == nil {
                    let known = self.definedUpstreamNames
                    self.diagnostics.error(
                        path.key("upstream"),
                        "unknown upstream '\(name)'\(Suggestion.didYouMean(name, among: known))",
                        hint: known.isEmpty
                            ? "define it under 'upstreams:'" : "defined upstreams: \(Suggestion.list(known))"
                    )
                }
                return nil
            }
            return .proxy(upstream: index)
        }
        if let redirect = route.redirect {
            return self.compileRedirect(redirect, at: path.key("redirect")).map(RouteAction.redirect)
        }
        if let respond = route.respond {
            return self.compileRespond(respond, at: path.key("respond")).map(RouteAction.respond)
        }
        if let routing = route.serviceRouting {
            return self.compileServiceRouting(routing, at: path.key("service_routing")).map(RouteAction.service)
        }
        return nil
    }

    private mutating func compileRedirect(_ redirect: RedirectConfig, at path: ConfigPath) -> RedirectAction? {
        var valid = true
        if !Self.isAbsoluteHTTPURL(redirect.to) {
            self.diagnostics.error(
                path.key("to"),
                "redirect target '\(redirect.to)' is not an absolute http(s) URL",
                hint: "e.g. to: https://docs.example.com"
            )
            valid = false
        }
        if ![301, 302, 303, 307, 308].contains(redirect.status) {
            self.diagnostics.error(
                path.key("status"),
                "redirect status must be 301, 302, 303, 307 or 308 (is \(redirect.status))"
            )
            valid = false
        }
        return valid
            ? RedirectAction(location: redirect.to, status: redirect.status, appendPath: redirect.appendPath) : nil
    }

    private mutating func compileRespond(_ respond: RespondConfig, at path: ConfigPath) -> LocalResponse? {
        var valid = true
        if !(200...599).contains(respond.status) {
            self.diagnostics.error(path.key("status"), "status must be from 200 to 599 (is \(respond.status))")
            valid = false
        } else if [204, 304].contains(respond.status) && !respond.body.isEmpty {
            self.diagnostics.error(path.key("body"), "a \(respond.status) response cannot have a body")
            valid = false
        }
        if respond.contentType.isEmpty || !HTTPSyntax.isValidFieldValue(respond.contentType) {
            self.diagnostics.error(
                path.key("content_type"),
                "'\(respond.contentType)' is not a valid content type",
                hint: "e.g. application/json"
            )
            valid = false
        }
        var fields: [(String, String)] = [("content-type", respond.contentType)]
        let reserved = ["content-type", "content-length", "transfer-encoding", "connection"]
        for name in respond.headers.keys.sorted() {
            let value = respond.headers[name] ?? ""
            let headerPath = path.key("headers").key(name)
            if reserved.contains(name.lowercased()) {
                self.diagnostics.error(
                    headerPath,
                    "header '\(name)' is set by the gateway",
                    hint: name.lowercased() == "content-type" ? "use content_type instead" : "remove it"
                )
                valid = false
                continue
            }
            valid = Validation.checkHeaderName(name, at: headerPath, into: &self.diagnostics) && valid
            valid = Validation.checkHeaderValue(value, at: headerPath, into: &self.diagnostics) && valid
            fields.append((name, value))
        }
        return valid ? LocalResponse(status: respond.status, headers: HeaderList(fields), body: respond.body) : nil
    }

    private mutating func compileWebSocket(_ config: WebSocketConfig?, at path: ConfigPath) -> WebSocketPolicy {
        guard let config else { return WebSocketPolicy() }
        Validation.checkPositive(config.idleTimeout, at: path.key("idle_timeout"), into: &self.diagnostics)
        if let lifetime = config.maxLifetime {
            Validation.checkPositive(lifetime, at: path.key("max_lifetime"), into: &self.diagnostics)
        }
        if let size = config.maxMessageBytes {
            Validation.checkAtLeast(size.bytes, 1, at: path.key("max_message_bytes"), into: &self.diagnostics)
        }
        for (index, name) in config.protocols.enumerated() where !HTTPMethod.isValidToken(name) {
            self.diagnostics.error(
                path.key("protocols").index(index),
                "'\(name)' is not a valid subprotocol name",
                hint: "subprotocols are tokens, e.g. chat or graphql-ws"
            )
        }
        return WebSocketPolicy(
            enabled: config.enabled,
            protocols: config.protocols,
            idleTimeout: config.idleTimeout.timeAmount,
            maxLifetime: config.maxLifetime?.timeAmount,
            maxMessageBytes: config.maxMessageBytes?.bytes
        )
    }

    /// `http(s)://authority[...]` without spaces or control characters.
    static func isAbsoluteHTTPURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lowered.hasPrefix($0) }) else { return false }
        let authority = text.dropFirst(scheme.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !authority.isEmpty && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
    }

    /// `host` or `host:port` for a `Host` header.
    static func isValidAuthority(_ text: String) -> Bool {
        if text.hasPrefix("[") { return (try? HostPort(parsing: text)) != nil || text.hasSuffix("]") && text.count > 2 }
        if let colon = text.lastIndex(of: ":") {
            return HostPort.isValidHostName(text[..<colon]) && HostPort.port(text[text.index(after: colon)...]) != nil
        }
        return HostPort.isValidHostName(text[...])
    }
}
