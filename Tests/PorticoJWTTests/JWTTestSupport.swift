import Crypto
import CryptoExtras
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOPosix
import PorticoConfig
import PorticoCore
import PorticoHTTP
import Testing

@testable import PorticoJWT

/// Keys made once for the whole test run (RSA generation is slow).
enum TestKeys {
    static let secret = "an-hmac-secret-of-64-bytes-or-more-so-that-it-serves-HS512-as-well!"
    static let rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let rsa2 = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let p256 = P256.Signing.PrivateKey()
    static let p384 = P384.Signing.PrivateKey()
    static let p521 = P521.Signing.PrivateKey()
    static let ed25519 = Curve25519.Signing.PrivateKey()

    /// A JWK for a public key, as an identity provider publishes it.
    static func jwk(_ signer: TestSigner, kid: String, alg: String? = nil) -> [String: String] {
        var jwk: [String: String] = ["kid": kid, "use": "sig"]
        if let alg { jwk["alg"] = alg }
        switch signer {
        case .rsa(let key):
            let primitives = try! key.publicKey.getKeyPrimitives()
            jwk["kty"] = "RSA"
            jwk["n"] = Base64URL.encode(primitives.modulus)
            jwk["e"] = Base64URL.encode(primitives.publicExponent)
        case .p256(let key):
            let raw = Array(key.publicKey.rawRepresentation)
            jwk.merge([
                "kty": "EC", "crv": "P-256", "x": Base64URL.encode(raw[..<32]), "y": Base64URL.encode(raw[32...]),
            ]) {
                $1
            }
        case .p384(let key):
            let raw = Array(key.publicKey.rawRepresentation)
            jwk.merge([
                "kty": "EC", "crv": "P-384", "x": Base64URL.encode(raw[..<48]), "y": Base64URL.encode(raw[48...]),
            ]) {
                $1
            }
        case .p521(let key):
            let raw = Array(key.publicKey.rawRepresentation)
            jwk.merge([
                "kty": "EC", "crv": "P-521", "x": Base64URL.encode(raw[..<66]), "y": Base64URL.encode(raw[66...]),
            ]) {
                $1
            }
        case .ed25519(let key):
            jwk.merge(["kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(key.publicKey.rawRepresentation)]) { $1 }
        case .hmac(let secret):
            jwk.merge(["kty": "oct", "k": Base64URL.encode(Array(secret.utf8))]) { $1 }
        }
        return jwk
    }

    /// A JWKS document.
    static func jwks(_ keys: [[String: String]]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: ["keys": keys], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// A private key the tests sign with.
enum TestSigner {
    case hmac(String)
    case rsa(_RSA.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case p521(P521.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)

    /// The usual test key for `algorithm`.
    static func `default`(for algorithm: SigningAlgorithm) -> TestSigner {
        switch algorithm.keyFamily {
        case .hmac: .hmac(TestKeys.secret)
        case .rsa: .rsa(TestKeys.rsa)
        case .p256: .p256(TestKeys.p256)
        case .p384: .p384(TestKeys.p384)
        case .p521: .p521(TestKeys.p521)
        case .ed25519: .ed25519(TestKeys.ed25519)
        }
    }

    /// The public key PEM (nil for HMAC).
    var publicPEM: String? {
        switch self {
        case .hmac: nil
        case .rsa(let key): key.publicKey.pemRepresentation
        case .p256(let key): key.publicKey.pemRepresentation
        case .p384(let key): key.publicKey.pemRepresentation
        case .p521(let key): key.publicKey.pemRepresentation
        case .ed25519(let key): key.publicKey.pemRepresentation
        }
    }

    /// The JWS signature of `input` (any algorithm name: tests forge mismatches on purpose).
    func sign(_ input: [UInt8], alg: String) -> [UInt8] {
        switch (self, alg) {
        case (.hmac(let secret), "HS256"):
            return Array(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: Array(secret.utf8))))
        case (.hmac(let secret), "HS384"):
            return Array(HMAC<SHA384>.authenticationCode(for: input, using: SymmetricKey(data: Array(secret.utf8))))
        case (.hmac(let secret), "HS512"):
            return Array(HMAC<SHA512>.authenticationCode(for: input, using: SymmetricKey(data: Array(secret.utf8))))
        case (.rsa(let key), "RS256"):
            return Array(
                try! key.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation)
        case (.rsa(let key), "RS384"):
            return Array(
                try! key.signature(for: SHA384.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation)
        case (.rsa(let key), "RS512"):
            return Array(
                try! key.signature(for: SHA512.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation)
        case (.rsa(let key), "PS256"):
            return Array(try! key.signature(for: SHA256.hash(data: input), padding: .PSS).rawRepresentation)
        case (.rsa(let key), "PS384"):
            return Array(try! key.signature(for: SHA384.hash(data: input), padding: .PSS).rawRepresentation)
        case (.rsa(let key), "PS512"):
            return Array(try! key.signature(for: SHA512.hash(data: input), padding: .PSS).rawRepresentation)
        case (.p256(let key), _):
            return Array(try! key.signature(for: SHA256.hash(data: input)).rawRepresentation)
        case (.p384(let key), _):
            return Array(try! key.signature(for: SHA384.hash(data: input)).rawRepresentation)
        case (.p521(let key), _):
            return Array(try! key.signature(for: SHA512.hash(data: input)).rawRepresentation)
        case (.ed25519(let key), _):
            return Array(try! key.signature(for: input))
        default:
            fatalError("no test signature for \(alg) with \(self)")
        }
    }
}

/// Makes compact JWS tokens.
enum Mint {
    /// The current Unix time.
    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// Claims of a token valid for an hour.
    static func claims(_ extra: [String: Any] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "sub": "user-1", "iss": "https://idp.test", "aud": "users", "iat": now, "exp": now + 3600,
        ]
        claims.merge(extra) { $1 }
        return claims
    }

    /// A token signed by `signer` (the algorithm's default test key when nil).
    static func token(
        _ alg: String,
        kid: String? = "k1",
        claims: [String: Any] = claims(),
        header extra: [String: Any] = [:],
        signer: TestSigner? = nil
    ) -> String {
        var header: [String: Any] = ["alg": alg, "typ": "JWT"]
        if let kid { header["kid"] = kid }
        header.merge(extra) { $1 }
        let input = Self.part(header) + "." + Self.part(claims)
        let key = signer ?? SigningAlgorithm(rawValue: alg).map(TestSigner.default(for:)) ?? .hmac(TestKeys.secret)
        return input + "." + Base64URL.encode(key.sign(Array(input.utf8), alg: alg))
    }

    /// base64url(JSON(object)).
    static func part(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Base64URL.encode(data)
    }
}

/// A wall clock the tests move.
final class ManualClock: Sendable {
    private let seconds: NIOLockedValueBox<Double>

    init(_ start: Double = Date().timeIntervalSince1970) {
        self.seconds = NIOLockedValueBox(start)
    }

    var now: Double { self.seconds.withLockedValue { $0 } }

    func advance(by delta: Double) {
        self.seconds.withLockedValue { $0 += delta }
    }

    var function: @Sendable () -> Double { { self.now } }
}

/// Monotonic time a test can move forward (the JWKS refetch rate limit).
final class MonotonicOffset: Sendable {
    private let offset = NIOLockedValueBox(TimeAmount.zero)

    func advance(by amount: TimeAmount) {
        self.offset.withLockedValue { $0 = $0 + amount }
    }

    var function: @Sendable () -> NIODeadline { { NIODeadline.now() + self.offset.withLockedValue { $0 } } }
}

/// Builds and runs the filter without sockets.
enum JWTHarness {
    static var registry: FilterRegistry {
        var registry = FilterRegistry()
        for type in JWTFilters.all { registry.register(type) }
        return registry
    }

    /// A gateway config with one route carrying the filter defined by `filterYAML` (the body
    /// of the filter's mapping, indented by 4 spaces).
    static func config(_ filterYAML: String) -> String {
        """
        listeners: [{ name: l, address: "127.0.0.1:0" }]
        admin: { address: off }
        routes:
          - name: r
            match: { path_prefix: / }
            respond: { status: 200 }
            filters: [under-test]
        filters:
          under-test:
        \(filterYAML)
        """
    }

    /// The filter compiled from YAML by the real config loader.
    static func filter(_ filterYAML: String, baseDirectory: String = ".") throws -> JWTFilter {
        let snapshot = try ConfigLoader(registry: registry, environment: [:])
            .load(text: config(filterYAML), baseDirectory: baseDirectory).snapshot
        return snapshot.routes[0].filters[0].filter as! JWTFilter
    }

    /// The config errors for `filterYAML`, as text ("" when it loads).
    static func errors(_ filterYAML: String, baseDirectory: String = ".") -> String {
        do {
            _ = try ConfigLoader(registry: registry, environment: [:])
                .load(text: config(filterYAML), baseDirectory: baseDirectory)
            return ""
        } catch {
            return "\(error)"
        }
    }

    /// A filter from a configuration made in code, with a test clock and JWKS fetcher.
    static func filter(
        _ configuration: JWTFilter.Configuration,
        clock: ManualClock? = nil,
        monotonic: MonotonicOffset? = nil,
        fetcher: @escaping JWKSFetcher = { _ in throw KeyError("no JWKS in this test") }
    ) throws -> JWTFilter {
        try configuration.validate()
        let keys = try configuration.loadKeys(baseDirectory: ".")
        var wallClock: @Sendable () -> Double = { Date().timeIntervalSince1970 }
        if let clock { wallClock = clock.function }
        var monotonicClock: @Sendable () -> NIODeadline = { NIODeadline.now() }
        if let monotonic { monotonicClock = monotonic.function }
        return JWTFilter(
            configuration: configuration, name: "test", keys: keys, fetcher: fetcher, clock: wallClock,
            monotonic: monotonicClock)
    }

    /// A request context for a request with `headers` on a route carrying `filter`.
    static func context(
        _ headers: [(String, String)] = [],
        target: String = "/",
        filter: any HTTPFilter,
        services: TestServices = TestServices(),
        startedAt: NIODeadline = .now()
    ) -> RequestContext {
        let route = Route(
            name: "r", index: 0, action: .respond(LocalResponse(status: 200)),
            filters: [NamedFilter(name: "f", filter: filter)])
        return RequestContext(
            request: RequestHead(method: .GET, target: target, headers: HeaderList(headers)),
            route: route,
            parameters: PathParameters(),
            client: ClientInfo(ip: "192.0.2.1", port: 1234),
            startedAt: startedAt,
            services: services
        )
    }

    /// Runs `onRequest` for a request bearing `token`.
    static func run(
        _ filter: JWTFilter, token: String?, services: TestServices = TestServices(),
        startedAt: NIODeadline = .now()
    ) -> (FilterDecision, RequestContext) {
        var context = Self.context(
            token.map { [("Authorization", "Bearer \($0)")] } ?? [], filter: filter, services: services,
            startedAt: startedAt)
        let decision = filter.onRequest(&context)
        return (decision, context)
    }
}

/// Loop services for filter tests, on a real event loop (so futures may complete from any
/// thread) unless given another.
final class TestServices: StandaloneLoopServices, @unchecked Sendable {
    override init(eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        super.init(eventLoop: eventLoop)
    }
}

extension FilterDecision {
    /// The status this decision answers with, or nil for proceed/suspend.
    var status: Int? {
        switch self {
        case .proceed, .suspend: nil
        case .respond(let response): response.head.status
        case .reject(let error): error.status
        }
    }

    var isProceed: Bool {
        if case .proceed = self { return true }
        return false
    }

    var error: GatewayError? {
        if case .reject(let error) = self { return error }
        return nil
    }

    var suspension: EventLoopFuture<Void>? {
        if case .suspend(let future) = self { return future }
        return nil
    }
}
