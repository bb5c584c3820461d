import PorticoCore
import PorticoFilters
import PorticoHTTP
import Testing

@Suite struct CORSFilterTests {
    static let yaml = """
            type: cors
            allowed_origins: ["https://app.example.com", "https://*.example.org", "http://localhost:3000"]
            allowed_origin_patterns: ["^https://pr-[0-9]+\\\\.preview\\\\.example\\\\.net$"]
            allowed_methods: [GET, POST, DELETE]
            allowed_headers: [Content-Type, Authorization]
            exposed_headers: [X-Request-ID, X-Total]
            allow_credentials: true
            max_age: 10m
        """

    static func preflight(_ origin: String, method: String = "DELETE", headers: String? = nil) -> RequestHead {
        var fields: [(String, String)] = [
            ("Host", "api"), ("Origin", origin), ("Access-Control-Request-Method", method),
        ]
        if let headers { fields.append(("Access-Control-Request-Headers", headers)) }
        return RequestHead(method: .OPTIONS, target: "/items", headers: HeaderList(fields))
    }

    @Test func answersPreflightsAtTheGateway() throws {
        let filter = try FilterHarness.filter(Self.yaml)
        var context = FilterHarness.context(
            Self.preflight("https://app.example.com", headers: "content-type"), filter: filter)
        let response = try #require(filter.onRequest(&context).response)
        #expect(response.head.status == 204)
        let headers = response.head.headers
        #expect(headers["Access-Control-Allow-Origin"] == "https://app.example.com")
        #expect(headers["Access-Control-Allow-Credentials"] == "true")
        #expect(headers["Access-Control-Allow-Methods"] == "GET, POST, DELETE")
        #expect(headers["Access-Control-Allow-Headers"] == "Content-Type, Authorization")
        #expect(headers["Access-Control-Max-Age"] == "600")
        #expect(headers["Vary"] == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        // The response phase leaves the preflight answer alone.
        var head = response.head
        filter.onResponse(&head, context: context)
        #expect(head.headers.values("Access-Control-Allow-Origin") == ["https://app.example.com"])
    }

    @Test(arguments: [
        ("https://app.example.com", true),
        ("HTTPS://APP.EXAMPLE.COM", true),
        ("https://a.example.org", true),
        ("https://a.b.example.org", true),
        ("https://example.org", false),
        ("https://.example.org", false),
        ("https://evil.com/.example.org", false),
        ("http://a.example.org", false),
        ("https://a.example.org:8443", false),
        ("http://localhost:3000", true),
        ("http://localhost:3001", false),
        ("https://pr-42.preview.example.net", true),
        ("https://pr-42.preview.example.net.evil.com", false),
        ("https://app.example.com.evil.com", false),
        ("null", false),
    ])
    func matchesOrigins(origin: String, allowed: Bool) throws {
        let filter = try FilterHarness.filter(Self.yaml)
        var context = FilterHarness.context(Self.preflight(origin), filter: filter)
        let decision = filter.onRequest(&context)
        if allowed {
            #expect(decision.response?.head.status == 204)
        } else {
            #expect(decision.rejection?.status == 403)
            #expect(decision.rejection?.headers["Vary"] == "Origin")
        }
    }

