import PorticoCore
import PorticoHTTP

/// `cors` (SPEC F-44): cross-origin resource sharing handled at the gateway. Preflight
/// requests (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) are answered here and
/// never reach the upstream; other requests from an allowed origin get the CORS response
/// headers added (replacing any the upstream sent).
///
/// ```yaml
/// cors-web:
///   type: cors
///   allowed_origins: ["https://app.example.com", "https://*.example.org"]
///   allowed_origin_patterns: ["^https://pr-[0-9]+\\.preview\\.example\\.net$"]
///   allowed_methods: [GET, POST]
///   allowed_headers: [Content-Type, Authorization]
///   exposed_headers: [X-Request-ID]
///   allow_credentials: true
///   max_age: 10m
/// ```
///
/// Origins: exact (`https://app.example.com`, compared case-insensitively), one `*` standing
/// for one or more DNS labels (`https://*.example.org` matches `https://a.b.example.org`, not
/// `https://example.org`), `*` alone for any origin (not with credentials), and regular
/// expressions that must match the whole origin. A preflight from an origin that is not
/// allowed is answered `403`; other requests from it pass without CORS headers, so the
/// browser refuses the response to the page (same-origin requests also carry `Origin`).
/// Unless every origin is allowed, every response carries `Vary: Origin`.
public struct CORSFilter: HTTPFilter {
    /// The filter's configuration.
    public struct Configuration: FilterConfiguration {
        public static let typeName = "cors"
        /// Exact or wildcard origins, or `*`.
        public var allowedOrigins: [String]
        /// Regular expressions over the whole origin.
        public var allowedOriginPatterns: [String]
        /// Methods allowed cross-origin (default GET, HEAD, POST).
        public var allowedMethods: [String]
        /// Request headers allowed (default: whatever the preflight asks for; `*` too).
        public var allowedHeaders: [String]?
        /// Response headers the page may read.
        public var exposedHeaders: [String]
        /// Whether credentials (cookies, `Authorization`) may be sent (default false).
        public var allowCredentials: Bool
        /// How long browsers may cache a preflight answer, in seconds (default: not sent).
        public var maxAgeSeconds: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case allowedOrigins = "allowed_origins"
            case allowedOriginPatterns = "allowed_origin_patterns"
            case allowedMethods = "allowed_methods"
            case allowedHeaders = "allowed_headers"
            case exposedHeaders = "exposed_headers"
            case allowCredentials = "allow_credentials"
            case maxAge = "max_age"
        }

        /// A configuration.
        public init(
            allowedOrigins: [String], allowedOriginPatterns: [String] = [],
            allowedMethods: [String] = ["GET", "HEAD", "POST"],
            allowedHeaders: [String]? = nil, exposedHeaders: [String] = [], allowCredentials: Bool = false,
            maxAgeSeconds: Int? = nil
        ) {
            self.allowedOrigins = allowedOrigins
            self.allowedOriginPatterns = allowedOriginPatterns
            self.allowedMethods = allowedMethods
            self.allowedHeaders = allowedHeaders
            self.exposedHeaders = exposedHeaders
            self.allowCredentials = allowCredentials
            self.maxAgeSeconds = maxAgeSeconds
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.allowedOrigins = try container.decodeIfPresent([String].self, forKey: .allowedOrigins) ?? []
            self.allowedOriginPatterns =
                try container.decodeIfPresent([String].self, forKey: .allowedOriginPatterns) ?? []
            self.allowedMethods =
                try container.decodeIfPresent([String].self, forKey: .allowedMethods) ?? ["GET", "HEAD", "POST"]
            self.allowedHeaders = try container.decodeIfPresent([String].self, forKey: .allowedHeaders)
            self.exposedHeaders = try container.decodeIfPresent([String].self, forKey: .exposedHeaders) ?? []
            self.allowCredentials = try container.decodeIfPresent(Bool.self, forKey: .allowCredentials) ?? false
            if let text = try container.decodeIfPresent(String.self, forKey: .maxAge) {
                guard let nanoseconds = ConfigValues.duration(text, bareSeconds: true), nanoseconds >= 0 else {
                    throw ConfigIssue("'\(text)' is not a duration", key: "max_age", hint: "seconds, or e.g. 10m, 2h")
                }
                self.maxAgeSeconds = Int(nanoseconds / 1_000_000_000)
            } else {
                self.maxAgeSeconds = nil
            }
            try self.validate()
        }

