import PorticoHTTP
import Testing

@testable import PorticoCore

/// Every precedence rule of ``RouteRank`` on its own. Routes are declared worst first, so
/// declaration order never explains a pass.
@Suite struct RoutePrecedenceTests {
    @Test func exactHostBeatsWildcard() throws {
        let routes = try table(
            RouteSpec(name: "wildcard", hosts: hosts("*.example.com"), path: .prefix("/")),
            RouteSpec(name: "exact", hosts: hosts("api.example.com"), path: .prefix("/"))
        )
        #expect(routes.winner("/x", host: "api.example.com") == "exact")
        #expect(routes.winner("/x", host: "web.example.com") == "wildcard")
    }

    @Test func longerWildcardSuffixBeatsShorter() throws {
        let routes = try table(
            RouteSpec(name: "short", hosts: hosts("*.example.com"), path: .prefix("/")),
            RouteSpec(name: "long", hosts: hosts("*.api.example.com"), path: .prefix("/"))
        )
        #expect(routes.winner("/", host: "v1.api.example.com") == "long")
        #expect(routes.winner("/", host: "a.b.api.example.com") == "long")
        #expect(routes.winner("/", host: "api.example.com") == "short")
    }

    @Test func wildcardBeatsAnyHost() throws {
        let routes = try table(
            RouteSpec(name: "any", path: .prefix("/")),
            RouteSpec(name: "wildcard", hosts: hosts("*.example.com"), path: .prefix("/"))
        )
        #expect(routes.winner("/", host: "a.example.com") == "wildcard")
        #expect(routes.winner("/", host: "other.net") == "any")
        #expect(routes.winner("/", host: "") == "any")
    }

    @Test func hostClassBeatsPathClass() throws {
        let routes = try table(
            RouteSpec(name: "any-exact-path", path: .template("/a")),
            RouteSpec(name: "host-catch-all", hosts: hosts("*.example.com"))
        )
        #expect(routes.winner("/a", host: "x.example.com") == "host-catch-all")
        #expect(routes.winner("/a", host: "x.other.com") == "any-exact-path")
    }

    @Test func exactPathBeatsParameter() throws {
        let routes = try table(
            RouteSpec(name: "param", path: .template("/users/{id}")),
            RouteSpec(name: "exact", path: .template("/users/me"))
        )
        #expect(routes.winner("/users/me") == "exact")
        #expect(routes.winner("/users/7") == "param")
    }

    @Test func parameterBeatsGlob() throws {
        let routes = try table(
            RouteSpec(name: "star", path: .template("/users/*")),
            RouteSpec(name: "tail", path: .template("/users/**")),
            RouteSpec(name: "prefix", path: .prefix("/users")),
            RouteSpec(name: "param", path: .template("/users/{id}"))
        )
        #expect(routes.winner("/users/7") == "param")
        // Without the parameter route, the globs and the prefix tie on class and literal
        // length, so declaration order decides.
        let globs = try table(
            RouteSpec(name: "star", path: .template("/users/*")),
            RouteSpec(name: "prefix", path: .prefix("/users"))
        )
        #expect(globs.winner("/users/7") == "star")
        #expect(globs.winner("/users/7/x") == "prefix")
    }

    @Test func globAndPrefixBeatRegex() throws {
        let routes = try table(
            RouteSpec(name: "regex", path: .regex("^/users/[0-9]+$")),
            RouteSpec(name: "prefix", path: .prefix("/users"))
        )
        #expect(routes.winner("/users/7") == "prefix")
        let noPath = try table(
            RouteSpec(name: "regex", path: .regex("^/users/[0-9]+$")),
            RouteSpec(name: "catch-all")
        )
        #expect(noPath.winner("/users/7") == "catch-all")
        let regexOnly = try table(
            RouteSpec(name: "regex", path: .regex("^/users/[0-9]+$")),
            RouteSpec(name: "other", path: .prefix("/other"))
        )
        #expect(regexOnly.winner("/users/7") == "regex")
    }

    @Test func longerLiteralPrefixWins() throws {
        let routes = try table(
            RouteSpec(name: "api", path: .prefix("/api")),
            RouteSpec(name: "api-users", path: .prefix("/api/users")),
            RouteSpec(name: "api-users-tail", path: .template("/api/users/v1/**"))
        )
        #expect(routes.winner("/api/users/1") == "api-users")
        #expect(routes.winner("/api/users/v1/x") == "api-users-tail")
        #expect(routes.winner("/api/other") == "api")
        let parameters = try table(
            RouteSpec(name: "short", path: .template("/a/{x}/c/d")),
            RouteSpec(name: "long", path: .template("/a/b/{y}/d"))
        )
        #expect(parameters.winner("/a/b/c/d") == "long")
    }

