import PorticoHTTP
import Testing

@testable import PorticoCore

/// A request as the route table sees it; `target` may carry a `?query`.
func routeQuery(
    _ target: String,
    host: String = "",
    method: HTTPMethod = .GET,
    headers: HeaderList = HeaderList()
) -> RouteQuery {
    let head = RequestHead(method: method, target: target, headers: headers)
    return RouteQuery(method: method, host: host[...], path: head.path, head: head)
}

extension RouteTable {
    /// `lookup`, checked against the linear reference on every call.
    func checkedLookup(_ query: RouteQuery, sourceLocation: SourceLocation = #_sourceLocation) -> RouteLookup {
        let result = self.lookup(query)
        let reference = self.explain(query).result
        #expect(
            result == reference,
            "lookup disagrees with explain for \(query.host) \(query.path)",
            sourceLocation: sourceLocation
        )
        return result
    }

    /// The name of the route `lookup` picks, or nil (404 or 405).
    func winner(
        _ target: String,
        host: String = "",
        method: HTTPMethod = .GET,
        headers: HeaderList = HeaderList(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String? {
        let query = routeQuery(target, host: host, method: method, headers: headers)
        guard case .matched(let route, _) = self.checkedLookup(query, sourceLocation: sourceLocation) else {
            return nil
        }
        return self.matchers[route].spec.name
    }

    /// The parameters captured for the winner, as `name=value` strings in order.
    func captures(_ target: String, host: String = "", sourceLocation: SourceLocation = #_sourceLocation) -> [String]? {
        guard
            case .matched(_, let parameters) = self.checkedLookup(
                routeQuery(target, host: host),
                sourceLocation: sourceLocation
            )
        else { return nil }
        return parameters.pairs.map { "\($0.name)=\($0.value)" }
    }
}

/// A table from specs, for brevity.
func table(_ specs: RouteSpec...) throws -> RouteTable {
    try RouteTable(routes: specs)
}

/// Host patterns from their config text.
func hosts(_ texts: String...) -> [HostPattern] {
    texts.compactMap { HostPattern($0) }
}
