import PorticoHTTP

/// Finds the route for a request.
///
/// Two ways to ask, which always agree on the result:
/// - ``lookup(_:)``, the per-request path: an index (host buckets over segment tries, see
///   `RouteIndex`) whose cost grows with the path's segments and the host's labels, not with
///   the number of routes; regex routes are tried only when they could still win.
/// - ``explain(_:)``, the obviously correct reference: every route checked in config order,
///   with a verdict for each, for `portico route-test` and the admin API.
///
/// The winner is the matching route with the greatest ``RouteRank``. Routes that match host,
/// path, headers and query but not the method make a 405 with the union of their methods
/// when nothing matches fully.
public final class RouteTable: Sendable {
    /// The compiled matchers, by route index.
    public let matchers: [CompiledRouteMatcher]
    let index: RouteIndex

    /// Builds a table; throws ``ConfigIssue`` for a malformed host or path pattern.
    public init(routes: [RouteSpec]) throws {
        guard routes.count < Int(Int32.max) else {
            throw ConfigIssue("too many routes (\(routes.count))", key: "routes")
        }
        self.matchers = try routes.enumerated().map { try CompiledRouteMatcher(spec: $1, index: $0) }
        self.index = RouteIndex(self.matchers)
    }

    /// The number of routes.
    public var count: Int { self.matchers.count }

    /// The route for a request: the same result as `explain(query).result`, found through
    /// the index without allocating, except for the captured parameters of a winning
    /// `{param}` template or regex and the `Allow` set of a 405 with non-standard methods.
    public func lookup(_ query: RouteQuery) -> RouteLookup {
        self.index.lookup(query)
    }

    /// Every route's verdict for a request, and the result; slow (linear in the routes), for
    /// `portico route-test` and the admin API. Its `result` is by definition what
    /// ``lookup(_:)`` returns.
    public func explain(_ query: RouteQuery) -> RouteExplanation {
        var candidates: [RouteExplanation.Candidate] = []
        var best: (rank: RouteRank, index: Int, parameters: PathParameters)?
        var allowed = HTTPMethodSet()
        for matcher in self.matchers {
            let name = matcher.spec.name
            guard let host = matcher.hostMatch(query.host) else {
                candidates.append(.init(route: matcher.index, name: name, verdict: .hostMismatch))
                continue
            }
            guard let parameters = matcher.pathMatch(query.path) else {
                candidates.append(.init(route: matcher.index, name: name, verdict: .pathMismatch))
                continue
            }
            if let failure = matcher.conditionFailure(query) {
                switch failure {
                case .method(let methods):
                    allowed.formUnion(methods)
                    candidates.append(.init(route: matcher.index, name: name, verdict: .methodMismatch(methods)))
                case .header(let header):
                    candidates.append(.init(route: matcher.index, name: name, verdict: .headerMismatch(header)))
                case .query(let parameter):
                    candidates.append(.init(route: matcher.index, name: name, verdict: .queryMismatch(parameter)))
                }
                continue
            }
            let rank = matcher.rank(hostClass: host.hostClass, specificity: host.specificity)
            candidates.append(.init(route: matcher.index, name: name, verdict: .matched))
            if let current = best, rank < current.rank { continue }
            best = (rank, matcher.index, parameters)
        }
        let result: RouteLookup
        if let best {
            result = .matched(route: best.index, parameters: best.parameters)
            let winner = self.matchers[best.index].spec.name
            for index in candidates.indices
            where candidates[index].verdict == .matched && candidates[index].route != best.index {
                candidates[index].verdict = .outranked(by: winner)
            }
        } else if !allowed.isEmpty {
            result = .methodNotAllowed(allowed: allowed)
        } else {
            result = .notFound
        }
        return RouteExplanation(result: result, candidates: candidates)
    }
}

/// Why each route did or did not match a request.
public struct RouteExplanation: Sendable {
    /// One route's verdict.
    public struct Candidate: Sendable, Equatable {
        /// The route's index.
        public var route: Int
        /// The route's name.
        public var name: String
        /// What happened.
        public var verdict: Verdict

        /// Creates a candidate.
        public init(route: Int, name: String, verdict: Verdict) {
            self.route = route
            self.name = name
            self.verdict = verdict
        }
    }

    /// A route's verdict.
    public enum Verdict: Sendable, Equatable {
        /// This route handles the request.
        case matched
        /// No host pattern matches.
        case hostMismatch
        /// The path does not match.
        case pathMismatch
        /// Host and path match but the method is not one of these.
        case methodMismatch(HTTPMethodSet)
        /// The named header is missing or has another value.
        case headerMismatch(String)
        /// The named query parameter is missing or has another value.
        case queryMismatch(String)
        /// Matches, but the named route takes precedence.
        case outranked(by: String)
    }

    /// The lookup result.
    public var result: RouteLookup
    /// Every route's verdict, in config order.
    public var candidates: [Candidate]

    /// Creates an explanation.
    public init(result: RouteLookup, candidates: [Candidate]) {
        self.result = result
        self.candidates = candidates
    }
}
