import PorticoHTTP
import Testing

@testable import PorticoCore

@Suite struct PathRewriteTests {
    private func parameters(_ pairs: (String, String)...) -> PathParameters {
        var result = PathParameters()
        for (name, value) in pairs { result.append(name: name, value: value[...]) }
        return result
    }

    @Test func identity() throws {
        let rewrite = PathRewrite()
        #expect(rewrite.isIdentity)
        #expect(rewrite.apply(to: "/a/b", parameters: PathParameters()) == "/a/b")
    }

    @Test func stripPrefixOnSegmentBoundary() throws {
        let rewrite = try PathRewrite(stripPrefix: "/api/")
        #expect(rewrite.stripPrefix == "/api")
        #expect(rewrite.apply(to: "/api/users", parameters: PathParameters()) == "/users")
        #expect(rewrite.apply(to: "/api/", parameters: PathParameters()) == "/")
        #expect(rewrite.apply(to: "/api", parameters: PathParameters()) == "/")
        #expect(rewrite.apply(to: "/apiary/x", parameters: PathParameters()) == "/apiary/x")
        #expect(rewrite.apply(to: "/other", parameters: PathParameters()) == "/other")
        #expect(try PathRewrite(stripPrefix: "/").apply(to: "/a", parameters: PathParameters()) == "/a")
    }

    @Test func stripPrefixComparesBytes() throws {
        let rewrite = try PathRewrite(stripPrefix: "/K")
        #expect(rewrite.apply(to: "/\u{212A}/x", parameters: PathParameters()) == "/\u{212A}/x")
        #expect(rewrite.apply(to: "/K/x", parameters: PathParameters()) == "/x")
    }

    @Test func addPrefix() throws {
        let rewrite = try PathRewrite(addPrefix: "/v2//")
        #expect(rewrite.addPrefix == "/v2")
        #expect(rewrite.apply(to: "/users", parameters: PathParameters()) == "/v2/users")
        #expect(rewrite.apply(to: "/", parameters: PathParameters()) == "/v2")
        #expect(try PathRewrite(addPrefix: "/").apply(to: "/a", parameters: PathParameters()) == "/a")
    }

    @Test func regexWithGroups() throws {
        let numbered = try PathRewrite(regex: "^/users/(.*)$", replacement: "/v2/users/$1")
        #expect(numbered.apply(to: "/users/7/posts", parameters: PathParameters()) == "/v2/users/7/posts")
        #expect(numbered.apply(to: "/other", parameters: PathParameters()) == "/other")
        let named = try PathRewrite(regex: "^/(?<kind>[a-z]+)/(?<id>[0-9]+)", replacement: "/${kind}s/${1}-${id}")
        #expect(named.apply(to: "/user/42/x", parameters: PathParameters()) == "/users/user-42/x")
        let missingGroup = try PathRewrite(regex: "^/a", replacement: "/b$9")
        #expect(missingGroup.apply(to: "/a/c", parameters: PathParameters()) == "/b/c")
        let dollar = try PathRewrite(regex: "^/a", replacement: "/$x")
        #expect(dollar.apply(to: "/a", parameters: PathParameters()) == "/$x")
        let relative = try PathRewrite(regex: "^/a/", replacement: "")
        #expect(relative.apply(to: "/a/b", parameters: PathParameters()) == "/b")
    }

    @Test func regexReplacementWithPathParameter() throws {
        let rewrite = try PathRewrite(regex: "^/u/[^/]+", replacement: "/users/{id}")
        #expect(rewrite.referencedParameters == ["id"])
        #expect(rewrite.apply(to: "/u/7/posts", parameters: parameters(("id", "7"))) == "/users/7/posts")
    }

    @Test func templateWithParameters() throws {
        let rewrite = try PathRewrite(template: "/v2/{kind}/{id}")
        #expect(rewrite.referencedParameters == ["kind", "id"])
        #expect(rewrite.apply(to: "/anything", parameters: parameters(("id", "7"), ("kind", "users"))) == "/v2/users/7")
        #expect(rewrite.apply(to: "/anything", parameters: parameters(("id", "7"))) == "/v2//7")
        // `$` is plain text in a template.
        #expect(try PathRewrite(template: "/$1").apply(to: "/x", parameters: PathParameters()) == "/$1")
    }

    @Test func stepsApplyInOrder() throws {
        let rewrite = try PathRewrite(
            stripPrefix: "/api",
            regex: "^/users/([0-9]+)$",
            replacement: "/u/$1",
            addPrefix: "/v2"
        )
        #expect(rewrite.apply(to: "/api/users/7", parameters: PathParameters()) == "/v2/u/7")
        // A path without the prefix is left unstripped; the regex still sees it.
        #expect(rewrite.apply(to: "/users/7", parameters: PathParameters()) == "/v2/u/7")
        #expect(rewrite.apply(to: "/x/users/7", parameters: PathParameters()) == "/v2/x/users/7")
        let template = try PathRewrite(stripPrefix: "/api", template: "/items/{id}", addPrefix: "/v3")
        #expect(template.apply(to: "/api/x/9", parameters: parameters(("id", "9"))) == "/v3/items/9")
    }

    @Test func rewriteUsesLookupParameters() throws {
        let routes = try table(RouteSpec(name: "user", path: .template("/api/users/{id}")))
        let rewrite = try PathRewrite(template: "/internal/users/{id}")
        let query = routeQuery("/api/users/42?x=1")
        guard case .matched(_, let captured) = routes.checkedLookup(query) else {
            Issue.record("expected a match")
            return
        }
        #expect(rewrite.apply(to: query.path, parameters: captured) == "/internal/users/42")
    }

    @Test func invalidRewritesAreRejected() {
        #expect(throws: ConfigIssue.self) { try PathRewrite(stripPrefix: "api") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(addPrefix: "v2") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(regex: "^/a") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(regex: "(", replacement: "/") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(replacement: "/x") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(regex: "^/a", replacement: "/b", template: "/c") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(template: "v2/{id}") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(regex: "^/a", replacement: "/${x") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(regex: "^/a", replacement: "/${}") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(template: "/{}") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(template: "/{id") }
        #expect(throws: ConfigIssue.self) { try PathRewrite(regex: "^/a", replacement: "/${99999999999999999999}") }
    }

    @Test func replacementPieces() throws {
        #expect(
            try PathRewrite.parsePieces("/v2/$1/{id}/${name}/${2}$", allowGroups: true) == [
                .literal("/v2/"), .group(1), .literal("/"), .parameter("id"), .literal("/"), .namedGroup("name"),
                .literal("/"), .group(2), .literal("$"),
            ]
        )
        #expect(try PathRewrite.parsePieces("/a/$1", allowGroups: false) == [.literal("/a/$1")])
    }
}
