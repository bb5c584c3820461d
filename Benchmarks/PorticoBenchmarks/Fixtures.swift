import Crypto
import Foundation
import NIOCore
import Portico

/// Inputs shared by the benchmarks: realistic messages, configs and a signed token.
enum Fixtures {
    /// A browser's request as Firefox sends it: 8 header fields, 440 bytes.
    static let browserRequestFields: [(String, String)] = [
        ("Host", "api.example.com"),
        ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
        ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("Accept-Language", "en-US,en;q=0.5"),
        ("Accept-Encoding", "gzip, deflate, br, zstd"),
        ("Connection", "keep-alive"),
        ("Cookie", "session=6f1c2a9e0b7d4c3f8a5e2d1b0c9f8e7d; theme=dark"),
        ("Upgrade-Insecure-Requests", "1"),
    ]

    static let browserTarget = "/api/v1/users/12345?include=profile"

    /// The bytes of a request head.
    static func requestHead(method: String = "GET", target: String, fields: [(String, String)]) -> String {
        var text = "\(method) \(target) HTTP/1.1\r\n"
        for (name, value) in fields { text += "\(name): \(value)\r\n" }
        return text + "\r\n"
    }

    /// The browser request as bytes.
    static var browserRequestBytes: ByteBuffer {
        ByteBuffer(string: requestHead(target: browserTarget, fields: browserRequestFields))
    }

    /// The browser request carrying a bearer token and an `Origin` (the filter chain's input).
    static func apiRequestFields(token: String) -> [(String, String)] {
        browserRequestFields + [("Authorization", "Bearer \(token)"), ("Origin", "https://app.example.com")]
    }

    /// A 512-byte JSON body.
    static let responseBody: String = {
        let prefix = #"{"id":12345,"name":"Ada Lovelace","email":"ada@example.com","notes":""#
        let suffix = #""}"#
        return prefix + String(repeating: "x", count: 512 - prefix.utf8.count - suffix.utf8.count) + suffix
    }()

    /// A typical upstream answer to that request: 7 fields and a 512-byte body.
    static var upstreamResponseBytes: ByteBuffer {
        let fields = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", "\(responseBody.utf8.count)"),
            ("Date", "Sat, 21 Nov 2026 22:00:00 GMT"),
            ("Cache-Control", "private, max-age=0"),
            ("ETag", "\"33a64df551425fcc55e4d42a148795d9f25f89d4\""),
            ("Vary", "Accept-Encoding"),
            ("Connection", "keep-alive"),
        ]
        var text = "HTTP/1.1 200 OK\r\n"
        for (name, value) in fields { text += "\(name): \(value)\r\n" }
        return ByteBuffer(string: text + "\r\n" + responseBody)
    }

    // MARK: - Configs

    static let jwtSecret = "bench-secret-0123456789abcdef0123456789abcdef"

    /// The config of `scripts/bench-gateway.sh`: one route (`path_prefix: /`) to one upstream,
    /// with the filter chain of its `filters` mode when `filters` is true.
    static func proxyConfig(filters: Bool) -> String {
        var text = """
            listeners:
              - name: bench
                address: 127.0.0.1:8080
            admin: { address: off }
            logging: { level: warning, access_log: false }
            upstreams:
              backend:
                balancer: round_robin
                targets:
                  - url: http://127.0.0.1:28081
                  - url: http://127.0.0.1:28082
            routes:
              - name: all
                match: { path_prefix: / }
                upstream: backend

            """
        if filters {
            text += """
                    filters: [jwt, limit, cors, headers]
                filters:
                  jwt: { type: jwt, algorithms: [HS256], keys: [{ secret: \(jwtSecret) }], issuer: bench }
                  limit: { type: rate_limit, rate: 100000000/s, key: client_ip }
                  cors: { type: cors, allowed_origins: ["https://app.example.com"] }
                  headers: { type: headers, request: { set: { X-User: "${jwt.sub}" } }, response: { set: { X-Served-By: portico } } }

                """
        }
        return text
    }

    /// The snapshot of a config text, compiled with every built-in filter type.
    static func snapshot(_ yaml: String) -> RuntimeSnapshot {
        do {
            return try ConfigLoader(registry: FilterRegistry.standard, environment: [:]).load(text: yaml).snapshot
        } catch {
            fatalError("benchmark config does not compile: \(error)")
        }
    }

    /// An HS256 token for `jwtSecret`, issuer `bench`, valid for a day (what `scripts/bench.sh`
    /// mints for the filters mode).
    static func hs256Token(subject: String = "bench-user") -> String {
        func base64URL(_ bytes: some Sequence<UInt8>) -> String {
            Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let expires = Int(Date().timeIntervalSince1970) + 86_400
        let header = base64URL(#"{"alg":"HS256","typ":"JWT"}"#.utf8)
        let payload = base64URL(#"{"sub":"\#(subject)","iss":"bench","exp":\#(expires)}"#.utf8)
        let input = header + "." + payload
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array(input.utf8), using: SymmetricKey(data: Array(jwtSecret.utf8)))
        return input + "." + base64URL(Data(mac))
    }
}

/// ``StandaloneLoopServices`` that pick targets the way the server's per-loop state does: one
/// balancer per upstream target list, kept across requests. (`StandaloneLoopServices` builds a
/// fresh balancer for every pick, which suits `route-test` but not a per-request measurement.)
final class BenchLoopServices: StandaloneLoopServices {
    private var balancers: [ObjectIdentifier: (targetsVersion: Int, balancer: any Balancer)] = [:]

    override func pickTarget(for upstream: Upstream, request: BalancerRequest, avoiding: PoolKey?) -> TargetChoice {
        let view = upstream.state.view
        let key = ObjectIdentifier(upstream)
        let balancer: any Balancer
        if let cached = self.balancers[key], cached.targetsVersion == view.targetsVersion {
            balancer = cached.balancer
        } else {
            balancer = upstream.makeBalancer(for: view.targets)
            self.balancers[key] = (view.targetsVersion, balancer)
        }
        guard let index = balancer.pick(request) else { return .unavailable }
        return .target(view.targets[index], index: index, viewVersion: view.targetsVersion, circuitProbe: false)
    }
}

/// A deterministic generator for building inputs (the same inputs on every run).
struct InputRandom {
    private var generator = FastRandom(seed: 0x5EED)

    mutating func below(_ bound: Int) -> Int {
        Int.random(in: 0..<bound, using: &self.generator)
    }

    mutating func chance(_ percent: Int) -> Bool {
        self.below(100) < percent
    }
}
