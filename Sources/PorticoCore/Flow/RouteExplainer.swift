import NIOCore
import PorticoHTTP

/// Explains what the gateway would do with a request, without sending anything: which
/// route matched, why every other route did not, and the upstream request that would be
/// sent (or the local answer). Serves `portico route-test` and the admin API (SPEC F-14).
///
/// It runs the real ``RequestFlow`` (validation, routing, filters, rewrites), so the
/// explanation cannot drift from what the data plane does.
public struct RouteExplainer {
    /// The explanation of one request.
    public struct Explanation: Codable, Sendable, Equatable {
        /// One route's verdict.
        public struct Candidate: Codable, Sendable, Equatable {
            public var route: String
            public var verdict: String
        }

        /// A header field.
        public struct Field: Codable, Sendable, Equatable {
            public var name: String
            public var value: String
        }

        /// The request line as understood (method, host used for routing, normalised path).
        public var method: String
        public var host: String
        public var path: String
        /// The matched route, if any.
        public var matchedRoute: String?
        /// Every route's verdict, in config order.
        public var candidates: [Candidate]
        /// `proxy`, `local` (error, redirect, fixed response, filter answer) or `suspend`.
        public var outcome: String
        /// For `proxy`: the upstream and target chosen.
        public var upstream: String?
        public var target: String?
        /// For `proxy`: the request line and headers that would go upstream.
        public var upstreamRequestLine: String?
        public var upstreamHeaders: [Field]?
        /// For `local`: the status, headers and body the client would get.
        public var status: Int?
        public var responseHeaders: [Field]?
        public var responseBody: String?

        enum CodingKeys: String, CodingKey {
            case method, host, path, candidates, outcome, upstream, target, status
            case matchedRoute = "matched_route"
            case upstreamRequestLine = "upstream_request_line"
            case upstreamHeaders = "upstream_headers"
            case responseHeaders = "response_headers"
            case responseBody = "response_body"
        }
    }

    /// Problems with the request given to explain.
    public enum InputError: Error, CustomStringConvertible {
        case invalidURL(String)
        case invalidHeader(String)

        public var description: String {
            switch self {
            case .invalidURL(let url): "not an absolute http(s) URL or a path: \(url)"
            case .invalidHeader(let header): "header must look like 'Name: value': \(header)"
            }
        }
    }

    private let snapshot: RuntimeSnapshot
    private let eventLoop: any EventLoop

    /// An explainer over `snapshot`; filters that wait for asynchronous work would use
    /// `eventLoop` (the explanation only reports that they would).
    public init(snapshot: RuntimeSnapshot, eventLoop: any EventLoop) {
        self.snapshot = snapshot
        self.eventLoop = eventLoop
    }

    /// Builds a request head from a method, URL (`https://host/path?q` or `/path`) and
    /// `Name: value` header lines.
    public static func makeRequest(method: String, url: String, headers: [String]) throws -> RequestHead {
        var fields = HeaderList()
        for line in headers {
            guard let colon = line.firstIndex(of: ":") else { throw InputError.invalidHeader(line) }
            let name = String(line[..<colon]).trimmingSpaces()
            let value = String(line[line.index(after: colon)...]).trimmingSpaces()
            guard HTTPSyntax.isValidFieldName(name), HTTPSyntax.isValidFieldValue(value) else {
                throw InputError.invalidHeader(line)
            }
            fields.add(name: name, value: value)
        }
        var target = url
        if !url.hasPrefix("/") {
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw InputError.invalidURL(url)
            }
            let rest = url.drop(while: { $0 != ":" }).dropFirst(3)
            let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            let authority = String(rest[..<end])
            guard !authority.isEmpty else { throw InputError.invalidURL(url) }
            if !fields.contains("host") { fields.add(name: "host", value: authority) }
            target = String(rest[end...])
            if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        }
        if !fields.contains("host") { fields.add(name: "host", value: "localhost") }
        return RequestHead(method: HTTPMethod(method.uppercased()), target: target, headers: fields)
    }

    /// Explains `head`, as received from `client` on the snapshot's first listener.
    public func explain(_ head: RequestHead, client: ClientInfo = ClientInfo(ip: "127.0.0.1", port: 0)) -> Explanation {
        let services = StandaloneLoopServices(eventLoop: self.eventLoop)
        let listener = self.snapshot.listeners.first ?? ListenerSettings(name: "explain", host: "127.0.0.1", port: 0)
        var flow = RequestFlow(snapshot: self.snapshot, listener: listener, client: client, services: services)
        let now = NIODeadline.now()
        var action = flow.receiveHead(head, now: now)
        if case .connect = action { _ = flow.receiveEnd() }

        let host = String(flow.record.host)
        let path = flow.context.map { String($0.request.path) } ?? String(head.path)
        var explanation = Explanation(
            method: head.method.name,
            host: host,
            path: path,
            matchedRoute: flow.record.routeName.isEmpty ? nil : flow.record.routeName,
            candidates: [],
            outcome: "local"
        )
        let routingQuery = RouteQuery(method: head.method, host: Substring(host), path: Substring(path), head: head)
        explanation.candidates = self.snapshot.routeTable.explain(routingQuery).candidates.map {
            Explanation.Candidate(route: $0.name, verdict: Self.describe($0.verdict))
        }

        if case .connect(let plan, _) = action {
            action = flow.upstreamConnected(reused: false, now: now)
            explanation.outcome = "proxy"
            explanation.upstream = plan.upstream.name
            explanation.target = plan.target.url
        }
        switch action {
        case .sendRequest(let upstreamHead, _, _):
            explanation.upstreamRequestLine = "\(upstreamHead.method) \(upstreamHead.target) HTTP/1.1"
            explanation.upstreamHeaders = upstreamHead.headers.map { Explanation.Field(name: $0.name, value: $0.value) }
        case .respond(let response, _, _):
            explanation.outcome = "local"
            explanation.status = response.head.status
            explanation.responseHeaders = response.head.headers.map {
                Explanation.Field(name: $0.name, value: $0.value)
            }
            explanation.responseBody = response.body
        case .suspend:
            explanation.outcome = "suspend"
        default:
            break
        }
        return explanation
    }

    static func describe(_ verdict: RouteExplanation.Verdict) -> String {
        switch verdict {
        case .matched: "matched"
        case .hostMismatch: "host does not match"
        case .pathMismatch: "path does not match"
        case .methodMismatch(let allowed):
            "method not allowed (allows \(allowed.methods.map(\.name).joined(separator: ", ")))"
        case .headerMismatch(let name): "header '\(name)' missing or different"
        case .queryMismatch(let name): "query parameter '\(name)' missing or different"
        case .outranked(let winner): "matches, but '\(winner)' takes precedence"
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(self[...].trimmingHTTPWhitespace())
    }
}
