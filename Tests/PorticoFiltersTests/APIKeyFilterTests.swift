import PorticoCore
import PorticoFilters
import PorticoHTTP
import Testing

@Suite struct APIKeyFilterTests {
    /// sha256("k-123"), sha256("k-456"), sha256("partner key/+=").
    static let mobile = "3605a9e4358da4302f8acea41f0f52cef85d0e3f727c7b020fc7305aec8d56b4"
    static let web = "efe96124b410574ffd343d0c9f342ce51d5aee47046ca355f85a50e23db3c37c"
    static let partner = "7ef03412f53781ac22260931d002468d1869f907d94e130715b657bfc02d0fbe"

    static let yaml = """
            type: api_key
            keys:
              - { consumer: mobile, sha256: \(mobile) }
              - { consumer: web, sha256: \(web.uppercased()) }
        """

    @Test func acceptsKnownKeysAndForwardsTheConsumer() throws {
        let filter = try FilterHarness.filter(Self.yaml)
        var context = FilterHarness.context(
            FilterHarness.get("/", [("X-API-Key", "k-456"), ("X-Consumer", "spoofed")]), filter: filter)
        #expect(filter.onRequest(&context).isProceed)
        #expect(context.consumer == "web")
        #expect(context.request.headers.values("x-consumer") == ["web"])
        // The key itself does not travel upstream.
        #expect(context.request.headers["x-api-key"] == nil)
    }

    @Test func refusesMissingAndWrongKeys() throws {
        let filter = try FilterHarness.filter(Self.yaml)
        var missing = FilterHarness.context(FilterHarness.get(), filter: filter)
        let noKey = try #require(filter.onRequest(&missing).rejection)
        #expect(noKey.status == 401)
        #expect(noKey.message == "missing API key")
        #expect(noKey.headers["WWW-Authenticate"] == "Key realm=\"portico\"")

        var wrong = FilterHarness.context(FilterHarness.get("/", [("X-API-Key", "k-124")]), filter: filter)
        let bad = try #require(filter.onRequest(&wrong).rejection)
        #expect(bad.status == 401)
        #expect(bad.message == "invalid API key")
        #expect(wrong.consumer == nil)
    }

    @Test func readsTheQueryAndHidesIt() throws {
        let filter = try FilterHarness.filter(
            """
                type: api_key
                query: api_key
                consumer_header: X-Client
                keys: [{ consumer: partner, sha256: \(Self.partner) }]
            """)
        var context = FilterHarness.context(
            FilterHarness.get("/items?page=2&api_key=partner%20key%2F%2B%3D&sort=asc"), filter: filter)
        #expect(filter.onRequest(&context).isProceed)
        #expect(context.consumer == "partner")
        #expect(context.request.target == "/items?page=2&sort=asc")
        #expect(context.request.headers["x-client"] == "partner")

        // Only the query was configured: a header is not looked at.
        var header = FilterHarness.context(FilterHarness.get("/", [("X-API-Key", "partner key/+=")]), filter: filter)
        #expect(filter.onRequest(&header).rejection?.status == 401)
    }

    @Test func canKeepCredentialsAndSkipTheConsumerHeader() throws {
        let filter = try FilterHarness.filter(
            """
                type: api_key
                header: Authorization-Key
                query: key
                hide_credentials: false
                consumer_header: off
                keys: [{ consumer: mobile, sha256: \(Self.mobile) }]
            """)
        var context = FilterHarness.context(FilterHarness.get("/?key=k-123"), filter: filter)
        #expect(filter.onRequest(&context).isProceed)
        #expect(context.request.target == "/?key=k-123")
        #expect(context.request.headers["x-consumer"] == nil)
        var byHeader = FilterHarness.context(FilterHarness.get("/", [("Authorization-Key", "k-123")]), filter: filter)
        #expect(filter.onRequest(&byHeader).isProceed)
        #expect(byHeader.request.headers["authorization-key"] == "k-123")
    }

    @Test(arguments: [
        ("    type: api_key", "missing required key 'keys'"),
        ("    type: api_key\n    keys: []", "needs at least one key"),
        ("    type: api_key\n    keys: [{ consumer: a, sha256: abc }]", "sha256 must be 64 hex digits"),
        (
            "    type: api_key\n    keys: [{ consumer: a, sha256: \(String(repeating: "zz", count: 32)) }]",
            "64 hex digits"
        ),
        ("    type: api_key\n    keys: [{ consumer: \"\", sha256: \(mobile) }]", "consumer must be a non-empty name"),
        ("    type: api_key\n    keys: [{ consumer: a, sha256: \(mobile), key: plain }]", "unknown key 'key'"),
        (
            "    type: api_key\n    keys: [{ consumer: a, sha256: \(mobile) }, { consumer: b, sha256: \(mobile) }]",
            "the same key digest is listed twice"
        ),
        (
            "    type: api_key\n    header: \"X Key\"\n    keys: [{ consumer: a, sha256: \(mobile) }]",
            "not a valid header name"
        ),
        (
            "    type: api_key\n    query: \"a=b\"\n    keys: [{ consumer: a, sha256: \(mobile) }]",
            "not a valid query parameter"
        ),
        ("    type: api_key\n    realm: 'a\"b'\n    keys: [{ consumer: a, sha256: \(mobile) }]", "realm must be"),
        (
            "    type: api_key\n    hide: true\n    keys: [{ consumer: a, sha256: \(mobile) }]",
            "did you mean 'hide_credentials'"
        ),
    ])
    func rejectsInvalidConfigs(yaml: String, message: String) {
        let errors = FilterHarness.errors(yaml)
        #expect(errors.contains(message), "\(errors)")
    }
}
