import Benchmark
import Portico

/// A compiled snapshot with 10,000 routes (or another number of the same kinds) and the
/// requests looked up in it.
///
/// The routes are what a large multi-tenant gateway carries: on 60 exact hosts, 35% `{param}`
/// templates (one or two parameters), 20% segment-boundary prefixes, 20% exact paths (some
/// with method conditions) and 20 regexes; on 10 wildcard hosts, 10% prefixes; without a host,
/// 10% templates and 5% prefixes; and one host's catch-all. Lookups go through
/// `snapshot.routeTable.lookup`, exactly as `RequestFlow` routes a request.
final class RouteLookupState {
    /// The size of the table the benchmarks are about.
    static let largeTable = 10_000
    /// One benchmark iteration looks each of them up once (the scaling factor, `.kilo`), so
    /// every iteration does the same work and makes the same number of allocations.
    static let queryCount = 1000

    let snapshot: RuntimeSnapshot
    /// Requests that match a route without capturing parameters (exact paths, prefixes).
    let staticQueries: [RouteQuery]
    /// Requests that match a `{param}` template (the lookup captures the parameters).
    let parameterQueries: [RouteQuery]
    /// Requests no route matches (404).
    let missQueries: [RouteQuery]
    /// 45% static, 45% parameter, 10% miss, shuffled.
    let mixedQueries: [RouteQuery]
    /// 16 of the static requests, over and over: the few routes a busy gateway serves most,
    /// whose index entries stay in the CPU caches (the other sets touch 1000 routes at random).
    let hotQueries: [RouteQuery]

    /// The 10,000 routes (and a catch-all), and request targets that hit them.
    static func makeRoutes(count: Int = largeTable) -> (
        routes: [RouteConfig], staticTargets: [(host: String, path: String)],
        parameterTargets: [(host: String, path: String)]
    ) {
        var routes: [RouteConfig] = []
        routes.reserveCapacity(count)
        var staticTargets: [(host: String, path: String)] = []
        var parameterTargets: [(host: String, path: String)] = []
        for index in 0..<count {
            let exactHost = "svc\(index % 60).example.com"
            let wildcardSuffix = "tenant\(index % 10).example.net"
            var match = RouteMatchConfig()
            switch index % 20 {
            case 0..<7:
                // `/api/v1/orders-123/{id}` and `/api/v1/orders-123/{id}/items/{item}` on an exact host.
                match.hosts = [exactHost]
                if index % 2 == 0 {
                    match.path = "/api/v\(index % 3 + 1)/orders-\(index)/{id}"
                    parameterTargets.append((exactHost, "/api/v\(index % 3 + 1)/orders-\(index)/98765"))
                } else {
                    match.path = "/api/v\(index % 3 + 1)/orders-\(index)/{id}/items/{item}"
                    parameterTargets.append((exactHost, "/api/v\(index % 3 + 1)/orders-\(index)/98765/items/3"))
                }
                if index % 7 == 1 { match.methods = ["GET", "POST"] }
            case 7..<11:
                match.hosts = [exactHost]
                match.pathPrefix = "/static/app-\(index)"
                staticTargets.append((exactHost, "/static/app-\(index)/js/main.4f2a9c.js"))
            case 11..<15:
                match.hosts = [exactHost]
                match.path = "/v1/services/service-\(index)/status"
                if index % 3 == 0 { match.methods = ["GET", "HEAD"] }
                staticTargets.append((exactHost, "/v1/services/service-\(index)/status"))
            case 15..<17:
                match.hosts = ["*." + wildcardSuffix]
                match.pathPrefix = "/t/area-\(index)"
                staticTargets.append(("acme." + wildcardSuffix, "/t/area-\(index)/dashboard"))
            case 17..<19:
                // Host-less routes: every request's last resort bucket.
                match.path = "/public/page-\(index)/{slug}"
                parameterTargets.append(("www.example.org", "/public/page-\(index)/getting-started"))
            default:
                if index % 500 == 19 {
                    match.hosts = [exactHost]
                    match.pathRegex = "^/legacy/r\(index)/(?<year>[0-9]{4})/(?<slug>[a-z-]+)$"
                } else {
                    match.pathPrefix = "/shared/lib-\(index)"
                    staticTargets.append(("cdn.example.org", "/shared/lib-\(index)/v2/index.css"))
                }
            }
            routes.append(RouteConfig(name: "route-\(index)", match: match, upstream: "backend"))
        }
        // Some of the catch-alls real configs end with (a host's fallback, the global 404 page's).
        routes.append(
            RouteConfig(
                name: "svc0-fallback", match: RouteMatchConfig(hosts: ["svc0.example.com"]), upstream: "backend"))
        return (routes, staticTargets, parameterTargets)
    }