    @Test func moreConditionsWin() throws {
        let routes = try table(
            RouteSpec(name: "plain", path: .template("/x")),
            RouteSpec(name: "get", path: .template("/x"), methods: HTTPMethodSet([.GET])),
            RouteSpec(
                name: "get-versioned",
                path: .template("/x"),
                methods: HTTPMethodSet([.GET]),
                headers: [FieldCondition(name: "x-version", value: "2")]
            )
        )
        #expect(routes.winner("/x", headers: ["X-Version": "2"]) == "get-versioned")
        #expect(routes.winner("/x") == "get")
        #expect(routes.winner("/x", method: .POST) == "plain")
    }

    @Test func earlierDeclarationWinsTies() throws {
        let routes = try table(
            RouteSpec(name: "first", path: .prefix("/a")),
            RouteSpec(name: "second", path: .template("/a/**")),
            RouteSpec(name: "third", path: .prefix("/a/"))
        )
        #expect(routes.winner("/a/b") == "first")
    }

    @Test func priorityOverridesHostClass() throws {
        let routes = try table(
            RouteSpec(name: "exact-host", hosts: hosts("api.example.com"), path: .template("/a")),
            RouteSpec(name: "any-host-priority", path: .prefix("/"), priority: 5)
        )
        #expect(routes.winner("/a", host: "api.example.com") == "any-host-priority")
        let wildcard = try table(
            RouteSpec(name: "exact-host", hosts: hosts("api.example.com"), path: .template("/a")),
            RouteSpec(name: "wildcard-priority", hosts: hosts("*.example.com"), path: .template("/**"), priority: 1)
        )
        #expect(wildcard.winner("/a", host: "api.example.com") == "wildcard-priority")
    }

    @Test func priorityOverridesPathClass() throws {
        let routes = try table(
            RouteSpec(name: "exact", path: .template("/users/me")),
            RouteSpec(name: "regex-priority", path: .regex("^/users/"), priority: 1)
        )
        #expect(routes.winner("/users/me") == "regex-priority")
        let negative = try table(
            RouteSpec(name: "demoted", path: .template("/users/me"), priority: -1),
            RouteSpec(name: "catch-all")
        )
        #expect(negative.winner("/users/me") == "catch-all")
    }

    @Test func priorityRouteFailingConditionsFallsBack() throws {
        let routes = try table(
            RouteSpec(name: "normal", hosts: hosts("api.example.com"), path: .template("/a")),
            RouteSpec(name: "priority-post", path: .prefix("/"), methods: HTTPMethodSet([.POST]), priority: 9)
        )
        #expect(routes.winner("/a", host: "api.example.com") == "normal")
        #expect(routes.winner("/a", host: "api.example.com", method: .POST) == "priority-post")
    }
}

@Suite struct RouteHostTests {
    @Test func hostPatternsParseLowercased() {
        #expect(HostPattern("API.Example.COM") == .exact("api.example.com"))
        #expect(HostPattern("*.Example.org") == .wildcard(suffix: ".example.org"))
        #expect(HostPattern("") == nil)
        #expect(HostPattern("*.") == nil)
        #expect(HostPattern("a b.com") == nil)
        #expect(HostPattern("*.*.example.org") == nil)
        #expect(HostPattern("a.*.org") == nil)
    }

    @Test func hostsCompareLowercased() throws {
        let routes = try table(
            RouteSpec(name: "written-upper", hosts: [.exact("API.Example.com")]),
            RouteSpec(name: "wild-upper", hosts: [.wildcard(suffix: ".Example.ORG")])
        )
        #expect(routes.winner("/", host: "api.example.com") == "written-upper")
        #expect(routes.winner("/", host: "a.example.org") == "wild-upper")
        // The caller lowercases and strips the port; anything else is a different host.
        #expect(routes.winner("/", host: "API.example.com") == nil)
        #expect(routes.winner("/", host: "api.example.com:8080") == nil)
    }

