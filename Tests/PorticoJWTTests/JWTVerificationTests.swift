import Crypto
import CryptoExtras
import Foundation
import JWTKit
import PorticoCore
import PorticoHTTP
import Testing

@testable import PorticoJWT

/// Signatures, claims and the attacks a JWT verifier must resist, without sockets.
@Suite struct JWTVerificationTests {
    /// A filter accepting every algorithm, with the default test key of each family.
    static func allAlgorithmsFilter(
        clock: ManualClock? = nil, _ adjust: (inout JWTFilter.Configuration) -> Void = { _ in }
    ) throws -> JWTFilter {
        var configuration = JWTFilter.Configuration(
            algorithms: SigningAlgorithm.allCases,
            keys: [
                .init(kid: "k1", algorithm: nil, secret: TestKeys.secret),
                .init(kid: "k1", publicKey: TestSigner.rsa(TestKeys.rsa).publicPEM),
                .init(kid: "k1", publicKey: TestSigner.p256(TestKeys.p256).publicPEM),
                .init(kid: "k1", publicKey: TestSigner.p384(TestKeys.p384).publicPEM),
                .init(kid: "k1", publicKey: TestSigner.p521(TestKeys.p521).publicPEM),
                .init(kid: "k1", publicKey: TestSigner.ed25519(TestKeys.ed25519).publicPEM),
            ],
            issuers: ["https://idp.test"],
            audiences: ["users"]
        )
        adjust(&configuration)
        return try JWTHarness.filter(configuration, clock: clock)
    }

    @Test(arguments: SigningAlgorithm.allCases)
    func everyAlgorithmVerifies(algorithm: SigningAlgorithm) throws {
        let filter = try Self.allAlgorithmsFilter()
        let (decision, context) = JWTHarness.run(filter, token: Mint.token(algorithm.rawValue))
        #expect(decision.isProceed, "\(algorithm): \(String(describing: decision.error))")
        #expect(context.consumer == "user-1")
        #expect(context.values["jwt.sub"] == "user-1")
        #expect(context.values["jwt.aud"] == "users")
    }

    @Test(arguments: SigningAlgorithm.allCases)
    func tamperedTokensFail(algorithm: SigningAlgorithm) throws {
        let filter = try Self.allAlgorithmsFilter()
        let token = Mint.token(algorithm.rawValue)
        let parts = token.split(separator: ".")
        // Another payload under the original signature.
        let forged = parts[0] + "." + Mint.part(Mint.claims(["sub": "admin"])) + "." + parts[2]
        #expect(JWTHarness.run(filter, token: String(forged)).0.error?.message == "invalid token: invalid signature")
        // The right payload signed by another key of the same family.
        let otherKey: TestSigner =
            switch algorithm.keyFamily {
            case .hmac: .hmac(TestKeys.secret + "-other")
            case .rsa: .rsa(TestKeys.rsa2)
            case .p256: .p256(P256.Signing.PrivateKey())
            case .p384: .p384(P384.Signing.PrivateKey())
            case .p521: .p521(P521.Signing.PrivateKey())
            case .ed25519: .ed25519(Curve25519.Signing.PrivateKey())
            }
        let wrongKey = Mint.token(algorithm.rawValue, signer: otherKey)
        #expect(JWTHarness.run(filter, token: wrongKey).0.status == 401)
    }

