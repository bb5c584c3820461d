import PorticoCore
import PorticoHTTP

extension Compilation {
    /// The route table's view of a route's `match:`, or nil when something in it is invalid.
    mutating func compileMatch(_ route: RouteConfig, at routePath: ConfigPath) -> RouteSpec? {
        let match = route.match
        let path = routePath.key("match")
        var valid = true
        var hosts: [HostPattern] = []
        for (index, text) in match.hosts.enumerated() {
            if let pattern = HostPattern(text) {
                hosts.append(pattern)
            } else {
                self.diagnostics.error(
                    path.key("hosts").index(index),
                    "invalid host pattern '\(text)'",
                    hint: "a host name (api.example.com) or a wildcard (*.example.org), without scheme or port"
                )
                valid = false
            }
        }
        let pathKinds = [("path", match.path), ("path_prefix", match.pathPrefix), ("path_regex", match.pathRegex)]
            .filter { $0.1 != nil }
        var pathMatcher: PathMatcher?
        if pathKinds.count > 1 {
            let given = pathKinds.map(\.0).joined(separator: " and ")
            self.diagnostics.error(
                path.key(pathKinds[1].0),
                "give at most one of path, path_prefix and path_regex (this match has \(given))"
            )
            valid = false
        } else if let template = match.path {
            pathMatcher = .template(template)
        } else if let prefix = match.pathPrefix {
            pathMatcher = .prefix(prefix)
        } else if let regex = match.pathRegex {
            pathMatcher = .regex(regex)
        }
        var methods: HTTPMethodSet?
        if let names = match.methods {
            methods = self.compileMethods(names, at: path.key("methods"))
            valid = valid && methods != nil
        }
        var headers: [FieldCondition] = []
        for name in match.headers.keys.sorted() {
            let value = match.headers[name] ?? ""
            let headerPath = path.key("headers").key(name)
            valid = Validation.checkHeaderName(name, at: headerPath, into: &self.diagnostics) && valid
            valid = Validation.checkHeaderValue(value, at: headerPath, into: &self.diagnostics) && valid
            headers.append(FieldCondition(name: name, value: value))
        }
        var query: [FieldCondition] = []
        for name in match.query.keys.sorted() {
            if name.isEmpty {
                self.diagnostics.error(path.key("query").key(name), "query parameter name is empty")
                valid = false
            }
            query.append(FieldCondition(name: name, value: match.query[name]))
        }
        let spec = RouteSpec(
            name: route.name,
            hosts: hosts,
            path: pathMatcher,
            methods: methods,
            headers: headers,
            query: query,
            priority: route.priority
        )
        // The route table owns the pattern syntax; a one-route table checks this route alone,
        // so every bad pattern is reported, each at its own route.
        do {
            _ = try RouteTable(routes: [spec])
        } catch let issue as ConfigIssue {
            self.diagnostics.issue(issue, at: path)
            valid = false
        } catch {
            self.diagnostics.error(path, "invalid match: \(error)")
            valid = false
        }
        return valid ? spec : nil
    }

    private mutating func compileMethods(_ names: [String], at path: ConfigPath) -> HTTPMethodSet? {
        if names.isEmpty {
            self.diagnostics.error(
                path,
                "methods is empty, so nothing could match",
                hint: "omit 'methods' to allow any method"
            )
            return nil
        }
        var set = HTTPMethodSet()
        var valid = true
        for (index, name) in names.enumerated() {
            if !HTTPMethod.isValidToken(name) {
                self.diagnostics.error(
                    path.index(index),
                    "'\(name)' is not a valid method",
                    hint: "e.g. GET, POST, PUT, DELETE"
                )
                valid = false
            } else if name.contains(where: \.isLowercase) {
                self.diagnostics.error(
                    path.index(index),
                    "method '\(name)' must be uppercase",
                    hint: "methods are case-sensitive: write \(name.uppercased())"
                )
                valid = false
            } else {
                set.insert(HTTPMethod(name))
            }
        }
        return valid ? set : nil
    }

    /// The path rewrite; `{param}`s it uses must be captured by the route's path template.
    mutating func compileRewrite(_ route: RouteConfig, spec: RouteSpec?, at path: ConfigPath) -> PathRewrite? {
        let rewrite: PathRewrite
        do {
            rewrite = try PathRewrite(
                stripPrefix: route.stripPrefix,
                regex: route.rewrite?.regex,
                replacement: route.rewrite?.replacement,
                template: route.rewrite?.path,
                addPrefix: route.addPrefix
            )
        } catch let issue as ConfigIssue {
            self.diagnostics.issue(issue, at: path)
            return nil
        } catch {
            self.diagnostics.error(path.key("rewrite"), "invalid rewrite: \(error)")
            return nil
        }
        let referenced = rewrite.referencedParameters
        guard !referenced.isEmpty, let spec else { return rewrite }
        let captured: Set<String>
        switch spec.path {
        case .regex:
            return rewrite  // named groups are captured at run time; nothing to compare against
        case .template(let template):
            captured = Set(Self.templateParameters(template))
        case .prefix, nil:
            captured = []
        }
        for name in referenced where !captured.contains(name) {
            self.diagnostics.error(
                path.key("rewrite"),
                "rewrite uses {\(name)}, which the route's path does not capture",
                hint: captured.isEmpty
                    ? "capture it with a path template: path: /users/{\(name)}"
                    : "captured: \(captured.sorted().map { "{\($0)}" }.joined(separator: ", "))"
            )
            return nil
        }
        return rewrite
    }

    /// `{name}` segments of a path template.
    static func templateParameters(_ template: String) -> [String] {
        template.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") && segment.count > 2
                ? String(segment.dropFirst().dropLast()) : nil
        }
    }
}
