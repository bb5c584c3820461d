import Foundation
import Logging
import NIOCore
import NIOPosix
import PorticoConfig
import PorticoCore
import PorticoFilters
import PorticoServer
import PorticoTesting
import Testing

/// The filters in a real gateway over loopback: config compiled from YAML with the built-in
/// registry, a `GatewayServer`, a `TestBackend`, and raw HTTP/1.1 from a test client.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct FilterIntegrationTests {
    typealias Gateway = LoopbackGateway

    @Test func corsPreflightAndSimpleRequests() async throws {
        let gateway = try await Gateway.start(
            routes: """
                  - { name: api, match: { path_prefix: /api }, upstream: backend, filters: [cors-web] }
                """,
            filters: """
                  cors-web:
                    type: cors
                    allowed_origins: ["https://app.example.com"]
                    allowed_methods: [GET, POST]
                    allow_credentials: true
                    exposed_headers: [X-Total]
                    max_age: 600
                """)
        defer { Task { await gateway.stop() } }

        let preflight = try await gateway.send(
            "OPTIONS /api/users HTTP/1.1\r\nHost: api\r\nOrigin: https://app.example.com\r\n"
                + "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n",
            method: "OPTIONS")
        #expect(preflight.status == 204)
        #expect(preflight.header("access-control-allow-origin") == "https://app.example.com")
        #expect(preflight.header("access-control-allow-credentials") == "true")
        #expect(preflight.header("access-control-allow-methods") == "GET, POST")
        #expect(preflight.header("access-control-allow-headers") == "content-type")
        #expect(preflight.header("access-control-max-age") == "600")
        #expect(preflight.header("vary")?.contains("Origin") == true)
        #expect(gateway.backend.requests.isEmpty)

        let refused = try await gateway.send(
            "OPTIONS /api/users HTTP/1.1\r\nHost: api\r\nOrigin: https://evil.example\r\n"
                + "Access-Control-Request-Method: POST\r\n\r\n", method: "OPTIONS")
        #expect(refused.status == 403)
        #expect(refused.header("access-control-allow-origin") == nil)

        let simple = try await gateway.send(
            "GET /api/users HTTP/1.1\r\nHost: api\r\nOrigin: https://app.example.com\r\nCookie: a=b\r\n\r\n")
        #expect(simple.status == 200)
        #expect(simple.header("access-control-allow-origin") == "https://app.example.com")
        #expect(simple.header("access-control-allow-credentials") == "true")
        #expect(simple.header("access-control-expose-headers") == "X-Total")
        #expect(simple.headers("vary").contains("Origin"))

        let other = try await gateway.send(
            "GET /api/users HTTP/1.1\r\nHost: api\r\nOrigin: https://evil.example\r\n\r\n")
        #expect(other.status == 200)
        #expect(other.header("access-control-allow-origin") == nil)
        #expect(other.headers("vary").contains("Origin"))
    }

    @Test func ipAllowAndDenyWithoutTrustedProxies() async throws {
        let gateway = try await Gateway.start(
            routes: """
                  - { name: local, match: { path_prefix: /local }, upstream: backend, filters: [loopback-only] }
                  - { name: blocked, match: { path_prefix: /blocked }, upstream: backend, filters: [no-loopback] }
                  - { name: office, match: { path_prefix: /office }, upstream: backend, filters: [office] }
                """,
            filters: """
                  loopback-only: { type: ip_filter, allow: [127.0.0.0/8, "::1"] }
                  no-loopback: { type: ip_filter, deny: [127.0.0.1] }
                  office: { type: ip_filter, allow: [198.51.100.0/24] }
                """)
        defer { Task { await gateway.stop() } }
        #expect(try await gateway.send("GET /local HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
        #expect(try await gateway.send("GET /blocked HTTP/1.1\r\nHost: a\r\n\r\n").status == 403)
        // Without trusted proxies, X-Forwarded-For is not believed for policies.
        let spoofed = try await gateway.send("GET /office HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n")
        #expect(spoofed.status == 403)
    }

    @Test func ipFilterSeesTheClientBehindATrustedProxy() async throws {
        let gateway = try await Gateway.start(
            routes: """
                  - { name: office, match: { path_prefix: /office }, upstream: backend, filters: [office] }
                """,
            filters: """
                  office: { type: ip_filter, allow: [198.51.100.0/24], deny: [198.51.100.66] }
                """,
            listener: "trusted_proxies: [127.0.0.1]")
        defer { Task { await gateway.stop() } }
        let allowed = try await gateway.send(
            "GET /office HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n")
        #expect(allowed.status == 200)
        let denied = try await gateway.send(
            "GET /office HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.66\r\n\r\n")
        #expect(denied.status == 403)
        let outside = try await gateway.send("GET /office HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.1\r\n\r\n")
        #expect(outside.status == 403)
        // The proxy itself, with no forwarded address, is not in the office range.
        #expect(try await gateway.send("GET /office HTTP/1.1\r\nHost: a\r\n\r\n").status == 403)
    }

    @Test func bodyLimitAnswers413WhileStreaming() async throws {
        let gateway = try await Gateway.start(
            routes: """
                  - { name: upload, match: { path_prefix: /upload }, upstream: backend, filters: [small] }
                """,
            filters: """
                  small: { type: body_limit, max_body: 1KiB }
                """)
        defer { Task { await gateway.stop() } }
        let small = try await gateway.send(
            "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            method: "POST")
        #expect(small.status == 200)
        #expect(small.bodyText == "ok:hello")

        let client = try await RawClient.connect(port: gateway.port, group: gateway.group)
        defer { Task { await client.close() } }
        let chunk = String(repeating: "x", count: 600)
        try await client.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        try await client.send("258\r\n\(chunk)\r\n")
        try await client.send("258\r\n\(chunk)\r\n")
        // No terminating chunk: the gateway must answer without waiting for the rest.
        let response = try await client.readResponse(method: "POST")
        #expect(response.status == 413)

        let declared = try await gateway.send(
            "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n", method: "POST")
        #expect(declared.status == 413)
    }

    @Test func rateLimitAnswers429WithHeadersAfterABurst() async throws {
        let gateway = try await Gateway.start(
            routes: """
                  - { name: limited, match: { path_prefix: /limited }, upstream: backend, filters: [limit-ip] }
                """,
            filters: """
                  limit-ip: { type: rate_limit, rate: 1/h, burst: 3, key: client_ip }
                """)
        defer { Task { await gateway.stop() } }
        var statuses: [Int] = []
        var remaining: [String] = []
        // Separate connections may land on either event loop; the quota is one.
        for _ in 0..<3 {
            let response = try await gateway.send("GET /limited HTTP/1.1\r\nHost: a\r\n\r\n")
            statuses.append(response.status)
            remaining.append(response.header("ratelimit-remaining") ?? "-")
        }
        #expect(statuses == [200, 200, 200])
        #expect(remaining == ["2", "1", "0"])
        let refused = try await gateway.send("GET /limited HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(refused.status == 429)
        #expect(refused.header("retry-after") == "3600")
        #expect(refused.header("ratelimit-limit") == "3")
        #expect(refused.header("ratelimit-remaining") == "0")
        #expect(refused.header("ratelimit-reset") == "10800")
        #expect(refused.header("content-type") == "application/json")
        #expect(refused.bodyText.contains("rate limit exceeded"))
        #expect(gateway.backend.requests.count == 3)
    }

    @Test func apiKeyAndBasicAuthForwardTheConsumer() async throws {
        let gateway = try await Gateway.start(
            routes: """
                  - { name: keys, match: { path_prefix: /keys }, upstream: backend, filters: [keys, per-consumer] }
                  - { name: staff, match: { path_prefix: /staff }, upstream: backend, filters: [staff] }
                """,
            filters: """
                  keys:
                    type: api_key
                    keys: [{ consumer: mobile, sha256: \(APIKeyFilterTests.mobile) }]
                  per-consumer: { type: rate_limit, rate: 1/h, burst: 1, key: consumer }
                  staff:
                    type: basic_auth
                    users: ["\(BasicAuthFilterTests.alice)"]
                """)
        defer { Task { await gateway.stop() } }
        let missing = try await gateway.send("GET /keys HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(missing.status == 401)
        #expect(missing.header("www-authenticate") == "Key realm=\"portico\"")
        #expect(try await gateway.send("GET /keys HTTP/1.1\r\nHost: a\r\nX-API-Key: nope\r\n\r\n").status == 401)
        let good = try await gateway.send(
            "GET /keys HTTP/1.1\r\nHost: a\r\nX-API-Key: k-123\r\nX-Consumer: admin\r\n\r\n")
        #expect(good.status == 200)
        let forwarded = try #require(gateway.backend.requests.last)
        #expect(forwarded.header("x-consumer") == "mobile")
        #expect(forwarded.header("x-api-key") == nil)
        // The consumer is the rate-limit key: the second request of `mobile` is refused.
        #expect(try await gateway.send("GET /keys HTTP/1.1\r\nHost: a\r\nX-API-Key: k-123\r\n\r\n").status == 429)

        let basic = "Basic " + Data("alice:secret".utf8).base64EncodedString()
        let staff = try await gateway.send("GET /staff HTTP/1.1\r\nHost: a\r\nAuthorization: \(basic)\r\n\r\n")
        #expect(staff.status == 200)
        #expect(gateway.backend.requests.last?.header("x-consumer") == "alice")
        #expect(gateway.backend.requests.last?.header("authorization") == nil)
        let wrong = "Basic " + Data("alice:guess".utf8).base64EncodedString()
        let refused = try await gateway.send("GET /staff HTTP/1.1\r\nHost: a\r\nAuthorization: \(wrong)\r\n\r\n")
        #expect(refused.status == 401)
        #expect(refused.header("www-authenticate")?.hasPrefix("Basic realm=") == true)
    }

    @Test func jsonSchemaValidatesBodies() async throws {
        let gateway = try await Gateway.start(
            routes: """
                  - { name: users, match: { path_prefix: /users }, upstream: backend, filters: [ids, new-user] }
                """,
            filters: """
                  ids: { type: request_id }
                  new-user:
                    type: json_schema
                    schema: { type: object, required: [name], properties: { name: { type: string } } }
                """)
        defer { Task { await gateway.stop() } }
        func post(_ body: String, type: String = "application/json") -> String {
            "POST /users HTTP/1.1\r\nHost: a\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        let valid = try await gateway.send(post(#"{"name":"ann"}"#), method: "POST")
        #expect(valid.status == 200)
        #expect(valid.bodyText == #"ok:{"name":"ann"}"#)
        let invalid = try await gateway.send(post(#"{"name":7}"#), method: "POST")
        #expect(invalid.status == 422)
        #expect(invalid.bodyText.contains("/name: expected string, found integer"))
        #expect(invalid.bodyText.contains("\"request_id\""))
        #expect(try await gateway.send(post("{oops"), method: "POST").status == 400)
        #expect(try await gateway.send(post("a=b", type: "text/plain"), method: "POST").status == 415)
        #expect(gateway.backend.requests.count == 1)
    }
}
