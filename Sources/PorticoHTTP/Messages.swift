/// An HTTP protocol version.
public struct HTTPVersion: Hashable, Sendable {
    /// The major number.
    public var major: Int
    /// The minor number.
    public var minor: Int

    /// Creates a version.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/1.1.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)
    /// HTTP/2.
    public static let http2 = HTTPVersion(major: 2, minor: 0)
}

/// The head of a request as routing and filters see it, whatever protocol carried it.
///
/// The request target is kept as received (origin form, or made origin form from absolute
/// form by the codec), and `path`/`query` are views into it, so reading them allocates nothing.
public struct RequestHead: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The request target in origin form: path plus optional `?query`.
    public var target: String {
        didSet { self.queryStart = Self.findQuery(in: self.target) }
    }
    /// The protocol version the client used.
    public var version: HTTPVersion
    /// The header fields, including `Host`.
    public var headers: HeaderList

    private var queryStart: String.Index?

    /// Creates a request head.
    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HeaderList = HeaderList())
    {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.queryStart = Self.findQuery(in: target)
    }

    /// The path part of the target (everything before `?`).
    public var path: Substring {
        if let queryStart { return self.target[..<queryStart] }
        return self.target[...]
    }

    /// The query string after `?`, or nil when the target has none.
    public var query: Substring? {
        guard let queryStart else { return nil }
        return self.target[self.target.index(after: queryStart)...]
    }

    /// Replaces the path and keeps the query.
    public mutating func setPath<S: StringProtocol>(_ path: S) {
        if let query = self.query {
            self.target = "\(path)?\(query)"
        } else {
            self.target = String(path)
        }
    }

    /// The value of the first query parameter with this name (not percent-decoded).
    public func queryParameter(_ name: String) -> Substring? {
        guard let query else { return nil }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            if let equals = pair.firstIndex(of: "=") {
                if pair[..<equals] == name { return pair[pair.index(after: equals)...] }
            } else if pair == name {
                return pair[pair.endIndex...]
            }
        }
        return nil
    }

    /// Whether the client asked to keep the connection open (RFC 9112 §9.3).
    public var isKeepAlive: Bool {
        if self.version.major == 1 && self.version.minor == 0 {
            return self.headers.containsToken("keep-alive", in: "connection")
        }
        return !self.headers.containsToken("close", in: "connection")
    }

    private static func findQuery(in target: String) -> String.Index? {
        target.utf8.firstIndex(of: UInt8(ascii: "?"))
    }
}

/// The head of a response as filters see it.
public struct ResponseHead: Sendable {
    /// The status code.
    public var status: Int
    /// The reason phrase; nil sends the standard phrase for the status.
    public var reason: String?
    /// The protocol version.
    public var version: HTTPVersion
    /// The header fields.
    public var headers: HeaderList

    /// Creates a response head.
    public init(status: Int, reason: String? = nil, version: HTTPVersion = .http1_1, headers: HeaderList = HeaderList())
    {
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers
    }

    /// Whether a response with this status to a request with `method` carries no body
    /// (RFC 9112 §6.3: HEAD, 1xx, 204, 304).
    public func isBodiless(forRequestMethod method: HTTPMethod) -> Bool {
        method == .HEAD || (100..<200).contains(self.status) || self.status == 204 || self.status == 304
    }
}

/// A complete response built by the gateway itself (errors, redirects, fixed responses,
/// CORS preflights): small, with the body in memory.
public struct LocalResponse: Sendable {
    /// The head; framing headers are set when it is written.
    public var head: ResponseHead
    /// The body.
    public var body: String

    /// Creates a local response.
    public init(status: Int, headers: HeaderList = HeaderList(), body: String = "") {
        self.head = ResponseHead(status: status, headers: headers)
        self.body = body
    }
}