    /// Tokens minted by jwt-kit, an independent implementation, verify here.
    @Test func tokensMintedByJWTKitVerify() async throws {
        struct Payload: JWTPayload {
            var sub: SubjectClaim
            var iss: IssuerClaim
            var aud: AudienceClaim
            var exp: ExpirationClaim
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let payload = Payload(
            sub: "user-1", iss: "https://idp.test", aud: "users", exp: .init(value: Date().addingTimeInterval(600)))
        let secret = HMACKey(from: TestKeys.secret)
        let rsa = try Insecure.RSA.PrivateKey(pem: TestKeys.rsa.pemRepresentation)
        let collections: [(SigningAlgorithm, JWTKeyCollection)] = [
            (.hs256, await JWTKeyCollection().add(hmac: secret, digestAlgorithm: .sha256, kid: "k1")),
            (.hs384, await JWTKeyCollection().add(hmac: secret, digestAlgorithm: .sha384, kid: "k1")),
            (.hs512, await JWTKeyCollection().add(hmac: secret, digestAlgorithm: .sha512, kid: "k1")),
            (.rs256, await JWTKeyCollection().add(rsa: rsa, digestAlgorithm: .sha256, kid: "k1")),
            (.rs384, await JWTKeyCollection().add(rsa: rsa, digestAlgorithm: .sha384, kid: "k1")),
            (.rs512, await JWTKeyCollection().add(rsa: rsa, digestAlgorithm: .sha512, kid: "k1")),
            (.ps256, await JWTKeyCollection().add(pss: rsa, digestAlgorithm: .sha256, kid: "k1")),
            (.ps384, await JWTKeyCollection().add(pss: rsa, digestAlgorithm: .sha384, kid: "k1")),
            (.ps512, await JWTKeyCollection().add(pss: rsa, digestAlgorithm: .sha512, kid: "k1")),
            (.es256, await JWTKeyCollection().add(ecdsa: try ES256PrivateKey(backing: TestKeys.p256), kid: "k1")),
            (.es384, await JWTKeyCollection().add(ecdsa: try ES384PrivateKey(backing: TestKeys.p384), kid: "k1")),
            (.es512, await JWTKeyCollection().add(ecdsa: try ES512PrivateKey(backing: TestKeys.p521), kid: "k1")),
            (.edDSA, await JWTKeyCollection().add(eddsa: EdDSA.PrivateKey(backing: TestKeys.ed25519), kid: "k1")),
        ]
        let filter = try Self.allAlgorithmsFilter()
        for (algorithm, keys) in collections {
            let token = try await keys.sign(payload, kid: "k1")
            let (decision, context) = JWTHarness.run(filter, token: token)
            #expect(decision.isProceed, "\(algorithm): \(String(describing: decision.error))")
            #expect(context.consumer == "user-1")
        }
    }

    @Test func timeClaimsWithLeeway() throws {
        let clock = ManualClock()
        let filter = try Self.allAlgorithmsFilter(clock: clock)
        let now = Int(clock.now)
        func check(_ claims: [String: Any]) -> String? {
            let decision = JWTHarness.run(filter, token: Mint.token("HS256", claims: Mint.claims(claims))).0
            return decision.isProceed ? nil : decision.error?.message
        }
        // exp: within the 30 s leeway still passes, beyond it fails.
        #expect(check(["exp": now - 10]) == nil)
        #expect(check(["exp": now - 31]) == "invalid token: token expired")
        // nbf: likewise into the future.
        #expect(check(["nbf": now + 10]) == nil)
        #expect(check(["nbf": now + 60]) == "invalid token: token not yet valid")
        // iat in the future beyond the leeway.
        #expect(check(["iat": now + 60]) == "invalid token: token issued in the future")
        // Fractional NumericDates are valid.
        #expect(check(["exp": Double(now) + 100.5]) == nil)
        // Malformed times.
        #expect(check(["exp": "tomorrow"]) == "invalid token: malformed exp claim")
    }

    @Test func issuerAudienceAndRequiredClaims() throws {
        let filter = try Self.allAlgorithmsFilter {
            $0.issuers = ["https://idp.test", "https://other.test"]
            $0.audiences = ["users", "admins"]
            $0.requiredClaims = ["email", "realm_access.tenant"]
        }
        func message(_ claims: [String: Any]) -> String? {
            let decision = JWTHarness.run(filter, token: Mint.token("HS256", claims: Mint.claims(claims))).0
            return decision.isProceed ? nil : decision.error?.message
        }
        let complete: [String: Any] = ["email": "a@b.c", "realm_access": ["tenant": "t1"]]
        #expect(message(complete) == nil)
        #expect(message(complete.merging(["iss": "https://other.test"]) { $1 }) == nil)
        #expect(message(complete.merging(["iss": "https://evil.test"]) { $1 }) == "invalid token: wrong issuer")
        #expect(message(complete.merging(["aud": ["billing", "admins"]]) { $1 }) == nil)
        #expect(message(complete.merging(["aud": "billing"]) { $1 }) == "invalid token: wrong audience")
        #expect(message(complete.merging(["aud": ["billing"]]) { $1 }) == "invalid token: wrong audience")
        #expect(message(["email": "a@b.c"]) == "invalid token: missing required claim realm_access.tenant")
        #expect(
            message(["realm_access": ["tenant": "t1"], "email": NSNull()])
                == "invalid token: missing required claim email")
    }