    @Test func wildcardNeedsALabelBeforeTheSuffix() throws {
        let routes = try table(RouteSpec(name: "wild", hosts: hosts("*.example.org")))
        #expect(routes.winner("/", host: "a.example.org") == "wild")
        #expect(routes.winner("/", host: "a.b.example.org") == "wild")
        #expect(routes.winner("/", host: "example.org") == nil)
        #expect(routes.winner("/", host: ".example.org") == nil)
        #expect(routes.winner("/", host: "aexample.org") == nil)
        #expect(routes.winner("/", host: "example.org.evil.com") == nil)
        #expect(routes.winner("/", host: "") == nil)
    }

    @Test func routeWithSeveralHostsMatchesAny() throws {
        let routes = try table(
            RouteSpec(name: "multi", hosts: hosts("a.com", "*.b.com", "a.com"), path: .template("/x")),
            RouteSpec(name: "fallback")
        )
        #expect(routes.winner("/x", host: "a.com") == "multi")
        #expect(routes.winner("/x", host: "z.b.com") == "multi")
        #expect(routes.winner("/x", host: "b.com") == "fallback")
        #expect(routes.winner("/y", host: "a.com") == "fallback")
    }

    @Test func longHostsAndSuffixes() throws {
        let long = "service-with-a-long-name.team.region.internal.example.com"
        let routes = try table(
            RouteSpec(name: "exact", hosts: hosts(long), path: .template("/a")),
            RouteSpec(name: "wild", hosts: hosts("*.region.internal.example.com"))
        )
        #expect(routes.winner("/a", host: long) == "exact")
        #expect(routes.winner("/b", host: long) == "wild")
        #expect(routes.winner("/a", host: "x.region.internal.example.com") == "wild")
    }

    @Test func malformedWildcardIsRejected() {
        #expect(throws: ConfigIssue.self) {
            try table(RouteSpec(name: "bad", hosts: [.wildcard(suffix: "example.org")]))
        }
        #expect(throws: ConfigIssue.self) { try table(RouteSpec(name: "bad", hosts: [.wildcard(suffix: ".")])) }
    }
}

@Suite struct RoutePathTests {
    @Test func rootTemplateMatchesOnlyRoot() throws {
        let routes = try table(RouteSpec(name: "root", path: .template("/")))
        #expect(routes.winner("/") == "root")
        #expect(routes.winner("/a") == nil)
        #expect(routes.winner("//") == nil)
    }

    @Test func trailingSlashIsSignificantForTemplates() throws {
        let routes = try table(
            RouteSpec(name: "bare", path: .template("/users")),
            RouteSpec(name: "slash", path: .template("/users/"))
        )
        #expect(routes.winner("/users") == "bare")
        #expect(routes.winner("/users/") == "slash")
        #expect(routes.winner("/users/x") == nil)
    }

    @Test func parametersMatchOneNonEmptySegment() throws {
        let routes = try table(RouteSpec(name: "user", path: .template("/users/{id}/posts/{post}")))
        #expect(routes.captures("/users/7/posts/abc") == ["id=7", "post=abc"])
        #expect(routes.captures("/users//posts/abc") == nil)
        #expect(routes.captures("/users/7/posts/") == nil)
        #expect(routes.captures("/users/7/posts") == nil)
        #expect(routes.captures("/users/7/posts/abc/") == nil)
        #expect(routes.captures("/users/7/posts/abc/d") == nil)
    }

    @Test func starMatchesOneSegment() throws {
        let routes = try table(RouteSpec(name: "star", path: .template("/a/*/c")))
        #expect(routes.winner("/a/b/c") == "star")
        #expect(routes.captures("/a/b/c") == [])
        #expect(routes.winner("/a//c") == nil)
        #expect(routes.winner("/a/b/x/c") == nil)
    }

    @Test func doubleStarMatchesZeroOrMoreSegments() throws {
        let routes = try table(RouteSpec(name: "static", path: .template("/static/**")))
        for path in ["/static", "/static/", "/static/a", "/static/a/b/c", "/static//"] {
            #expect(routes.winner(path) == "static", "\(path)")
        }
        for path in ["/staticx", "/", "/stat", "/x/static"] {
            #expect(routes.winner(path) == nil, "\(path)")
        }
        let afterParameter = try table(RouteSpec(name: "user-files", path: .template("/u/{id}/**")))
        #expect(afterParameter.captures("/u/7") == ["id=7"])
        #expect(afterParameter.captures("/u/7/a/b") == ["id=7"])
        #expect(afterParameter.captures("/u/") == nil)
        #expect(afterParameter.captures("/u") == nil)
    }