        private func validate() throws {
            guard !self.allowedOrigins.isEmpty || !self.allowedOriginPatterns.isEmpty else {
                throw ConfigIssue(
                    "a cors filter needs allowed_origins or allowed_origin_patterns", key: "allowed_origins",
                    hint: "e.g. allowed_origins: [\"https://app.example.com\"]")
            }
            for origin in self.allowedOrigins where OriginRule(origin) == nil {
                throw ConfigIssue(
                    "'\(origin)' is not an origin", key: "allowed_origins",
                    hint: "scheme://host[:port] without a path, with at most one '*' for subdomains, or '*'")
            }
            if self.allowCredentials && self.allowedOrigins.contains("*") {
                throw ConfigIssue(
                    "allowed_origins '*' cannot be combined with allow_credentials: true", key: "allowed_origins",
                    hint: "list the origins that may send credentials")
            }
            for pattern in self.allowedOriginPatterns {
                do {
                    _ = try CompiledRegex(pattern)
                } catch {
                    throw ConfigIssue(
                        "invalid regular expression '\(pattern)': \(error)", key: "allowed_origin_patterns")
                }
            }
            for method in self.allowedMethods where !HTTPMethod.isValidToken(method) || method == "*" {
                throw ConfigIssue("'\(method)' is not a method", key: "allowed_methods", hint: "e.g. [GET, POST]")
            }
            for (key, names) in [
                ("allowed_headers", self.allowedHeaders ?? []), ("exposed_headers", self.exposedHeaders),
            ] {
                for name in names where name != "*" && !HTTPSyntax.isValidFieldName(name) {
                    throw ConfigIssue("'\(name)' is not a valid header name", key: key)
                }
            }
        }

