import PorticoHTTP

/// Which part of a request `consistent_hash` keys on (`hash_on:` in an upstream's config).
public enum HashOn: Sendable, Hashable {
    /// The first value of a request header (`header:x-user-id`).
    case header(String)
    /// A cookie's value (`cookie:session`).
    case cookie(String)
    /// A query parameter's raw value (`query:tenant`).
    case query(String)
    /// The request path, without the query (`path`).
    case path
    /// The client's IP address (`client_ip`).
    case clientIP

    /// Parses a config value: `header:NAME`, `cookie:NAME`, `query:NAME`, `path` or
    /// `client_ip`; nil when it is none of these or a name is empty.
    public init?(configValue: String) {
        switch configValue {
        case "path":
            self = .path
            return
        case "client_ip":
            self = .clientIP
            return
        default: break
        }
        guard let colon = configValue.firstIndex(of: ":") else { return nil }
        let name = String(configValue[configValue.index(after: colon)...])
        guard !name.isEmpty else { return nil }
        switch configValue[..<colon] {
        case "header": self = .header(name)
        case "cookie": self = .cookie(name)
        case "query": self = .query(name)
        default: return nil
        }
    }

    /// The config spelling (inverse of ``init(configValue:)``).
    public var configValue: String {
        switch self {
        case .header(let name): "header:\(name)"
        case .cookie(let name): "cookie:\(name)"
        case .query(let name): "query:\(name)"
        case .path: "path"
        case .clientIP: "client_ip"
        }
    }

    /// The request's key hashed with ``StableHash``, for ``BalancerRequest/hashKey``; nil
    /// when the request lacks it (the balancer then spreads such requests evenly).
    public func key(of request: RequestHead, clientIP: String) -> UInt64? {
        switch self {
        case .header(let name):
            return request.headers[name].map { StableHash.hash($0) }
        case .cookie(let name):
            for header in request.headers.values("cookie") {
                if let value = Self.cookie(named: name, in: header) { return StableHash.hash(value) }
            }
            return nil
        case .query(let name):
            return request.queryParameter(name).map { StableHash.hash($0) }
        case .path:
            return StableHash.hash(request.path)
        case .clientIP:
            return StableHash.hash(clientIP)
        }
    }

    /// The value of cookie `name` in one `Cookie` field (`a=1; b=2`, RFC 6265 §4.2).
    static func cookie(named name: String, in header: String) -> Substring? {
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " || $0 == "\t" }
            guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
            return trimmed[trimmed.index(after: equals)...]
        }
        return nil
    }
}