    @Test func rolesAndScopes() throws {
        let roles = try Self.allAlgorithmsFilter {
            $0.requiredRoles = ["admin", "ops"]
            $0.rolesClaim = "realm_access.roles"
        }
        func status(_ filter: JWTFilter, _ claims: [String: Any]) -> Int? {
            JWTHarness.run(filter, token: Mint.token("HS256", claims: Mint.claims(claims))).0.status
        }
        #expect(status(roles, ["realm_access": ["roles": ["user", "ops"]]]) == nil)
        #expect(status(roles, ["realm_access": ["roles": ["user"]]]) == 403)
        #expect(status(roles, [:]) == 403)
        // A space-separated string works like a list.
        #expect(status(roles, ["realm_access": ["roles": "user admin"]]) == nil)

        let allRoles = try Self.allAlgorithmsFilter {
            $0.requiredRoles = ["admin", "ops"]
            $0.rolesMatchAll = true
        }
        #expect(status(allRoles, ["roles": ["admin"]]) == 403)
        #expect(status(allRoles, ["roles": ["ops", "admin"]]) == nil)

        let scopes = try Self.allAlgorithmsFilter { $0.requiredScopes = ["read", "write"] }
        #expect(status(scopes, ["scope": "openid read write"]) == nil)
        #expect(status(scopes, ["scope": ["read", "write"]]) == nil)
        let denied = JWTHarness.run(scopes, token: Mint.token("HS256", claims: Mint.claims(["scope": "read"]))).0
        #expect(denied.status == 403)
        let challenge = denied.error?.headers["WWW-Authenticate"] ?? ""
        #expect(challenge.contains("error=\"insufficient_scope\""), "\(challenge)")
        #expect(challenge.contains("scope=\"read write\""), "\(challenge)")
        // A claim path that is itself a claim name with dots (namespaced claims).
        let namespaced = try Self.allAlgorithmsFilter {
            $0.requiredRoles = ["admin"]
            $0.rolesClaim = "https://example.com/roles"
        }
        #expect(status(namespaced, ["https://example.com/roles": ["admin"]]) == nil)
    }