        public func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            try CORSFilter(configuration: self)
        }
    }

    /// One `allowed_origins` entry.
    enum OriginRule: Equatable {
        case any
        case exact(String)
        /// `prefix*suffix`, the star standing for DNS labels.
        case wildcard(prefix: String, suffix: String)

        init?(_ text: String) {
            if text == "*" {
                self = .any
                return
            }
            let lowered = HTTPSyntax.lowercasedASCII(text)
            guard let schemeEnd = lowered.firstRange(of: "://"), !lowered[..<schemeEnd.lowerBound].isEmpty else {
                return nil
            }
            let authority = lowered[schemeEnd.upperBound...]
            guard !authority.isEmpty, !authority.contains("/"), !authority.contains("?"), !authority.contains("#"),
                HTTPSyntax.isValidFieldValue(text), !text.contains(" ")
            else { return nil }
            let stars = lowered.filter { $0 == "*" }.count
            if stars == 0 {
                self = .exact(lowered)
            } else if stars == 1, authority.hasPrefix("*.") {
                let star = lowered.firstIndex(of: "*")!
                self = .wildcard(
                    prefix: String(lowered[..<star]), suffix: String(lowered[lowered.index(after: star)...]))
            } else {
                return nil
            }
        }
    }

    private let anyOrigin: Bool
    private let exact: Set<String>
    private let wildcards: [(prefix: String, suffix: String)]
    private let patterns: [CompiledRegex]
    private let allowMethods: String
    private let allowHeaders: String?
    private let exposeHeaders: String?
    private let allowCredentials: Bool
    private let maxAge: String?

    /// A filter.
    public init(configuration: Configuration) throws {
        var anyOrigin = false
        var exact: Set<String> = []
        var wildcards: [(String, String)] = []
        for origin in configuration.allowedOrigins {
            switch OriginRule(origin) {
            case .any: anyOrigin = true
            case .exact(let value): exact.insert(value)
            case .wildcard(let prefix, let suffix): wildcards.append((prefix, suffix))
            case nil: throw ConfigIssue("'\(origin)' is not an origin", key: "allowed_origins")
            }
        }
        self.anyOrigin = anyOrigin
        self.exact = exact
        self.wildcards = wildcards
        self.patterns = try configuration.allowedOriginPatterns.map { try CompiledRegex($0) }
        self.allowMethods = configuration.allowedMethods.joined(separator: ", ")
        if let headers = configuration.allowedHeaders, !headers.contains("*") {
            self.allowHeaders = headers.joined(separator: ", ")
        } else {
            self.allowHeaders = nil
        }
        self.exposeHeaders =
            configuration.exposedHeaders.isEmpty ? nil : configuration.exposedHeaders.joined(separator: ", ")
        self.allowCredentials = configuration.allowCredentials
        self.maxAge = configuration.maxAgeSeconds.map { String($0) }
    }

    /// Whether `origin` (the `Origin` header) is allowed.
    func allows(_ origin: String) -> Bool {
        if self.anyOrigin { return true }
        let lowered = HTTPSyntax.lowercasedASCII(origin)
        if self.exact.contains(lowered) { return true }
        for (prefix, suffix) in self.wildcards
        where lowered.utf8.count > prefix.utf8.count + suffix.utf8.count && lowered.hasPrefix(prefix)
            && lowered.hasSuffix(suffix)
        {
            let labels = lowered.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
            if labels.allSatisfy(Self.isHostByte) && labels.first != UInt8(ascii: ".") { return true }
        }
        for pattern in self.patterns where pattern.wholeMatch(origin[...]) { return true }
        return false
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// The `Access-Control-Allow-Origin` value for an allowed origin.
    private func allowOrigin(_ origin: String) -> String {
        self.anyOrigin && !self.allowCredentials ? "*" : origin
    }

    private static func isPreflight(_ request: RequestHead) -> Bool {
        request.method == .OPTIONS && request.headers.contains("origin")
            && request.headers.contains("access-control-request-method")
    }

    /// Preflights are answered here, so routing lets them through `methods` (see
    /// ``HTTPFilter/answersCORSPreflight``).
    public var answersCORSPreflight: Bool { true }

    public func onRequest(_ context: inout RequestContext) -> FilterDecision {
        guard Self.isPreflight(context.request), let origin = context.request.headers["origin"] else { return .proceed }
        guard self.allows(origin) else {
            var headers = HeaderList()
            if !self.anyOrigin { headers.add(name: "Vary", value: "Origin") }
            return .reject(GatewayError(.forbidden, "CORS preflight from a disallowed origin", headers: headers))
        }
        var headers = HeaderList()
        headers.add(name: "Access-Control-Allow-Origin", value: self.allowOrigin(origin))
        if self.allowCredentials { headers.add(name: "Access-Control-Allow-Credentials", value: "true") }
        headers.add(name: "Access-Control-Allow-Methods", value: self.allowMethods)
        if let allowHeaders = self.allowHeaders {
            headers.add(name: "Access-Control-Allow-Headers", value: allowHeaders)
        } else if let requested = context.request.headers["access-control-request-headers"], !requested.isEmpty {
            // No list configured: allow what the page asks for (reflected, which also works with credentials).
            headers.add(name: "Access-Control-Allow-Headers", value: requested)
        }
        if let maxAge = self.maxAge { headers.add(name: "Access-Control-Max-Age", value: maxAge) }
        headers.add(
            name: "Vary",
            value: self.anyOrigin && !self.allowCredentials
                ? "Access-Control-Request-Method, Access-Control-Request-Headers"
                : "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        return .respond(LocalResponse(status: 204, headers: headers))
    }

    public var phases: FilterPhases { [.request, .response] }

    public func onResponse(_ response: inout ResponseHead, context: RequestContext) {
        // Preflights were answered whole in `onRequest`.
        if Self.isPreflight(context.request) { return }
        let variesByOrigin = !self.anyOrigin || self.allowCredentials
        if variesByOrigin { Self.addVaryOrigin(&response.headers) }
        guard let origin = context.request.headers["origin"], self.allows(origin) else { return }
        response.headers.set(name: "Access-Control-Allow-Origin", value: self.allowOrigin(origin))
        if self.allowCredentials {
            response.headers.set(name: "Access-Control-Allow-Credentials", value: "true")
        } else {
            response.headers.remove(name: "Access-Control-Allow-Credentials")
        }
        if let exposeHeaders = self.exposeHeaders {
            response.headers.set(name: "Access-Control-Expose-Headers", value: exposeHeaders)
        }
    }

    /// Adds `Origin` to `Vary` unless it is there already (or `Vary: *`).
    static func addVaryOrigin(_ headers: inout HeaderList) {
        // Walks the fields in place: `values("vary")` would build an array per response.
        var present = false
        for (name, value) in headers.pairs where HTTPSyntax.equalsCaseInsensitive(name, "vary") {
            HTTPSyntax.forEachListElement(in: value) { element in
                if element == "*"
                    || element.utf8.elementsEqual("origin".utf8, by: { HTTPSyntax.lowercase($0) == $1 })
                {
                    present = true
                }
            }
            if present { return }
        }
        headers.add(name: "Vary", value: "Origin")
    }
}
