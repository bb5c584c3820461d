/// An HTTP request method. Methods are case-sensitive (RFC 9110 §9.1), so `get` is not `GET`.
///
/// The common methods are enum cases so that matching, routing and idempotency checks are
/// integer comparisons; anything else is kept verbatim in `.other`.
public enum HTTPMethod: Hashable, Sendable {
    // Method tokens are case-sensitive uppercase on the wire; the cases say them as sent.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    case GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH
    case other(String)

    /// Creates a method from its token as received on the wire.
    public init(_ token: String) {
        switch token {
        case "GET": self = .GET
        case "HEAD": self = .HEAD
        case "POST": self = .POST
        case "PUT": self = .PUT
        case "DELETE": self = .DELETE
        case "CONNECT": self = .CONNECT
        case "OPTIONS": self = .OPTIONS
        case "TRACE": self = .TRACE
        case "PATCH": self = .PATCH
        default: self = .other(token)
        }
    }

    /// The method token as sent on the wire.
    public var name: String {
        switch self {
        case .GET: "GET"
        case .HEAD: "HEAD"
        case .POST: "POST"
        case .PUT: "PUT"
        case .DELETE: "DELETE"
        case .CONNECT: "CONNECT"
        case .OPTIONS: "OPTIONS"
        case .TRACE: "TRACE"
        case .PATCH: "PATCH"
        case .other(let token): token
        }
    }

    /// Idempotent methods (RFC 9110 §9.2.2) may be replayed on another connection or target.
    public var isIdempotent: Bool {
        switch self {
        case .GET, .HEAD, .PUT, .DELETE, .OPTIONS, .TRACE: true
        case .POST, .CONNECT, .PATCH, .other: false
        }
    }

    /// A distinct bit for each standard method (0 for `.other`), for method sets as masks.
    @inlinable
    public var standardBit: UInt16 {
        switch self {
        case .GET: 1 << 0
        case .HEAD: 1 << 1
        case .POST: 1 << 2
        case .PUT: 1 << 3
        case .DELETE: 1 << 4
        case .CONNECT: 1 << 5
        case .OPTIONS: 1 << 6
        case .TRACE: 1 << 7
        case .PATCH: 1 << 8
        case .other: 0
        }
    }

    /// Whether the token is a syntactically valid method (an RFC 9110 `token`).
    public static func isValidToken(_ token: String) -> Bool {
        !token.isEmpty && token.utf8.allSatisfy(HTTPSyntax.isTokenByte)
    }
}

extension HTTPMethod: CustomStringConvertible {
    public var description: String { self.name }
}

/// A set of methods, stored as a bit mask for the common ones so route matching is one AND.
public struct HTTPMethodSet: Hashable, Sendable {
    private var mask: UInt16
    private var others: [String]

    /// The empty set.
    public init() {
        self.mask = 0
        self.others = []
    }

    /// A set holding the given methods.
    public init<S: Sequence>(_ methods: S) where S.Element == HTTPMethod {
        self.init()
        for method in methods { self.insert(method) }
    }

    /// Adds a method.
    public mutating func insert(_ method: HTTPMethod) {
        if let bit = Self.bit(method) {
            self.mask |= bit
        } else if case .other(let token) = method, !self.others.contains(token) {
            self.others.append(token)
        }
    }

    /// Whether the set holds the method.
    public func contains(_ method: HTTPMethod) -> Bool {
        if let bit = Self.bit(method) { return self.mask & bit != 0 }
        if case .other(let token) = method { return self.others.contains(token) }
        return false
    }

    /// Adds every method of another set.
    public mutating func formUnion(_ other: HTTPMethodSet) {
        self.mask |= other.mask
        for token in other.others where !self.others.contains(token) { self.others.append(token) }
    }

    /// Whether the set is empty.
    public var isEmpty: Bool { self.mask == 0 && self.others.isEmpty }

    public static func == (lhs: HTTPMethodSet, rhs: HTTPMethodSet) -> Bool {
        lhs.mask == rhs.mask && Set(lhs.others) == Set(rhs.others)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.mask)
        hasher.combine(Set(self.others))
    }

    /// The methods in a stable order (standard ones first, as in RFC 9110), for `Allow` headers.
    public var methods: [HTTPMethod] {
        let standard: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .DELETE, .CONNECT, .OPTIONS, .TRACE, .PATCH]
        return standard.filter { self.contains($0) } + self.others.map { .other($0) }
    }

    private static func bit(_ method: HTTPMethod) -> UInt16? {
        let bit = method.standardBit
        return bit == 0 ? nil : bit
    }
}
