import Foundation
import PorticoCore
import Testing

@testable import PorticoJWT

/// Decoding and validating `type: jwt` entries through the real config loader.
@Suite struct JWTConfigurationTests {
    static let ecJWK = TestKeys.jwk(.p256(TestKeys.p256), kid: "x")

    @Test func specExampleLoads() throws {
        let filter = try JWTHarness.filter(
            """
                type: jwt
                algorithms: [RS256]
                jwks_url: https://idp/.well-known/jwks.json
                issuer: https://idp
                audience: users
            """)
        #expect(filter.verifier.policy.algorithms == [.rs256])
        #expect(filter.verifier.policy.issuers == ["https://idp"])
        #expect(filter.verifier.policy.audiences == ["users"])
        #expect(filter.verifier.policy.leeway == 30)
        #expect(filter.store.jwks?.refreshInterval == .minutes(5))
        #expect(filter.store.jwks?.minRefetchInterval == .seconds(30))
        // Building a filter (validate, route-test) fetches nothing.
        #expect(filter.store.fetchCount == 0)
    }

    @Test func everyKeyDecodes() throws {
        let filter = try JWTHarness.filter(
            """
                type: jwt
                algorithms: [HS256, ES256]
                keys:
                  - { kid: k1, secret: \(TestKeys.secret), algorithm: HS256 }
                  - kid: k2
                    jwk: { kty: EC, crv: P-256, x: "\(Self.ecJWK["x"]!)", y: "\(Self.ecJWK["y"]!)" }
                jwks_url: http://127.0.0.1:1/jwks
                jwks_refresh: 1h
                jwks_min_refetch_interval: 500ms
                jwks_timeout: 2s
                issuer: [https://a, https://b]
                audience: [users, admins]
                leeway: 1m30s
                required_claims: [sub, email]
                required_roles: [admin, ops]
                roles_claim: realm_access.roles
                roles_match: all
                required_scopes: [read]
                scopes_claim: scp
                forward_claims: { sub: X-User-Id, email: X-User-Email }
                consumer_claim: email
                header: X-Token
                cookie: session
                query: access_token
                realm: api
                cache_size: 10
                cache_ttl: 1m
            """)
        let policy = filter.verifier.policy
        #expect(policy.algorithms == [.hs256, .es256])
        #expect(policy.issuers == ["https://a", "https://b"])
        #expect(policy.audiences == ["users", "admins"])
        #expect(policy.leeway == 90)
        #expect(policy.requiredClaims.map(\.name) == ["sub", "email"])
        #expect(policy.rolesClaim.segments == ["realm_access", "roles"])
        #expect(policy.rolesMatch == .all)
        #expect(policy.scopesClaim.name == "scp")
        #expect(policy.consumerClaim.name == "email")
        #expect(filter.store.configured.map(\.kid) == ["k1", "k2"])
        #expect(filter.store.jwks?.minRefetchInterval == .milliseconds(500))
    }

    @Test(arguments: [
        ("algorithms: [RS256]\n    keys: []", "needs keys or a jwks_url"),
        ("algorithms: []\n    jwks_url: https://idp/jwks", "algorithms is empty"),
        ("algorithms: [none]\n    jwks_url: https://idp/jwks", "'none' (unsigned tokens) is never accepted"),
        ("algorithms: [rs256]\n    jwks_url: https://idp/jwks", "did you mean 'RS256'"),
        ("algorithms: [XS256]\n    jwks_url: https://idp/jwks", "unknown algorithm 'XS256'"),
        ("algorithms: [RS256]\n    jwks_url: ftp://idp/jwks", "jwks_url must be an http(s) URL"),
        ("algorithms: [HS256]\n    jwks_url: https://idp/jwks", "never supplies symmetric keys"),
        ("algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    leeway: 10", "has no unit"),
        ("algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    leeway: 1.2.3s", "not a duration"),
        ("algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    jwks_refresh: 5parsecs", "unknown unit 'parsecs'"),
        ("algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    jwks_min_refetch_interval: 0s", "more than 0"),
        ("algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    cache_size: -1", "cache_size"),
        ("algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    header: \"X Token\"", "not a valid header name"),
        ("algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    roles_match: some", "roles_match is 'any' or 'all'"),
        (
            "algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    forward_claims: { sub: Content-Length }",
            "managed by the proxy"
        ),
        (
            "algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    forward_claims: { sub: X-A, email: x-a }",
            "same header"
        ),
        ("algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    realm: 'a\"b'", "realm"),
        ("algorithms: [RS256]\n    jwks_url: https://idp/jwks\n    jwks_urll: x", "unknown key 'jwks_urll'"),
    ])
    func invalidSettingsAreReported(yaml: String, message: String) {
        let errors = JWTHarness.errors("    type: jwt\n    " + yaml)
        #expect(errors.contains(message), "\(errors)")
    }