    @Test func unauthorizedAnswersCarryTheChallenge() throws {
        let filter = try Self.allAlgorithmsFilter { $0.realm = "api" }
        let missing = JWTHarness.run(filter, token: nil).0.error
        #expect(missing?.status == 401)
        #expect(missing?.headers["WWW-Authenticate"] == "Bearer realm=\"api\"")
        let basic = JWTHarness.context([("Authorization", "Basic dXNlcjpwYXNz")], filter: filter)
        var context = basic
        #expect(filter.onRequest(&context).error?.headers["WWW-Authenticate"] == "Bearer realm=\"api\"")
        let expired = JWTHarness.run(filter, token: Mint.token("HS256", claims: Mint.claims(["exp": 1000]))).0.error
        #expect(
            expired?.headers["WWW-Authenticate"]
                == "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"token expired\"")
        for junk in ["", "abc", "a.b", "a.b.c.d", "####.####.####", String(repeating: "a", count: 20_000)] {
            #expect(JWTHarness.run(filter, token: junk).0.status == 401, "\(junk.prefix(20))")
        }
    }

    @Test func algNoneIsRejected() throws {
        let filter = try Self.allAlgorithmsFilter()
        let input = Mint.part(["alg": "none", "typ": "JWT"]) + "." + Mint.part(Mint.claims())
        for token in [input + ".", input + "." + Base64URL.encode(Array("x".utf8))] {
            #expect(JWTHarness.run(filter, token: token).0.status == 401)
        }
        for alg in ["none", "None", "NONE", "nOnE"] {
            let token = Mint.part(["alg": alg]) + "." + Mint.part(Mint.claims()) + "."
            #expect(JWTHarness.run(filter, token: token).0.status == 401)
        }
        let named = Mint.part(["alg": "none"]) + "." + Mint.part(Mint.claims()) + ".eA"
        #expect(
            JWTHarness.run(filter, token: named).0.error?.message == "invalid token: unsigned tokens are not accepted")
    }

    @Test func algorithmsOutsideTheListAreRejected() throws {
        let filter = try JWTHarness.filter(
            JWTFilter.Configuration(
                algorithms: [.rs256],
                keys: [.init(publicKey: TestSigner.rsa(TestKeys.rsa).publicPEM)]))
        #expect(JWTHarness.run(filter, token: Mint.token("RS256")).0.isProceed)
        // The same key, but an algorithm not configured.
        let decision = JWTHarness.run(filter, token: Mint.token("PS256")).0
        #expect(decision.error?.message == "invalid token: algorithm not allowed")
    }

    /// The classic confusion attack: the RSA public key (which is public) used as an HMAC
    /// secret to sign an HS256 token, against a verifier that also allows HS256.
    @Test func hmacSignedWithTheRSAPublicKeyIsRejected() throws {
        let pem = TestSigner.rsa(TestKeys.rsa).publicPEM!
        let filter = try JWTHarness.filter(
            JWTFilter.Configuration(
                algorithms: [.rs256, .hs256],
                keys: [
                    .init(kid: "rsa", publicKey: pem),
                    .init(kid: "hmac", secret: TestKeys.secret),
                ]))
        for secret in [pem, pem.trimmingCharacters(in: .whitespacesAndNewlines)] {
            for kid in ["rsa", nil, "hmac"] {
                let token = Mint.token("HS256", kid: kid, signer: .hmac(secret))
                #expect(JWTHarness.run(filter, token: token).0.status == 401, "kid \(kid ?? "-")")
            }
        }
        // And the DER bytes as the secret.
        let der = TestKeys.rsa.publicKey.derRepresentation
        let input = Mint.part(["alg": "HS256", "kid": "rsa"]) + "." + Mint.part(Mint.claims())
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: der))
        #expect(JWTHarness.run(filter, token: input + "." + Base64URL.encode(Array(mac))).0.status == 401)
        // The genuine tokens of both keys pass.
        #expect(JWTHarness.run(filter, token: Mint.token("RS256", kid: "rsa")).0.isProceed)
        #expect(JWTHarness.run(filter, token: Mint.token("HS256", kid: "hmac")).0.isProceed)
    }

    /// Keys a token brings along (`jwk`, `jku`, `x5u`, `x5c`) are never used.
    @Test func headerKeysAreNeverTrusted() throws {
        let filter = try JWTHarness.filter(
            JWTFilter.Configuration(
                algorithms: [.es256],
                keys: [.init(kid: "k1", publicKey: TestSigner.p256(TestKeys.p256).publicPEM)]))
        let attacker = P256.Signing.PrivateKey()
        let attackerJWK = TestKeys.jwk(.p256(attacker), kid: "k1")
        let headers: [[String: Any]] = [
            ["jwk": attackerJWK],
            ["jku": "https://attacker.test/jwks.json"],
            ["x5u": "https://attacker.test/cert.pem"],
            ["x5c": ["MIIB"]],
        ]
        for extra in headers {
            let token = Mint.token("ES256", kid: "k1", header: extra, signer: .p256(attacker))
            #expect(JWTHarness.run(filter, token: token).0.status == 401, "\(extra.keys)")
            let noKid = Mint.token("ES256", kid: nil, header: extra, signer: .p256(attacker))
            #expect(JWTHarness.run(filter, token: noKid).0.status == 401)
        }
        // The parameters do no harm on a genuine token.
        let genuine = Mint.token("ES256", header: ["jku": "https://attacker.test/jwks.json"])
        #expect(JWTHarness.run(filter, token: genuine).0.isProceed)
        // Critical extensions are not understood, so such tokens fail (RFC 7515 §4.1.11).
        let critical = Mint.token("ES256", header: ["crit": ["b64"], "b64": false])
        #expect(JWTHarness.run(filter, token: critical).0.error?.message.contains("critical") == true)
    }

    @Test func kidSelection() throws {
        let filter = try JWTHarness.filter(
            JWTFilter.Configuration(
                algorithms: [.rs256, .es256],
                keys: [
                    .init(kid: "a", publicKey: TestSigner.rsa(TestKeys.rsa).publicPEM),
                    .init(kid: "b", publicKey: TestSigner.rsa(TestKeys.rsa2).publicPEM),
                    .init(publicKey: TestSigner.p256(TestKeys.p256).publicPEM),
                ]))
        #expect(JWTHarness.run(filter, token: Mint.token("RS256", kid: "a")).0.isProceed)
        #expect(JWTHarness.run(filter, token: Mint.token("RS256", kid: "b", signer: .rsa(TestKeys.rsa2))).0.isProceed)
        // The wrong kid for the key: no fallback to the other RSA key.
        #expect(JWTHarness.run(filter, token: Mint.token("RS256", kid: "b")).0.status == 401)
        // No kid, two RSA keys: ambiguous.
        let ambiguous = JWTHarness.run(filter, token: Mint.token("RS256", kid: nil)).0
        #expect(ambiguous.error?.message == "invalid token: token has no kid and several keys fit")
        // No kid, one EC key: fine; any kid falls back to the kid-less key.
        #expect(JWTHarness.run(filter, token: Mint.token("ES256", kid: nil)).0.isProceed)
        #expect(JWTHarness.run(filter, token: Mint.token("ES256", kid: "whatever")).0.isProceed)
        // An unknown kid without a JWKS URL is a plain 401.
        let unknown = JWTHarness.run(filter, token: Mint.token("RS256", kid: "zzz")).0
        #expect(unknown.error?.message == "invalid token: unknown signing key")
    }

    @Test func claimsBecomeValuesAndForwardedHeaders() throws {
        let filter = try Self.allAlgorithmsFilter {
            $0.forwardClaims = ["sub": "X-User-Id", "email": "X-User-Email", "org.id": "X-Org", "groups": "X-Groups"]
        }
        let claims = Mint.claims([
            "email": "a@b.c", "admin": true, "level": 3, "org": ["id": "o-1"], "groups": ["a", "b"],
            "evil": "line\r\nX-Injected: 1",
        ])
        let (decision, context) = JWTHarness.run(filter, token: Mint.token("HS256", claims: claims))
        #expect(decision.isProceed)
        #expect(context.values["jwt.email"] == "a@b.c")
        #expect(context.values["jwt.admin"] == "true")
        #expect(context.values["jwt.level"] == "3")
        #expect(context.values["jwt.org"] == nil)
        #expect(context.values["jwt.evil"] == nil)
        #expect(context.values["jwt.org.id"] == "o-1")
        var upstream = RequestHead(
            method: .GET, target: "/",
            headers: HeaderList([("X-User-Id", "spoofed"), ("x-user-id", "spoofed-2"), ("X-Org", "spoofed")]))
        filter.onUpstreamRequest(&upstream, context: context)
        #expect(upstream.headers.values("X-User-Id") == ["user-1"])
        #expect(upstream.headers["X-User-Email"] == "a@b.c")
        #expect(upstream.headers["X-Org"] == "o-1")
        #expect(upstream.headers["X-Groups"] == "a,b")

        // A token without the claims: client-supplied copies are removed, not passed on.
        let (_, bare) = JWTHarness.run(
            filter,
            token: Mint.token("HS256", claims: ["exp": Mint.now + 60, "iss": "https://idp.test", "aud": "users"]))
        var spoofed = RequestHead(method: .GET, target: "/", headers: HeaderList([("X-User-Email", "ceo@corp")]))
        filter.onUpstreamRequest(&spoofed, context: bare)
        #expect(spoofed.headers["X-User-Email"] == nil)
        #expect(bare.consumer == nil)
    }

    @Test func consumerIsKeptWhenAlreadySet() throws {
        let filter = try Self.allAlgorithmsFilter()
        var context = JWTHarness.context([("Authorization", "Bearer " + Mint.token("HS256"))], filter: filter)
        context.consumer = "api-key-user"
        context.values["other"] = "kept"
        #expect(filter.onRequest(&context).isProceed)
        #expect(context.consumer == "api-key-user")
        #expect(context.values["other"] == "kept")
        #expect(context.values["jwt.sub"] == "user-1")
    }

    @Test func tokenSources() throws {
        let filter = try Self.allAlgorithmsFilter {
            $0.header = "X-Token"
            $0.cookie = "session"
            $0.query = "access_token"
        }
        let token = Mint.token("HS256")
        var fromHeader = JWTHarness.context([("X-Token", token)], filter: filter)
        #expect(filter.onRequest(&fromHeader).isProceed)
        var bearerInCustomHeader = JWTHarness.context([("X-Token", "Bearer " + token)], filter: filter)
        #expect(filter.onRequest(&bearerInCustomHeader).isProceed)
        var fromCookie = JWTHarness.context([("Cookie", "a=1; session=\(token); b=2")], filter: filter)
        #expect(filter.onRequest(&fromCookie).isProceed)
        var fromQuery = JWTHarness.context([], target: "/x?a=1&access_token=\(token)", filter: filter)
        #expect(filter.onRequest(&fromQuery).isProceed)
        var none = JWTHarness.context([("Cookie", "other=\(token)")], filter: filter)
        #expect(filter.onRequest(&none).status == 401)

        let standard = try Self.allAlgorithmsFilter()
        for header in ["bearer \(token)", "BEARER   \(token)  "] {
            var context = JWTHarness.context([("Authorization", header)], filter: standard)
            #expect(standard.onRequest(&context).isProceed, "\(header.prefix(10))")
        }
        // The bare token in Authorization is not a bearer credential.
        var bare = JWTHarness.context([("Authorization", token)], filter: standard)
        #expect(standard.onRequest(&bare).status == 401)
    }
}
