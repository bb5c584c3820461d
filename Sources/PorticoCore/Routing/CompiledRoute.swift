import PorticoHTTP

/// One route's matchers in the form lookups evaluate: hosts, a parsed path pattern, and the
/// static parts of its rank.
public struct CompiledRouteMatcher: Sendable {
    /// The spec this was compiled from.
    public let spec: RouteSpec
    /// The route's index.
    public let index: Int
    /// The parsed path pattern.
    public let path: CompiledPath
    /// Path class for ``RouteRank``.
    public let pathClass: Int
    /// Literal prefix length for ``RouteRank``.
    public let literalLength: Int

    /// Compiles a spec; throws ``ConfigIssue`` for a malformed template or regex.
    public init(spec: RouteSpec, index: Int) throws {
        self.spec = spec
        self.index = index
        switch spec.path {
        case nil:
            self.path = .prefix("/")
            self.pathClass = RouteRank.globPath
            self.literalLength = 0
        case .prefix(let prefix):
            guard prefix.hasPrefix("/") else {
                throw ConfigIssue("path_prefix must start with '/'", key: "path_prefix", hint: "e.g. path_prefix: /api")
            }
            let trimmed = prefix.count > 1 && prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            self.path = .prefix(trimmed)
            self.pathClass = RouteRank.globPath
            self.literalLength = trimmed.utf8.count
        case .template(let template):
            let segments = try PathTemplate.parse(template)
            self.path = .template(segments)
            self.pathClass = PathTemplate.pathClass(segments)
            self.literalLength = PathTemplate.literalLength(segments)
        case .regex(let pattern):
            let compiled: CompiledRegex
            do {
                compiled = try CompiledRegex(pattern)
            } catch {
                throw ConfigIssue("path_regex is not a valid regular expression: \(error)", key: "path_regex")
            }
            self.path = .regex(compiled)
            self.pathClass = RouteRank.regexPath
            self.literalLength = 0
        }
    }

    /// The host class and specificity if `host` matches, else nil.
    public func hostMatch(_ host: Substring) -> (hostClass: Int, specificity: Int)? {
        if self.spec.hosts.isEmpty { return (RouteRank.anyHost, 0) }
        var best: (Int, Int)?
        for pattern in self.spec.hosts {
            switch pattern {
            case .exact(let name):
                if host == name { return (RouteRank.exactHost, name.utf8.count) }
            case .wildcard(let suffix):
                if host.utf8.count > suffix.utf8.count, host.hasSuffix(suffix) {
                    if best == nil || best!.1 < suffix.utf8.count { best = (RouteRank.wildcardHost, suffix.utf8.count) }
                }
            }
        }
        return best
    }

    /// The captured parameters if `path` matches, else nil.
    public func pathMatch(_ path: Substring) -> PathParameters? {
        switch self.path {
        case .prefix(let prefix):
            return PathTemplate.hasSegmentPrefix(path, prefix) ? PathParameters() : nil
        case .template(let segments):
            return PathTemplate.match(segments, path)
        case .regex(let regex):
            guard let match = regex.firstMatch(in: path) else { return nil }
            var parameters = PathParameters()
            for element in match.output {
                if let name = element.name, let value = element.substring { parameters.append(name: name, value: value) }
            }
            return parameters
        }
    }

    /// Why the method, headers or query rule out this route, or nil if they all hold.
    public func conditionFailure(_ query: RouteQuery) -> ConditionFailure? {
        for condition in self.spec.headers {
            guard let value = query.head.headers[condition.name] else { return .header(condition.name) }
            if let expected = condition.value, value != expected { return .header(condition.name) }
        }
        for condition in self.spec.query {
            guard let value = query.head.queryParameter(condition.name) else { return .query(condition.name) }
            if let expected = condition.value, value != expected { return .query(condition.name) }
        }
        if let methods = self.spec.methods, !methods.contains(query.method) { return .method(methods) }
        return nil
    }

    /// The number of method/header/query conditions, for ``RouteRank``.
    public var conditionCount: Int {
        (self.spec.methods == nil ? 0 : 1) + self.spec.headers.count + self.spec.query.count
    }

    /// The full rank given a host match.
    public func rank(hostClass: Int, specificity hostSpecificity: Int) -> RouteRank {
        RouteRank(
            priority: self.spec.priority,
            hostClass: hostClass,
            hostSpecificity: hostSpecificity,
            pathClass: self.pathClass,
            literalLength: self.literalLength,
            conditionCount: self.conditionCount,
            index: self.index
        )
    }