    @Test func rootGlobAndRootPrefixMatchEverything() throws {
        for spec in [
            RouteSpec(name: "all", path: .template("/**")), RouteSpec(name: "all", path: .prefix("/")),
            RouteSpec(name: "all"),
        ] {
            let routes = try table(spec)
            for path in ["/", "/a", "/a/b/", "//", "*", ""] {
                #expect(routes.winner(path) == "all", "\(path)")
            }
        }
    }

    @Test func pathsNotInOriginFormMatchOnlyRootRoutes() throws {
        let routes = try table(
            RouteSpec(name: "template", path: .template("/{x}")),
            RouteSpec(name: "prefix", path: .prefix("/a"))
        )
        #expect(routes.winner("*") == nil)
        #expect(routes.winner("xa") == nil)
        #expect(routes.winner("a") == nil)
    }

    @Test func emptySegmentsAreSegments() throws {
        let routes = try table(
            RouteSpec(name: "double", path: .template("/a//b")),
            RouteSpec(name: "param", path: .template("/a/{x}/b"))
        )
        #expect(routes.winner("/a//b") == "double")
        #expect(routes.winner("/a/x/b") == "param")
        #expect(routes.winner("/a/b") == nil)
    }

    @Test func prefixMatchesOnSegmentBoundaries() throws {
        let routes = try table(RouteSpec(name: "api", path: .prefix("/api/users/")))
        for path in ["/api/users", "/api/users/", "/api/users/7", "/api/users//x"] {
            #expect(routes.winner(path) == "api", "\(path)")
        }
        for path in ["/api/usersx", "/api/user", "/api", "/", "/API/users"] {
            #expect(routes.winner(path) == nil, "\(path)")
        }
    }

    @Test func templateTextIsCanonicalised() throws {
        let routes = try table(
            RouteSpec(name: "tilde", path: .template("/%7Euser")),
            RouteSpec(name: "slash", path: .prefix("/a%2fb"))
        )
        #expect(routes.winner("/~user") == "tilde")
        #expect(routes.winner("/a%2Fb/c") == "slash")
    }

    @Test func malformedTemplatesAreRejected() {
        for template in [
            "users", "/a/**/b", "/{id}.txt", "/{a}/{a}", "/{a-b}", "/a/./b", "/a/../b", "/%zz", "/a b", "/x{",
        ] {
            #expect(throws: ConfigIssue.self, "\(template)") {
                try table(RouteSpec(name: "bad", path: .template(template)))
            }
        }
        #expect(throws: ConfigIssue.self) { try table(RouteSpec(name: "bad", path: .prefix("api"))) }
        #expect(throws: ConfigIssue.self) { try table(RouteSpec(name: "bad", path: .regex("(unclosed"))) }
    }

    @Test func literalComparisonIsByteWise() throws {
        // KELVIN SIGN is canonically equivalent to "K" for Swift's String ==, but different bytes.
        let routes = try table(
            RouteSpec(name: "kelvin", path: .template("/K")),
            RouteSpec(name: "prefix", path: .prefix("/\u{212A}"))
        )
        #expect(routes.winner("/K") == "kelvin")
        #expect(routes.winner("/\u{212A}") == "prefix")
        // A combining mark after "/" does not hide the segment boundary.
        let combining = try table(RouteSpec(name: "param", path: .template("/a/{x}")))
        #expect(combining.captures("/a/\u{301}b") == ["x=\u{301}b"])
    }

    @Test func regexNamedGroupsBecomeParameters() throws {
        let routes = try table(
            RouteSpec(name: "versioned", path: .regex("^/v(?<version>[0-9]+)/(?<rest>.*)$")),
            RouteSpec(name: "searched", path: .regex("/legacy/"))
        )
        #expect(routes.captures("/v2/users/7") == ["version=2", "rest=users/7"])
        #expect(routes.winner("/old/legacy/x") == "searched")
        #expect(routes.captures("/old/legacy/x") == [])
        #expect(routes.winner("/vx/users") == nil)
    }
}

@Suite struct RouteConditionTests {
    @Test func headerPresentOrExactValue() throws {
        let routes = try table(
            RouteSpec(name: "any-value", path: .template("/x"), headers: [FieldCondition(name: "X-Debug", value: nil)]),
            RouteSpec(name: "value", path: .template("/y"), headers: [FieldCondition(name: "x-version", value: "2")])
        )
        #expect(routes.winner("/x", headers: ["x-debug": ""]) == "any-value")
        #expect(routes.winner("/x", headers: ["X-DEBUG": "anything"]) == "any-value")
        #expect(routes.winner("/x") == nil)
        #expect(routes.winner("/y", headers: ["X-Version": "2"]) == "value")
        #expect(routes.winner("/y", headers: ["X-Version": "3"]) == nil)
        #expect(routes.winner("/y", headers: ["X-Version": "2 "]) == nil)
        // The first field with the name counts.
        #expect(routes.winner("/y", headers: HeaderList([("x-version", "1"), ("x-version", "2")])) == nil)
    }