    @Test func decoratesActualResponses() throws {
        let filter = try FilterHarness.filter(Self.yaml)
        let head = RequestHead(
            method: .POST, target: "/items", headers: ["Host": "api", "Origin": "https://a.example.org"])
        var context = FilterHarness.context(head, filter: filter)
        #expect(filter.onRequest(&context).isProceed)
        var response = ResponseHead(
            status: 201, headers: ["Vary": "Accept-Encoding", "Access-Control-Allow-Origin": "*"])
        filter.onResponse(&response, context: context)
        #expect(response.headers.values("Access-Control-Allow-Origin") == ["https://a.example.org"])
        #expect(response.headers["Access-Control-Allow-Credentials"] == "true")
        #expect(response.headers["Access-Control-Expose-Headers"] == "X-Request-ID, X-Total")
        #expect(response.headers.values("Vary") == ["Accept-Encoding", "Origin"])

        // A disallowed origin passes, without CORS headers, but with Vary.
        var other = FilterHarness.context(
            RequestHead(method: .GET, target: "/", headers: ["Host": "api", "Origin": "https://evil.com"]),
            filter: filter)
        #expect(filter.onRequest(&other).isProceed)
        var plain = ResponseHead(status: 200, headers: ["Vary": "origin"])
        filter.onResponse(&plain, context: other)
        #expect(plain.headers["Access-Control-Allow-Origin"] == nil)
        #expect(plain.headers.values("Vary") == ["origin"])

        // No Origin: not a CORS request.
        var same = FilterHarness.context(FilterHarness.get(), filter: filter)
        #expect(filter.onRequest(&same).isProceed)
        var sameResponse = ResponseHead(status: 200)
        filter.onResponse(&sameResponse, context: same)
        #expect(sameResponse.headers["Access-Control-Allow-Origin"] == nil)
        #expect(sameResponse.headers["Vary"] == "Origin")
    }

    @Test func specExampleAllowsAnyHeaderAndWildcardOrigin() throws {
        // SPEC §9: `{ type: cors, allowed_origins: [...], allowed_methods: [GET, POST] }`.
        let filter = try FilterHarness.filter(
            "    type: cors\n    allowed_origins: [\"https://app.example.com\"]\n    allowed_methods: [GET, POST]")
        var context = FilterHarness.context(
            Self.preflight("https://app.example.com", method: "POST", headers: "X-Custom, Content-Type"),
            filter: filter)
        let response = try #require(filter.onRequest(&context).response)
        #expect(response.head.headers["Access-Control-Allow-Headers"] == "X-Custom, Content-Type")
        #expect(response.head.headers["Access-Control-Allow-Credentials"] == nil)
        #expect(response.head.headers["Access-Control-Max-Age"] == nil)

        let any = try FilterHarness.filter("    type: cors\n    allowed_origins: [\"*\"]")
        var simple = FilterHarness.context(
            RequestHead(method: .GET, target: "/", headers: ["Host": "api", "Origin": "https://x.test"]), filter: any)
        #expect(any.onRequest(&simple).isProceed)
        var head = ResponseHead(status: 200)
        any.onResponse(&head, context: simple)
        #expect(head.headers["Access-Control-Allow-Origin"] == "*")
        #expect(head.headers["Vary"] == nil)
    }

    @Test(arguments: [
        ("    type: cors", "needs allowed_origins or allowed_origin_patterns"),
        ("    type: cors\n    allowed_origins: [app.example.com]", "'app.example.com' is not an origin"),
        ("    type: cors\n    allowed_origins: [\"https://app.example.com/path\"]", "is not an origin"),
        ("    type: cors\n    allowed_origins: [\"https://*.*.example.com\"]", "is not an origin"),
        ("    type: cors\n    allowed_origins: [\"https://app*.example.com\"]", "is not an origin"),
        (
            "    type: cors\n    allowed_origins: [\"*\"]\n    allow_credentials: true",
            "allowed_origins '*' cannot be combined with allow_credentials: true"
        ),
        ("    type: cors\n    allowed_origin_patterns: [\"(\"]", "invalid regular expression '('"),
        ("    type: cors\n    allowed_origins: [\"*\"]\n    allowed_methods: [\"GE T\"]", "'GE T' is not a method"),
        ("    type: cors\n    allowed_origins: [\"*\"]\n    allowed_headers: [\"a b\"]", "not a valid header name"),
        ("    type: cors\n    allowed_origins: [\"*\"]\n    max_age: soon", "'soon' is not a duration"),
        ("    type: cors\n    allowed_origin: [\"*\"]", "did you mean 'allowed_origins'"),
    ])
    func rejectsInvalidConfigs(yaml: String, message: String) {
        let errors = FilterHarness.errors(yaml)
        #expect(errors.contains(message), "\(errors)")
    }
}
