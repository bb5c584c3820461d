import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PorticoConfig
import PorticoCore
import PorticoObservability
import PorticoServer
import PorticoTesting
import Testing

@testable import PorticoJWT

/// The filter in a real gateway on loopback, with a backend and a JWKS server.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct JWTGatewayTests {
    let group = MultiThreadedEventLoopGroup.singleton

    /// A JWKS endpoint whose document the test changes, counting fetches per path.
    final class JWKSServer: Sendable {
        let backend: TestBackend
        private let document: NIOLockedValueBox<String>

        private init(backend: TestBackend, document: NIOLockedValueBox<String>) {
            self.backend = backend
            self.document = document
        }

        static func start(group: any EventLoopGroup, keys: [[String: String]]) async throws -> JWKSServer {
            let document = NIOLockedValueBox(TestKeys.jwks(keys))
            let backend = try await TestBackend.start(group: group) { _, writer in
                let body = document.withLockedValue { $0 }
                writer.respond(status: 200, headers: [("content-type", "application/jwk-set+json")], body: body)
            }
            return JWKSServer(backend: backend, document: document)
        }

        func publish(_ keys: [[String: String]]) {
            self.document.withLockedValue { $0 = TestKeys.jwks(keys) }
        }

        func fetches(_ path: String) -> Int {
            self.backend.requests.filter { $0.uri == path }.count
        }
    }

    private func startGateway(backendPort: Int, jwksPort: Int) async throws -> (GatewayServer, Int) {
        let jwks = "http://127.0.0.1:\(jwksPort)"
        let common = "algorithms: [RS256, ES256], issuer: https://idp.test, audience: users"
        let yaml = """
            listeners: [{ name: public, address: "127.0.0.1:0" }]
            admin: { address: off }
            runtime: { workers: 2 }
            logging: { access_log: false }
            upstreams:
              app: { targets: [{ url: "http://127.0.0.1:\(backendPort)" }] }
            routes:
              - name: app
                match: { path_prefix: / }
                upstream: app
                filters: [auth]
              - name: admin
                match: { path_prefix: /admin }
                upstream: app
                filters: [auth-admin]
            filters:
              auth: { type: jwt, \(common), jwks_url: "\(jwks)/a", jwks_min_refetch_interval: 2s, forward_claims: { sub: X-User-Id } }
              auth-admin: { type: jwt, \(common), jwks_url: "\(jwks)/b", required_roles: [admin] }
            """
        let snapshot = try ConfigLoader(registry: JWTHarness.registry, environment: [:]).load(text: yaml).snapshot
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let server = GatewayServer(
            group: self.group, store: SnapshotStore(snapshot), logger: logger, accessLogOutput: .standardError)
        try await server.start()
        return (server, server.boundAddresses["public"]!.port!)
    }

    private func get(_ path: String, token: String?, port: Int) async throws -> HTTPTestResponse {
        let client = try await RawClient.connect(port: port, group: self.group)
        var request = "GET \(path) HTTP/1.1\r\nHost: api.test\r\nX-User-Id: spoofed\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        try await client.send(request + "\r\n")
        let response = try await client.readResponse()
        await client.close()
        return response
    }

    @Test func tokensRotationAndJunkOverLoopback() async throws {
        let backend = try await TestBackend.start(group: self.group, body: "ok")
        let idp = try await JWKSServer.start(group: self.group, keys: [TestKeys.jwk(.rsa(TestKeys.rsa), kid: "k1")])
        let (server, port) = try await self.startGateway(backendPort: backend.port, jwksPort: idp.backend.port)

        // A valid token: the first request waits for the first JWKS fetch, then passes with
        // the forwarded claim replacing the client's spoofed header.
        let ok = try await self.get("/users/1", token: Mint.token("RS256"), port: port)
        #expect(ok.status == 200)
        #expect(backend.requests.last?.headers.filter { $0.0.lowercased() == "x-user-id" }.map(\.1) == ["user-1"])
        #expect(idp.fetches("/a") == 1)

        // No token, or a bad one: 401 with the RFC 6750 challenge.
        let missing = try await self.get("/users/1", token: nil, port: port)
        #expect(missing.status == 401)
        #expect(missing.header("WWW-Authenticate") == "Bearer realm=\"portico\"")
        let expired = try await self.get(
            "/users/1", token: Mint.token("RS256", claims: Mint.claims(["exp": 1000])), port: port)
        #expect(expired.status == 401)
        #expect(expired.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
        #expect(expired.bodyText.contains("token expired"))

        // Roles: 403 without, 200 with.
        let noRole = try await self.get("/admin/x", token: Mint.token("RS256"), port: port)
        #expect(noRole.status == 403)
        #expect(noRole.header("WWW-Authenticate")?.contains("insufficient_scope") == true)
        let admin = Mint.token("RS256", claims: Mint.claims(["roles": ["admin"]]))
        #expect(try await self.get("/admin/x", token: admin, port: port).status == 200)

        // Rotation: the IdP now signs with k2. A burst of requests with the new kid passes
        // after exactly one refetch, spread over both event loops and many connections.
        idp.publish([TestKeys.jwk(.rsa(TestKeys.rsa2), kid: "k2"), TestKeys.jwk(.rsa(TestKeys.rsa), kid: "k1")])
        try await Task.sleep(for: .milliseconds(2100))
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<60 {
                let token = Mint.token(
                    "RS256", kid: "k2", claims: Mint.claims(["jti": "\(index)"]), signer: .rsa(TestKeys.rsa2))
                group.addTask { try await self.get("/users/\(index)", token: token, port: port).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.count == 60)
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        #expect(idp.fetches("/a") == 2)

        // Junk kids right after: refused without a fetch (rate limit) ...
        let junk = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<30 {
                let token = Mint.token("RS256", kid: "junk-\(index)", signer: .rsa(TestKeys.rsa2))
                group.addTask { try await self.get("/users/j", token: token, port: port).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(junk.allSatisfy { $0 == 401 })
        #expect(idp.fetches("/a") == 2)
        // ... and once the interval has passed, a burst of junk costs one fetch, not thirty.
        try await Task.sleep(for: .milliseconds(2100))
        let junk2 = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<30 {
                let token = Mint.token("RS256", kid: "junk2-\(index)", signer: .rsa(TestKeys.rsa2))
                group.addTask { try await self.get("/users/j", token: token, port: port).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(junk2.allSatisfy { $0 == 401 })
        #expect(idp.fetches("/a") == 3)

        await server.drain(timeout: .seconds(1))
        await backend.stop()
        await idp.backend.stop()
    }
}