    @Test func queryPresentOrExactValue() throws {
        let routes = try table(
            RouteSpec(name: "debug", path: .template("/x"), query: [FieldCondition(name: "debug", value: nil)]),
            RouteSpec(name: "v1", path: .template("/y"), query: [FieldCondition(name: "v", value: "1")])
        )
        #expect(routes.winner("/x?debug") == "debug")
        #expect(routes.winner("/x?a=1&debug=") == "debug")
        #expect(routes.winner("/x?debug=0") == "debug")
        #expect(routes.winner("/x?debugx=1") == nil)
        #expect(routes.winner("/x?a=debug") == nil)
        #expect(routes.winner("/x") == nil)
        #expect(routes.winner("/y?v=1") == "v1")
        #expect(routes.winner("/y?&&v=1&") == "v1")
        #expect(routes.winner("/y?v=2&v=1") == nil)
        #expect(routes.winner("/y?v=%31") == nil)
    }

    @Test func queryScannerAgreesWithRequestHead() {
        let queries = ["", "a", "a=", "=a", "a=1&b=2", "&&a=1", "b&a", "a=1=2", "ab=1&a=3", "x=1&&a"]
        for query in queries {
            let head = RequestHead(method: .GET, target: "/?" + query)
            for name in ["a", "b", "", "ab", "x"] {
                #expect(
                    QueryString.firstValue(of: name, in: query[...]) == head.queryParameter(name),
                    "\(query) \(name)"
                )
            }
        }
    }

    @Test func methodNotAllowedCollectsMethods() throws {
        let routes = try table(
            RouteSpec(name: "get", path: .template("/x"), methods: HTTPMethodSet([.GET])),
            RouteSpec(name: "post", path: .prefix("/x"), methods: HTTPMethodSet([.POST, .PUT])),
            RouteSpec(
                name: "header",
                path: .template("/x"),
                methods: HTTPMethodSet([.PATCH]),
                headers: [FieldCondition(name: "h", value: nil)]
            ),
            RouteSpec(name: "regex", path: .regex("^/x$"), methods: HTTPMethodSet([.OPTIONS])),
            RouteSpec(name: "other-path", path: .template("/y"), methods: HTTPMethodSet([.HEAD]))
        )
        let result = routes.checkedLookup(routeQuery("/x", method: .DELETE))
        #expect(result == .methodNotAllowed(allowed: HTTPMethodSet([.GET, .POST, .PUT, .OPTIONS])))
        #expect(
            routes.checkedLookup(routeQuery("/x", method: .DELETE, headers: ["h": "1"]))
                == .methodNotAllowed(allowed: HTTPMethodSet([.GET, .POST, .PUT, .PATCH, .OPTIONS]))
        )
        #expect(routes.checkedLookup(routeQuery("/z", method: .DELETE)) == .notFound)
        #expect(routes.winner("/x", method: .PUT) == "post")
    }

    @Test func fullMatchElsewhereBeats405() throws {
        let routes = try table(
            RouteSpec(name: "get", path: .template("/x"), methods: HTTPMethodSet([.GET])),
            RouteSpec(name: "fallback", hosts: hosts("*.example.com"))
        )
        #expect(routes.winner("/x", host: "a.example.com", method: .POST) == "fallback")
        #expect(
            routes.checkedLookup(routeQuery("/x", method: .POST)) == .methodNotAllowed(allowed: HTTPMethodSet([.GET]))
        )
    }

    @Test func customMethodsIn405KeepConfigOrder() throws {
        let routes = try table(
            RouteSpec(name: "purge", path: .prefix("/"), methods: HTTPMethodSet([.other("PURGE")])),
            RouteSpec(name: "lock", path: .template("/a/{x}"), methods: HTTPMethodSet([.other("LOCK"), .GET])),
            RouteSpec(
                name: "copy",
                hosts: hosts("h.com"),
                path: .template("/a/b"),
                methods: HTTPMethodSet([.other("COPY")])
            )
        )
        let result = routes.checkedLookup(routeQuery("/a/b", host: "h.com", method: .POST))
        guard case .methodNotAllowed(let allowed) = result else {
            Issue.record("expected 405, got \(result)")
            return
        }
        #expect(allowed.methods == [.GET, .other("PURGE"), .other("LOCK"), .other("COPY")])
        #expect(routes.winner("/a/b", host: "h.com", method: .other("LOCK")) == "lock")
    }
}

