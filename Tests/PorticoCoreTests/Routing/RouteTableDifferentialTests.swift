import PorticoHTTP
import Testing

@testable import PorticoCore

/// `lookup` against `explain` on random tables and requests drawn from a small vocabulary,
/// so that routes overlap a lot: same segments, same hosts, every path kind, priorities,
/// conditions and methods. Fixed seeds keep failures reproducible.
@Suite struct RouteTableDifferentialTests {
    private static let exactHosts = ["a.com", "x.a.com", "b.org", "api.example.com", "v1.api.example.com"]
    private static let wildcardHosts = ["*.a.com", "*.x.a.com", "*.org", "*.example.com", "*.api.example.com"]
    private static let requestHosts = [
        "a.com", "x.a.com", "y.x.a.com", "z.y.x.a.com", "b.org", "x.b.org", "", "api.example.com",
        "v1.api.example.com", "w.v1.api.example.com", "com", "org", ".a.com", "example.com",
    ]
    private static let segments = ["a", "b", "users", "1", "ab", "", "K", "\u{212A}"]
    private static let regexes = [
        "^/a/", "^/users/(?<id>[0-9]+)$", "b$", "^/$", "/1", "^/(?<first>[a-z]+)/(?<second>[a-z]*)",
    ]
    private static let methodSets: [HTTPMethodSet?] = [
        nil, nil, nil, HTTPMethodSet([.GET]), HTTPMethodSet([.POST]), HTTPMethodSet([.GET, .POST]),
        HTTPMethodSet([.other("PURGE")]), HTTPMethodSet([.PUT, .other("LOCK")]),
    ]
    private static let requestMethods: [HTTPMethod] = [
        .GET, .GET, .POST, .PUT, .DELETE, .other("PURGE"), .other("LOCK"),
    ]

    private struct Generator {
        var random: FastRandom

        mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self.random) < percent }

        mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &self.random)] }

        mutating func segment(allowEmpty: Bool) -> String {
            var segment = self.pick(RouteTableDifferentialTests.segments)
            while !allowEmpty && segment.isEmpty { segment = self.pick(RouteTableDifferentialTests.segments) }
            return segment
        }

        /// A path matcher; without `catchAll`, none that matches every path (no path, `/`,
        /// `/**`), so that large tables still produce 404s and 405s.
        mutating func path(regexPercent: Int, catchAll: Bool) -> PathMatcher? {
            switch Int.random(in: 0..<100, using: &self.random) {
            case ..<8:
                return catchAll ? nil : .template("/{x}")
            case ..<28:
                let count = Int.random(in: (catchAll ? 0 : 1)...3, using: &self.random)
                // An empty first segment would make `/` or `//`: the root prefix.
                let parts = (0..<count).map { self.segment(allowEmpty: (catchAll || $0 > 0) && self.chance(10)) }
                return .prefix("/" + parts.joined(separator: "/") + (self.chance(20) ? "/" : ""))
            case ..<(100 - regexPercent):
                let count = Int.random(in: 1...4, using: &self.random)
                var parts: [String] = []
                for index in 0..<count {
                    switch Int.random(in: 0..<10, using: &self.random) {
                    case 0..<5: parts.append(self.segment(allowEmpty: self.chance(15)))
                    case 5..<7: parts.append("{p\(index)}")
                    case 7: parts.append("*")
                    default: parts.append(index == count - 1 && (catchAll || index > 0) ? "**" : "{q\(index)}")
                    }
                }
                return .template("/" + parts.joined(separator: "/"))
            default:
                return .regex(self.pick(RouteTableDifferentialTests.regexes))
            }
        }

        mutating func route(_ index: Int, regexPercent: Int, catchAll: Bool) -> RouteSpec {
            var hosts: [HostPattern] = []
            if self.chance(45) {
                for _ in 0..<Int.random(in: 1...2, using: &self.random) {
                    let text =
                        self.chance(50)
                        ? self.pick(RouteTableDifferentialTests.exactHosts)
                        : self.pick(RouteTableDifferentialTests.wildcardHosts)
                    if let pattern = HostPattern(text) { hosts.append(pattern) }
                }
            }
            var headers: [FieldCondition] = []
            if self.chance(15) { headers.append(FieldCondition(name: "X-V", value: self.chance(50) ? nil : "1")) }
            var query: [FieldCondition] = []
            if self.chance(12) { query.append(FieldCondition(name: "q", value: self.chance(50) ? nil : "1")) }
            let priority = self.chance(85) ? 0 : self.pick([-1, 1, 2, 5])
            return RouteSpec(
                name: "r\(index)",
                hosts: hosts,
                path: self.path(regexPercent: regexPercent, catchAll: catchAll),
                methods: self.pick(RouteTableDifferentialTests.methodSets),
                headers: headers,
                query: query,
                priority: priority
            )
        }

        mutating func query() -> RouteQuery {
            var target: String
            if self.chance(3) {
                target = self.pick(["*", "users"])
            } else {
                let count = Int.random(in: 0...5, using: &self.random)
                target = "/" + (0..<count).map { _ in self.segment(allowEmpty: self.chance(8)) }.joined(separator: "/")
                if count > 0 && self.chance(15) { target += "/" }
            }
            target += self.pick(["", "", "", "?q", "?q=1", "?q=2", "?a=1&q=1"])
            var headers = HeaderList()
            switch Int.random(in: 0..<10, using: &self.random) {
            case 0..<2: headers.add(name: "x-v", value: "1")
            case 2: headers.add(name: "X-V", value: "2")
            default: break
            }
            return routeQuery(
                target,
                host: self.pick(RouteTableDifferentialTests.requestHosts),
                method: self.pick(RouteTableDifferentialTests.requestMethods),
                headers: headers
            )
        }
    }

    private struct Tally {
        var matched = 0
        var notAllowed = 0
        var notFound = 0
        var mismatches = 0
    }

    /// Compares every query on one random table; returns what the results were.
    private func compare(seed: UInt64, routes routeCount: Int, queries: Int, regexPercent: Int, catchAll: Bool) throws
        -> Tally
    {
        var generator = Generator(random: FastRandom(seed: seed))
        let specs = (0..<routeCount).map { generator.route($0, regexPercent: regexPercent, catchAll: catchAll) }
        let table = try RouteTable(routes: specs)
        var tally = Tally()
        for _ in 0..<queries {
            let query = generator.query()
            let result = table.lookup(query)
            let reference = table.explain(query).result
            if result != reference {
                tally.mismatches += 1
                if tally.mismatches <= 5 {
                    let request = "\(query.method) \(query.host) \(query.head.target)"
                    Issue.record("seed \(seed): \(request): lookup \(result), explain \(reference)")
                }
            }
            switch reference {
            case .matched: tally.matched += 1
            case .methodNotAllowed: tally.notAllowed += 1
            case .notFound: tally.notFound += 1
            }
        }
        return tally
    }

    private func compare(
        seeds: ClosedRange<UInt64>,
        routes: (UInt64) -> Int,
        queries: Int,
        regexPercent: Int,
        catchAll: Bool
    ) throws -> Tally {
        var total = Tally()
        for seed in seeds {
            let tally = try self.compare(
                seed: seed,
                routes: routes(seed),
                queries: queries,
                regexPercent: regexPercent,
                catchAll: catchAll
            )
            total.matched += tally.matched
            total.notAllowed += tally.notAllowed
            total.notFound += tally.notFound
            total.mismatches += tally.mismatches
        }
        return total
    }

    @Test func smallDenseTables() throws {
        let tally = try self.compare(
            seeds: 1...40,
            routes: { Int($0 % 5) * 10 + 5 },
            queries: 150,
            regexPercent: 8,
            catchAll: true
        )
        #expect(tally.mismatches == 0)
        // The vocabulary is small enough that every outcome occurs.
        #expect(tally.matched > 1000 && tally.notAllowed > 100 && tally.notFound > 100)
    }

    @Test func mediumTables() throws {
        let tally = try self.compare(
            seeds: 100...103,
            routes: { _ in 300 },
            queries: 200,
            regexPercent: 4,
            catchAll: false
        )
        #expect(tally.mismatches == 0)
        #expect(tally.matched > 100 && tally.notAllowed > 10 && tally.notFound > 10)
    }

    @Test func largeTable() throws {
        let tally = try self.compare(
            seeds: 1000...1000,
            routes: { _ in 2500 },
            queries: 160,
            regexPercent: 2,
            catchAll: false
        )
        #expect(tally.mismatches == 0)
        #expect(tally.matched > 100 && tally.notFound > 0)
    }
}
