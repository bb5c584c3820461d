import PorticoCore
import PorticoHTTP

/// A header value that may reference request data, parsed once when the config is loaded:
/// `Bearer ${jwt.sub}`, `${client_ip}`, `tenant-${path.tenant}`.
///
/// Placeholders: `${client_ip}`, `${request_id}`, `${consumer}`, `${route}`, `${method}`,
/// `${path.NAME}` (a route path parameter), `${jwt.CLAIM}` (a claim the `jwt` filter put in
/// ``RequestContext/values`` as `jwt.CLAIM`), `${header.NAME}` and `${query.NAME}` (percent-
/// decoded). They read the request as it reached the filter. Upper-case `${NAME}` are
/// environment variables, replaced when the file is loaded, so they never get here.
struct HeaderTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal(String)
        case clientIP
        case requestID
        case consumer
        case route
        case method
        case pathParameter(String)
        /// The key in `values` (`jwt.sub`).
        case value(String)
        case header(String)
        case query(String)
    }

    let parts: [Part]
    /// The whole value when it has no placeholders.
    let literal: String?

    static let placeholderNames =
        "client_ip, request_id, consumer, route, method, path.NAME, jwt.CLAIM, header.NAME, query.NAME"

    /// Parses `text`; throws for an unknown or malformed placeholder.
    init(_ text: String) throws(ConfigIssue) {
        var parts: [Part] = []
        var literal = ""
        var rest = text[...]
        while let start = rest.firstRange(of: "${") {
            literal += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw ConfigIssue("unterminated '${' in header value '\(text)'")
            }
            let name = String(rest[start.upperBound..<end])
            if !literal.isEmpty {
                parts.append(.literal(literal))
                literal = ""
            }
            parts.append(try Self.placeholder(name))
            rest = rest[rest.index(after: end)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
        if parts.isEmpty {
            self.literal = ""
        } else if parts.count == 1, case .literal(let whole) = parts[0] {
            self.literal = whole
        } else {
            self.literal = nil
        }
    }

    private static func placeholder(_ name: String) throws(ConfigIssue) -> Part {
        switch name {
        case "client_ip": return .clientIP
        case "request_id": return .requestID
        case "consumer": return .consumer
        case "route": return .route
        case "method": return .method
        default: break
        }
        guard let dot = name.firstIndex(of: "."), name.index(after: dot) < name.endIndex else {
            throw ConfigIssue("unknown placeholder '${\(name)}'", hint: "known: \(Self.placeholderNames)")
        }
        let argument = String(name[name.index(after: dot)...])
        switch name[..<dot] {
        case "path": return .pathParameter(argument)
        case "jwt": return .value("jwt." + argument)
        case "header":
            guard HTTPSyntax.isValidFieldName(argument) else {
                throw ConfigIssue("'\(argument)' in '${\(name)}' is not a header name")
            }
            return .header(argument)
        case "query": return .query(argument)
        default:
            throw ConfigIssue("unknown placeholder '${\(name)}'", hint: "known: \(Self.placeholderNames)")
        }
    }

    /// Whether the value reads a request header.
    var readsHeaders: Bool {
        self.parts.contains {
            if case .header = $0 { return true }
            return false
        }
    }

    /// The value for this request, or nil when a placeholder has no data (no consumer, no such
    /// header...) or the result would not be a valid field value (a claim with a line break).
    func render(_ context: RequestContext) -> String? {
        if let literal = self.literal { return literal }
        if self.parts.count == 1, case .value(let key) = self.parts[0] {
            // `${jwt.sub}` alone: the value as it is, without building a new string.
            guard let value = context.values[key] else { return nil }
            return HTTPSyntax.isValidFieldValue(value) ? value : nil
        }
        var output = ""
        for part in self.parts {
            switch part {
            case .literal(let text): output += text
            case .clientIP: output += context.clientIP
            case .requestID:
                guard let id = context.requestID else { return nil }
                output += id
            case .consumer:
                guard let consumer = context.consumer else { return nil }
                output += consumer
            case .route: output += context.route.name
            case .method: output += context.request.method.name
            case .pathParameter(let name):
                guard let value = context.parameters[name] else { return nil }
                output += value
            case .value(let key):
                guard let value = context.values[key] else { return nil }
                output += value
            case .header(let name):
                guard let value = context.request.headers[name] else { return nil }
                output += value
            case .query(let name):
                guard let raw = context.request.queryParameter(name), let value = Bytes.percentDecode(raw) else {
                    return nil
                }
                output += value
            }
        }
        return HTTPSyntax.isValidFieldValue(output) ? output : nil
    }
}

extension HeaderTemplate {
    /// A value written as it is.
    init(literal: String) {
        self.parts = literal.isEmpty ? [] : [.literal(literal)]
        self.literal = literal
    }
}
