import PorticoHTTP

/// What a route matches, as the route table sees it: validated and normalised by the config
/// compiler, free of any config syntax.
public struct RouteSpec: Sendable {
    /// The route's unique name.
    public var name: String
    /// Host patterns; empty matches any host.
    public var hosts: [HostPattern]
    /// The path matcher; nil matches any path.
    public var path: PathMatcher?
    /// Allowed methods; nil allows any.
    public var methods: HTTPMethodSet?
    /// Header conditions, all of which must hold.
    public var headers: [FieldCondition]
    /// Query-parameter conditions, all of which must hold.
    public var query: [FieldCondition]
    /// Explicit priority: a higher value wins over every precedence rule.
    public var priority: Int

    /// Creates a spec.
    public init(
        name: String,
        hosts: [HostPattern] = [],
        path: PathMatcher? = nil,
        methods: HTTPMethodSet? = nil,
        headers: [FieldCondition] = [],
        query: [FieldCondition] = [],
        priority: Int = 0
    ) {
        self.name = name
        self.hosts = hosts
        self.path = path
        self.methods = methods
        self.headers = headers
        self.query = query
        self.priority = priority
    }
}

/// A host pattern. Hosts are compared lowercased and without port.
public enum HostPattern: Hashable, Sendable {
    /// Exactly this host, e.g. `api.example.com`.
    case exact(String)
    /// `*.example.org`: any host ending in `.example.org` (one or more labels before it), not
    /// `example.org` itself. The associated value is the suffix including the leading dot.
    case wildcard(suffix: String)

    /// Parses `api.example.com` or `*.example.org` (lowercasing it), or nil if malformed.
    public init?(_ text: String) {
        let lowered = HTTPSyntax.lowercasedASCII(text)
        if lowered.hasPrefix("*.") {
            let suffix = String(lowered.dropFirst())
            guard suffix.count > 1, Self.isValidHostText(String(suffix.dropFirst())) else { return nil }
            self = .wildcard(suffix: suffix)
        } else {
            guard Self.isValidHostText(lowered) else { return nil }
            self = .exact(lowered)
        }
    }

    private static func isValidHostText(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
            }
    }
}

/// How a route matches the (normalised) request path. Literal text is compared byte for
/// byte after being put in the form `PathNormalizer` gives requests (see ``PathTemplate``).
public enum PathMatcher: Sendable, Hashable {
    /// A path template matched segment by segment: literal segments, `{name}` parameters
    /// (one whole non-empty segment), `*` (any one non-empty segment) and a trailing `**`
    /// (zero or more segments: `/static/**` matches `/static` too). A template without
    /// variables is an exact path, and its trailing slash counts: `/users` ≠ `/users/`.
    case template(String)
    /// A literal prefix matched on segment boundaries: `/api/users` matches `/api/users`,
    /// `/api/users/` and `/api/users/7`, not `/api/usersx`; a trailing slash in the prefix
    /// is ignored, and `/` matches every path.
    case prefix(String)
    /// A regular expression over the whole path (searched, so anchor it with `^`/`$`);
    /// the last resort in precedence. Named groups become path parameters.
    case regex(String)
}

/// A condition on a header or query parameter: present with exactly this value, or just
/// present when `value` is nil.
public struct FieldCondition: Sendable, Hashable {
    /// The header or parameter name (headers compare case-insensitively).
    public var name: String
    /// The required value, or nil for "present with any value".
    public var value: String?

    /// Creates a condition.
    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
}

/// The request facts a route lookup reads.
public struct RouteQuery: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The host, lowercased and without port; empty if the request had none.
    public var host: Substring
    /// The normalised path.
    public var path: Substring
    /// The request head, for header and query conditions.
    public var head: RequestHead

    /// Creates a query.
    public init(method: HTTPMethod, host: Substring, path: Substring, head: RequestHead) {
        self.method = method
        self.host = host
        self.path = path
        self.head = head
    }
}

/// Named values captured from the path by `{name}` segments or regex named groups.
public struct PathParameters: Sendable, Equatable {
    /// The captured (name, value) pairs in template order.
    public private(set) var pairs: [(name: String, value: Substring)]

    /// No parameters.
    public init() {
        self.pairs = []
    }

    /// Adds a capture.
    public mutating func append(name: String, value: Substring) {
        self.pairs.append((name, value))
    }

    /// Makes room for `count` captures, so that capturing allocates once.
    public mutating func reserveCapacity(_ count: Int) {
        self.pairs.reserveCapacity(count)
    }

    /// The value captured under `name`.
    public subscript(name: String) -> Substring? {
        self.pairs.first { $0.name == name }?.value
    }

    /// Whether nothing was captured.
    public var isEmpty: Bool { self.pairs.isEmpty }

    /// Equal when both hold the same names and values in the same order.
    public static func == (lhs: PathParameters, rhs: PathParameters) -> Bool {
        lhs.pairs.count == rhs.pairs.count
            && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// The outcome of a route lookup.
public enum RouteLookup: Sendable, Equatable {
    /// The route at this index (into the specs the table was built from) matched.
    case matched(route: Int, parameters: PathParameters)
    /// No route matched host and path (404).
    case notFound
    /// Routes matched host and path but none allows the method (405); these do.
    case methodNotAllowed(allowed: HTTPMethodSet)
}