@Suite struct RouteEdgeCaseTests {
    @Test func emptyMethodListAllowsNothingAndIsNot405() throws {
        let routes = try table(RouteSpec(name: "none", path: .template("/x"), methods: HTTPMethodSet()))
        #expect(routes.checkedLookup(routeQuery("/x")) == .notFound)
        let mixed = try table(
            RouteSpec(name: "none", path: .template("/x"), methods: HTTPMethodSet()),
            RouteSpec(name: "get", path: .prefix("/x"), methods: HTTPMethodSet([.GET]))
        )
        #expect(
            mixed.checkedLookup(routeQuery("/x", method: .PUT)) == .methodNotAllowed(allowed: HTTPMethodSet([.GET]))
        )
    }

    @Test func deepPathsStopWhereTheTrieEnds() throws {
        let routes = try table(
            RouteSpec(name: "three", path: .template("/{a}/{b}/{c}")),
            RouteSpec(name: "tail", path: .template("/a/**"))
        )
        let deep = "/" + Array(repeating: "a", count: 50_000).joined(separator: "/")
        #expect(routes.winner(deep) == "tail")
        #expect(routes.winner("/" + Array(repeating: "b", count: 50_000).joined(separator: "/")) == nil)
        #expect(routes.captures("/a/b/c") == ["a=a", "b=b", "c=c"])
    }

    @Test func regexRoutesSeeNonOriginPaths() throws {
        let routes = try table(
            RouteSpec(name: "asterisk", path: .regex("^\\*$")),
            RouteSpec(name: "template", path: .template("/{x}"))
        )
        #expect(routes.winner("*", method: .OPTIONS) == "asterisk")
        #expect(routes.winner("/x") == "template")
    }

    @Test func parametersAreSlicesOfThePath() throws {
        let routes = try table(RouteSpec(name: "p", path: .template("/files/{name}/raw/{rev}")))
        let query = routeQuery("/files/r%C3%A9sum%C3%A9.pdf/raw/3?download=1")
        guard case .matched(_, let parameters) = routes.checkedLookup(query) else {
            Issue.record("expected a match")
            return
        }
        #expect(parameters["name"] == "r%C3%A9sum%C3%A9.pdf")
        #expect(parameters["rev"] == "3")
        #expect(parameters["missing"] == nil)
        // Raw UTF-8 (not valid origin-form, but never a crash) is cut on byte boundaries too.
        #expect(routes.captures("/files/été/raw/ü") == ["name=été", "rev=ü"])
    }
}

@Suite struct RouteExplainTests {
    @Test func verdictsNameEveryRoute() throws {
        let routes = try table(
            RouteSpec(name: "host", hosts: hosts("other.com")),
            RouteSpec(name: "path", path: .template("/nope")),
            RouteSpec(name: "method", path: .prefix("/a"), methods: HTTPMethodSet([.POST])),
            RouteSpec(name: "header", path: .prefix("/a"), headers: [FieldCondition(name: "x-h", value: "1")]),
            RouteSpec(name: "query", path: .prefix("/a"), query: [FieldCondition(name: "q", value: nil)]),
            RouteSpec(name: "winner", path: .template("/a/{id}")),
            RouteSpec(name: "loser", path: .prefix("/a"))
        )
        let explanation = routes.explain(routeQuery("/a/1", host: "api.com"))
        #expect(explanation.result == routes.lookup(routeQuery("/a/1", host: "api.com")))
        guard case .matched(let route, let parameters) = explanation.result else {
            Issue.record("expected a match")
            return
        }
        #expect(route == 5)
        #expect(parameters["id"] == "1")
        #expect(
            explanation.candidates.map(\.verdict) == [
                .hostMismatch, .pathMismatch, .methodMismatch(HTTPMethodSet([.POST])), .headerMismatch("x-h"),
                .queryMismatch("q"), .matched, .outranked(by: "winner"),
            ]
        )
        #expect(explanation.candidates.map(\.name) == ["host", "path", "method", "header", "query", "winner", "loser"])
    }

    @Test func emptyTable() throws {
        let routes = try table()
        #expect(routes.checkedLookup(routeQuery("/")) == .notFound)
        #expect(routes.explain(routeQuery("/")).candidates.isEmpty)
    }
}
