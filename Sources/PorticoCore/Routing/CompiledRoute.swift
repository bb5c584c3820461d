import PorticoHTTP

/// One route's matchers in the form lookups evaluate: hosts, a parsed path pattern, and the
/// static parts of its rank.
///
/// Every comparison here is byte for byte on UTF-8 (hosts, path segments, header and query
/// values). Swift's `String ==` compares canonically equivalent Unicode as equal, so
/// `"K" == "\u{212A}"` (KELVIN SIGN) holds; a proxy must not treat such distinct bytes as the
/// same route, and the indexed ``RouteTable/lookup(_:)`` compares bytes, so this linear
/// reference must too.
public struct CompiledRouteMatcher: Sendable {
    /// The spec this was compiled from.
    public let spec: RouteSpec
    /// The route's index.
    public let index: Int
    /// The spec's host patterns, lowercased (requests carry lowercased hosts).
    public let hosts: [HostPattern]
    /// The parsed path pattern.
    public let path: CompiledPath
    /// Path class for ``RouteRank``.
    public let pathClass: Int
    /// Literal prefix length for ``RouteRank``: bytes of the path before its first variable part.
    public let literalLength: Int
    /// The number of method/header/query conditions, for ``RouteRank``.
    public let conditionCount: Int

    /// Compiles a spec; throws ``ConfigIssue`` for a malformed host, template, prefix or regex.
    ///
    /// Template and prefix text is put in the form ``PathNormalizer`` gives request paths
    /// (escapes of unreserved characters decoded, other escapes uppercased), so that
    /// `/%7Euser` in config matches the request `/~user`; `.`/`..` segments are refused,
    /// because a normalised request path never holds them.
    public init(spec: RouteSpec, index: Int) throws {
        self.spec = spec
        self.index = index
        self.hosts = try spec.hosts.map(Self.normalized)
        self.conditionCount = (spec.methods == nil ? 0 : 1) + spec.headers.count + spec.query.count
        switch spec.path {
        case nil:
            self.path = .prefix("/")
            self.pathClass = RouteRank.globPath
            self.literalLength = 0
        case .prefix(let prefix):
            let canonical = try PathTemplate.canonicalPrefix(prefix)
            self.path = .prefix(canonical)
            self.pathClass = RouteRank.globPath
            // The root prefix has no literal segment, like a route without a path condition.
            self.literalLength = canonical == "/" ? 0 : canonical.utf8.count
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

    /// Lowercases a host pattern and checks what the enum cannot: a wildcard suffix starts
    /// with `.` and has something after it.
    private static func normalized(_ pattern: HostPattern) throws -> HostPattern {
        switch pattern {
        case .exact(let name):
            return .exact(HTTPSyntax.lowercasedASCII(name))
        case .wildcard(let suffix):
            let lowered = HTTPSyntax.lowercasedASCII(suffix)
            guard lowered.utf8.first == UInt8(ascii: "."), lowered.utf8.count > 1 else {
                throw ConfigIssue(
                    "wildcard host suffix '\(suffix)' must start with '.'",
                    key: "hosts",
                    hint: "write the host as \"*.example.org\""
                )
            }
            return .wildcard(suffix: lowered)
        }
    }

    /// The host class and specificity if `host` matches, else nil.
    ///
    /// An exact pattern wins over wildcards; among wildcards the longest suffix counts.
    /// `*.example.org` needs at least one character before `.example.org`, so it does not
    /// match `example.org`.
    public func hostMatch(_ host: Substring) -> (hostClass: Int, specificity: Int)? {
        if self.hosts.isEmpty { return (RouteRank.anyHost, 0) }
        let bytes = host.utf8
        let hostLength = bytes.count
        var best: (hostClass: Int, specificity: Int)?
        for pattern in self.hosts {
            switch pattern {
            case .exact(let name):
                if bytes.elementsEqual(name.utf8) { return (RouteRank.exactHost, name.utf8.count) }
            case .wildcard(let suffix):
                let length = suffix.utf8.count
                guard hostLength > length, bytes.dropFirst(hostLength - length).elementsEqual(suffix.utf8) else {
                    continue
                }
                if length > best?.specificity ?? -1 { best = (RouteRank.wildcardHost, length) }
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
            return Self.regexMatch(regex, path)
        }
    }

    /// Runs a path regex; named groups that took part in the match become parameters.
    static func regexMatch(_ regex: CompiledRegex, _ path: Substring) -> PathParameters? {
        guard let match = regex.firstMatch(in: path) else { return nil }
        var parameters = PathParameters()
        for element in match.output {
            if let name = element.name, let value = element.substring { parameters.append(name: name, value: value) }
        }
        return parameters
    }

    /// Why the method, headers or query rule out this route, or nil if they all hold.
    ///
    /// Headers and query come first so that a method failure means "everything but the method
    /// matched", which is what a 405 reports.
    public func conditionFailure(_ query: RouteQuery) -> ConditionFailure? {
        if let failure = self.fieldFailure(query.head) { return failure }
        if let methods = self.spec.methods, !methods.contains(query.method) { return .method(methods) }
        return nil
    }

    /// The first header or query condition that does not hold, or nil.
    ///
    /// A header condition reads the first field with the name (case-insensitive name, exact
    /// value); a query condition reads the first parameter with the name, not percent-decoded.
    func fieldFailure(_ head: RequestHead) -> ConditionFailure? {
        for condition in self.spec.headers {
            guard let value = head.headers[condition.name] else { return .header(condition.name) }
            if let expected = condition.value, !value.utf8.elementsEqual(expected.utf8) {
                return .header(condition.name)
            }
        }
        if !self.spec.query.isEmpty {
            let queryString = head.query
            for condition in self.spec.query {
                guard let queryString, let value = QueryString.firstValue(of: condition.name, in: queryString) else {
                    return .query(condition.name)
                }
                if let expected = condition.value, !value.utf8.elementsEqual(expected.utf8) {
                    return .query(condition.name)
                }
            }
        }
        return nil
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
        /// The method is not one of these.
        case method(HTTPMethodSet)
        /// The named header is missing or has another value.
        case header(String)
        /// The named query parameter is missing or has another value.
        case query(String)
    }
}

/// Reading query strings without splitting them into arrays (route lookups run per request).
enum QueryString {
    /// The value of the first `name=value` (or bare `name`, value empty) pair in `query`,
    /// compared byte for byte and not percent-decoded; the same answer as
    /// `RequestHead.queryParameter`, without allocating.
    static func firstValue(of name: String, in query: Substring) -> Substring? {
        let bytes = query.utf8
        var pairStart = bytes.startIndex
        while pairStart < bytes.endIndex {
            let pairEnd = bytes[pairStart...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            if pairStart < pairEnd {
                let equals = bytes[pairStart..<pairEnd].firstIndex(of: UInt8(ascii: "=")) ?? pairEnd
                if bytes[pairStart..<equals].elementsEqual(name.utf8) {
                    let valueStart = equals < pairEnd ? bytes.index(after: equals) : pairEnd
                    return query[valueStart..<pairEnd]
                }
            }
            pairStart = pairEnd < bytes.endIndex ? bytes.index(after: pairEnd) : pairEnd
        }
        return nil
    }
}

/// A parsed path pattern.
public enum CompiledPath: Sendable {
    /// A segment-boundary prefix in canonical form: starts with `/`, no trailing `/` unless it
    /// is the root `/`, which matches every path.
    case prefix(String)
    /// A path template (see ``PathTemplate``).
    case template([PathTemplate.Segment])
    /// A regular expression searched in the path.
    case regex(CompiledRegex)
}

/// Path templates: `/users/{id}/posts`, `/files/*`, `/static/**`.
///
/// A path is a sequence of segments, each preceded by `/`: `/` is one empty segment, `/a/`
/// is `a` and an empty segment, `/a//b` is `a`, empty, `b`. A template is matched segment by
/// segment, comparing bytes:
/// - a literal segment matches exactly its text, so a trailing `/` is significant for
///   templates (`/users` does not match `/users/`; use a prefix or `/users/**` for both);
/// - `{name}` and `*` match one non-empty segment (`{name}` captures it);
/// - a trailing `**` matches zero or more segments, so `/static/**` matches `/static`,
///   `/static/` and `/static/a/b`, exactly like the prefix `/static`; `/**` alone matches
///   every path, like the prefix `/`.
///
/// A path that does not start with `/` (e.g. the asterisk-form `*`) matches no template or
/// prefix except the root ones (`/**`, the prefix `/`, no path condition).
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
        let parts = template.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for (offset, bytes) in parts.enumerated() {
            let part = Substring(bytes)
            if part == "**" {
                guard offset == parts.count - 1 else {
                    throw ConfigIssue(
                        "'**' may only be the last segment of a path",
                        key: "path",
                        hint: "e.g. path: /static/**"
                    )
                }
                segments.append(.anyTail)
            } else if part == "*" {
                segments.append(.anySegment)
            } else if part.hasPrefix("{") && part.hasSuffix("}") && part.utf8.count > 2 {
                let name = String(part.dropFirst().dropLast())
                guard name.utf8.allSatisfy(Self.isNameByte) else {
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
                    hint: "parameters and globs must be whole segments: /files/{name}, not /files/{name}.txt; "
                        + "use path_regex for more"
                )
            } else {
                segments.append(.literal(try Self.canonicalSegment(part, key: "path")))
            }
        }
        return segments
    }

    /// The canonical form of a `path_prefix`: segments normalised like request paths, and
    /// trailing slashes dropped (`/api/` and `/api` are the same prefix; `/` stays `/`).
    public static func canonicalPrefix(_ prefix: String) throws -> String {
        guard prefix.hasPrefix("/") else {
            throw ConfigIssue("path_prefix must start with '/'", key: "path_prefix", hint: "e.g. path_prefix: /api")
        }
        var parts = prefix.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        while let last = parts.last, last.isEmpty { parts.removeLast() }
        var result = ""
        for part in parts {
            result += "/"
            result += try Self.canonicalSegment(Substring(part), key: "path_prefix")
        }
        return result.isEmpty ? "/" : result
    }

    /// One literal segment in the form ``PathNormalizer`` gives requests.
    private static func canonicalSegment(_ part: Substring, key: String) throws -> String {
        guard let normalized = PathNormalizer.normalize(Substring("/" + part)) else {
            throw ConfigIssue(
                "path segment '\(part)' holds a malformed %-escape, a space or a control character",
                key: key,
                hint: "percent-encode such characters, e.g. %20"
            )
        }
        // A dot segment normalises away (to "/"), which no normalised request path contains.
        guard !(normalized.utf8.count == 1 && !part.isEmpty) else {
            throw ConfigIssue("path segment '\(part)' is a dot segment, which never matches", key: key)
        }
        return String(normalized.dropFirst())
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    /// The ``RouteRank`` path class of a template: exact without variables, parameter with
    /// `{name}` segments only, glob with any `*` or `**`.
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

    /// Bytes of the template before its first variable segment (`/api/{id}` → 4, `/` → 1,
    /// `/**` → 0).
    public static func literalLength(_ segments: [Segment]) -> Int {
        var length = 0
        for segment in segments {
            guard case .literal(let text) = segment else { break }
            length += 1 + text.utf8.count
        }
        return length
    }

    /// The number of `{name}` segments.
    static func parameterCount(_ segments: [Segment]) -> Int {
        segments.reduce(0) { count, segment in
            if case .parameter = segment { count + 1 } else { count }
        }
    }

    /// Matches a path against a template (see ``PathTemplate`` for the rules), capturing
    /// parameters as slices of `path`.
    public static func match(_ segments: [Segment], _ path: Substring) -> PathParameters? {
        guard let first = segments.first else { return nil }
        if case .anyTail = first { return PathParameters() }
        let bytes = path.utf8
        guard bytes.first == UInt8(ascii: "/") else { return nil }
        var parameters = PathParameters()
        var start = bytes.index(after: bytes.startIndex)
        var index = 0
        while true {
            // `start` is the first byte of a (possibly empty) path segment.
            let segment = segments[index]
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
            switch segment {
            case .anyTail:
                return parameters
            case .literal(let text):
                guard bytes[start..<end].elementsEqual(text.utf8) else { return nil }
            case .parameter(let name):
                guard start < end else { return nil }
                if parameters.isEmpty { parameters.reserveCapacity(Self.parameterCount(segments)) }
                parameters.append(name: name, value: path[start..<end])
            case .anySegment:
                guard start < end else { return nil }
            }
            index += 1
            if end == bytes.endIndex {
                // The path is used up: the template must be too, or only `**` (zero segments) remain.
                if index == segments.count { return parameters }
                if case .anyTail = segments[index] { return parameters }
                return nil
            }
            if index == segments.count { return nil }
            start = bytes.index(after: end)
        }
    }

    /// Whether `path` starts with the canonical `prefix` on a segment boundary: `/api` matches
    /// `/api`, `/api/` and `/api/x`, not `/apix`; `/` matches every path.
    public static func hasSegmentPrefix(_ path: Substring, _ prefix: String) -> Bool {
        if prefix == "/" { return true }
        let bytes = path.utf8
        guard bytes.starts(with: prefix.utf8) else { return false }
        let rest = bytes.dropFirst(prefix.utf8.count)
        return rest.isEmpty || rest.first == UInt8(ascii: "/")
    }
}