    @Test func keyProblemsAreReported() {
        let cases: [(String, String)] = [
            ("keys: [{ kid: k1 }]", "a key needs a secret, public_key, jwk or file"),
            ("keys: [{ secret: \(TestKeys.secret), file: k.pem }]", "give only one key source"),
            ("keys: [{ secret: short }]", "at least 32"),
            ("keys: [{ secret: \(TestKeys.secret), colour: red }]", "unknown key 'colour'"),
            ("keys: [{ secret: \(TestKeys.secret), algorithm: HS384 }]", "HS384 is not in algorithms"),
            ("keys: [{ secret: '!!!', secret_is_base64: true }]", "not valid base64"),
            ("keys: [{ public_key: 'not a key' }]", "not a PEM document"),
            ("keys: [{ file: does-not-exist.pem }]", "cannot read file 'does-not-exist.pem'"),
            ("keys: [{ jwk: '{\"kty\": \"RSA\"' }]", "jwk is not valid JSON"),
        ]
        for (keys, message) in cases {
            let errors = JWTHarness.errors("    type: jwt\n    algorithms: [HS256]\n    \(keys)")
            #expect(errors.contains(message), "\(keys): \(errors)")
        }
    }

    @Test func keysMustFitTheAlgorithms() {
        // An RSA public key declared for HS256 is the algorithm-confusion setup.
        let pem = TestSigner.rsa(TestKeys.rsa).publicPEM!
        let declared = JWTHarness.errors(
            "    type: jwt\n    algorithms: [HS256, RS256]\n    keys: [{ algorithm: HS256, public_key: \(Self.quoted(pem)) }]"
        )
        #expect(declared.contains("cannot verify HS256"), "\(declared)")
        // A PEM given as an HMAC secret is refused outright.
        let asSecret = JWTHarness.errors(
            "    type: jwt\n    algorithms: [HS256]\n    keys: [{ secret: \(Self.quoted(pem)) }]")
        #expect(asSecret.contains("the secret is a PEM document"), "\(asSecret)")
        // An algorithm no key can verify.
        let unserved = JWTHarness.errors(
            "    type: jwt\n    algorithms: [HS256, ES256]\n    keys: [{ secret: \(TestKeys.secret) }]")
        #expect(unserved.contains("no configured key can verify ES256"), "\(unserved)")
        // HMAC secrets at least as long as the hash (RFC 7518 §3.2).
        let short = String(repeating: "s", count: 40)
        let shortSecret = JWTHarness.errors(
            "    type: jwt\n    algorithms: [HS256, HS512]\n    keys: [{ secret: \(short), algorithm: HS512 }]")
        #expect(shortSecret.contains("HS512 needs a secret of at least 64 bytes"), "\(shortSecret)")
        let undeclared = JWTHarness.errors(
            "    type: jwt\n    algorithms: [HS256, HS512]\n    keys: [{ secret: \(short) }]")
        #expect(undeclared.contains("no configured key can verify HS512"), "\(undeclared)")
        // Private keys do not belong in gateway config.
        let privatePEM = TestKeys.p256.pemRepresentation
        let privateKey = JWTHarness.errors(
            "    type: jwt\n    algorithms: [ES256]\n    keys: [{ public_key: \(Self.quoted(privatePEM)) }]")
        #expect(privateKey.contains("this is a private key"), "\(privateKey)")
    }

    @Test func keysFromFilesResolveAgainstTheConfigDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jwt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try TestSigner.rsa(TestKeys.rsa).publicPEM!.write(
            to: directory.appendingPathComponent("rsa.pem"), atomically: true, encoding: .utf8)
        try TestKeys.jwks([
            TestKeys.jwk(.p256(TestKeys.p256), kid: "ec1"), TestKeys.jwk(.ed25519(TestKeys.ed25519), kid: "ed1"),
        ]).write(to: directory.appendingPathComponent("jwks.json"), atomically: true, encoding: .utf8)
        let filter = try JWTHarness.filter(
            """
                type: jwt
                algorithms: [RS256, ES256, EdDSA]
                keys: [{ kid: r1, file: rsa.pem }, { file: jwks.json }]
            """,
            baseDirectory: directory.path)
        #expect(filter.store.configured.map(\.kid) == ["r1", "ec1", "ed1"])
        for (alg, kid) in [("RS256", "r1"), ("ES256", "ec1"), ("EdDSA", "ed1")] {
            #expect(JWTHarness.run(filter, token: Mint.token(alg, kid: kid)).0.isProceed, "\(alg)")
        }
    }

    @Test func base64Secrets() throws {
        let secret = Array(TestKeys.secret.utf8)
        let standard = Data(secret).base64EncodedString()
        let filter = try JWTHarness.filter(
            "    type: jwt\n    algorithms: [HS256]\n    keys: [{ secret: \"\(standard)\", secret_is_base64: true }]")
        #expect(JWTHarness.run(filter, token: Mint.token("HS256")).0.isProceed)
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