    /// A failed method/header/query condition.
    public enum ConditionFailure: Sendable, Equatable {
        case method(HTTPMethodSet)
        case header(String)
        case query(String)
    }
}

/// A parsed path pattern.
public enum CompiledPath: Sendable {
    case prefix(String)
    case template([PathTemplate.Segment])
    case regex(CompiledRegex)
}

/// Path templates: `/users/{id}/posts`, `/files/*`, `/static/**`.
public enum PathTemplate {
    /// One segment of a template.
    public enum Segment: Sendable, Hashable {
        /// Matches exactly this text.
        case literal(String)
        /// Matches any one non-empty segment and captures it.
        case parameter(String)
        /// `*`: any one non-empty segment, not captured.
        case anySegment
        /// `**`, last only: zero or more segments.
        case anyTail
    }

    /// Parses a template; throws ``ConfigIssue`` when malformed.
    public static func parse(_ template: String) throws -> [Segment] {
        guard template.hasPrefix("/") else {
            throw ConfigIssue("path must start with '/'", key: "path", hint: "e.g. path: /api/users/{id}")
        }
        var segments: [Segment] = []
        var names = Set<String>()
        let parts = template.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        for (offset, part) in parts.enumerated() {
            if part == "**" {
                guard offset == parts.count - 1 else {
                    throw ConfigIssue("'**' may only be the last segment of a path", key: "path", hint: "e.g. path: /static/**")
                }
                segments.append(.anyTail)
            } else if part == "*" {
                segments.append(.anySegment)
            } else if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                let name = String(part.dropFirst().dropLast())
                guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw ConfigIssue("parameter name '\(name)' may hold only letters, digits and '_'", key: "path")
                }
                guard names.insert(name).inserted else {
                    throw ConfigIssue("parameter '{\(name)}' appears twice in the path", key: "path")
                }
                segments.append(.parameter(name))
            } else if part.contains("{") || part.contains("}") || part.contains("*") {
                throw ConfigIssue(
                    "segment '\(part)' mixes text with a parameter or glob",
                    key: "path",
                    hint: "parameters and globs must be whole segments: /files/{name}, not /files/{name}.txt; use path_regex for more"
                )
            } else {
                segments.append(.literal(String(part)))
            }
        }
        return segments
    }

    /// The ``RouteRank`` path class of a template.
    public static func pathClass(_ segments: [Segment]) -> Int {
        var hasParameter = false
        for segment in segments {
            switch segment {
            case .anySegment, .anyTail: return RouteRank.globPath
            case .parameter: hasParameter = true
            case .literal: break
            }
        }
        return hasParameter ? RouteRank.parameterPath : RouteRank.exactPath
    }

    /// Bytes of the template before its first variable segment.
    public static func literalLength(_ segments: [Segment]) -> Int {
        var length = 0
        for segment in segments {
            guard case .literal(let text) = segment else { break }
            length += 1 + text.utf8.count
        }
        return length
    }

    /// Matches a path against a template, capturing parameters.
    public static func match(_ segments: [Segment], _ path: Substring) -> PathParameters? {
        var parameters = PathParameters()
        var rest = path.dropFirst()  // leading "/"
        var index = 0
        while index < segments.count {
            let segment = segments[index]
            if case .anyTail = segment { return parameters }
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            let part = rest[..<end]
            let hasMore = end < rest.endIndex
            switch segment {
            case .literal(let text):
                guard part == text else { return nil }
            case .parameter(let name):
                guard !part.isEmpty else { return nil }
                parameters.append(name: name, value: part)
            case .anySegment:
                guard !part.isEmpty else { return nil }
            case .anyTail:
                return parameters
            }
            index += 1
            if index == segments.count {
                return hasMore ? nil : parameters
            }
            if !hasMore {
                // Path ended; only a trailing `**` may still match (zero segments).
                if case .anyTail = segments[index], index == segments.count - 1 { return parameters }
                return nil
            }
            rest = rest[rest.index(after: end)...]
        }
        // Empty template ("/" parsed as one empty literal is handled above); no segments left.
        return rest.isEmpty ? parameters : nil
    }

    /// Whether `path` starts with `prefix` on a segment boundary.
    public static func hasSegmentPrefix(_ path: Substring, _ prefix: String) -> Bool {
        if prefix == "/" { return true }
        guard path.hasPrefix(prefix) else { return false }
        let rest = path.utf8.dropFirst(prefix.utf8.count)
        return rest.isEmpty || rest.first == UInt8(ascii: "/")
    }
}