    init(routeCount: Int = largeTable) {
        var random = InputRandom()
        let (routes, staticTargets, parameterTargets) = Self.makeRoutes(count: routeCount)
        self.snapshot = Self.compile(routes)

        func query(_ host: String, _ path: String) -> RouteQuery {
            let head = RequestHead(method: .GET, target: path, headers: HeaderList([("host", host)]))
            return RouteQuery(method: .GET, host: Substring(host), path: head.path, head: head)
        }
        func pick(_ targets: [(host: String, path: String)], _ random: inout InputRandom) -> RouteQuery {
            let target = targets[random.below(targets.count)]
            return query(target.host, target.path)
        }
        var missQueries: [RouteQuery] = []
        for index in 0..<Self.queryCount {
            let host = ["svc\(index % 60 + 1).example.com", "nobody.example.com", "cdn.example.org"][index % 3]
            missQueries.append(query(host, "/no/such/page-\(index)/here"))
        }
        let staticQueries = (0..<Self.queryCount).map { _ in pick(staticTargets, &random) }
        self.staticQueries = staticQueries
        self.parameterQueries = (0..<Self.queryCount).map { _ in pick(parameterTargets, &random) }
        self.missQueries = missQueries
        self.hotQueries = (0..<Self.queryCount).map { staticQueries[$0 % 16] }
        self.mixedQueries = (0..<Self.queryCount).map { _ in
            switch random.below(20) {
            case 0..<9: pick(staticTargets, &random)
            case 9..<18: pick(parameterTargets, &random)
            default: missQueries[random.below(missQueries.count)]
            }
        }
        self.check(routeCount: routeCount)
    }

    /// The 10,000-route config, compiled as `portico run` compiles a file.
    static func compile(_ routes: [RouteConfig]) -> RuntimeSnapshot {
        let config = GatewayConfig(
            listeners: [ListenerConfig(name: "bench", address: HostPort(host: "127.0.0.1", port: 8080))],
            admin: AdminConfig(address: nil),
            logging: LoggingConfig(accessLog: false),
            upstreams: ["backend": UpstreamConfig(targets: [TargetConfig(url: "http://127.0.0.1:28081")])],
            routes: routes
        )
        do {
            return try ConfigCompiler(registry: FilterRegistry.standard).compile(config)
        } catch {
            fatalError("route config does not compile: \(error)")
        }
    }

    /// The inputs do what their names say, and the index agrees with the linear reference.
    private func check(routeCount: Int) {
        let table = self.snapshot.routeTable
        precondition(table.count == routeCount + 1)
        for (queries, expectParameters) in [(self.staticQueries, false), (self.parameterQueries, true)] {
            for query in queries.prefix(64) {
                let result = table.lookup(query)
                guard case .matched(_, let parameters) = result, parameters.isEmpty != expectParameters,
                    result == table.explain(query).result
                else { fatalError("unexpected lookup result \(result) for \(query.host)\(query.path)") }
            }
        }
        for query in self.missQueries.prefix(64) {
            let result = table.lookup(query)
            guard case .notFound = result else { fatalError("expected 404 for \(query.host)\(query.path)") }
        }
    }
}

func routeLookupBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: standardMetrics,
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 100_000
    )
    let sets: [(String, KeyPath<RouteLookupState, [RouteQuery]>, routes: Int)] = [
        ("RouteLookup.mixed10k", \.mixedQueries, RouteLookupState.largeTable),
        ("RouteLookup.static10k", \.staticQueries, RouteLookupState.largeTable),
        ("RouteLookup.param10k", \.parameterQueries, RouteLookupState.largeTable),
        ("RouteLookup.miss10k", \.missQueries, RouteLookupState.largeTable),
        ("RouteLookup.hotStatic10k", \.hotQueries, RouteLookupState.largeTable),
        // The same kinds of routes, 100 of them: what the table's size costs.
        ("RouteLookup.static100", \.staticQueries, 100),
    ]
    for (name, keyPath, routeCount) in sets {
        Benchmark(name, configuration: configuration) { benchmark, state in
            let queries = state[keyPath: keyPath]
            let table = state.snapshot.routeTable
            precondition(queries.count == benchmark.scaledIterations.count)
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                blackHole(table.lookup(queries[index]))
            }
            benchmark.stopMeasurement()
        } setup: {
            RouteLookupState(routeCount: routeCount)
        }
    }

    // What a reload of that config costs (compiling it; the snapshot swap is one atomic store).
    // Its malloc count moves slightly between runs (and the histogram rounds values this
    // large), so the check allows 1% here; everywhere else counts must match exactly.
    Benchmark(
        "Config.compile10kRoutes",
        configuration: .init(
            metrics: standardMetrics, timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(3),
            maxIterations: 10, thresholds: [.mallocCountTotal: BenchmarkThresholds(relative: [.p90: 1.0])])
    ) { benchmark, state in
        benchmark.startMeasurement()
        blackHole(RouteLookupState.compile(state.routes))
        benchmark.stopMeasurement()
    } setup: {
        RouteConfigs(routes: RouteLookupState.makeRoutes().routes)
    }
}

/// The route configs of ``RouteLookupState``, for recompiling them.
final class RouteConfigs {
    let routes: [RouteConfig]

    init(routes: [RouteConfig]) {
        self.routes = routes
    }
}
