import Foundation
import NIOCore
import PorticoCore
import PorticoHTTP
import Testing

@testable import PorticoConfig

@Suite("Loading whole configurations")
struct ConfigLoaderTests {
    @Test("the SPEC §9 example loads as written")
    func specExampleLoads() throws {
        let loaded = try Fixtures.load(SpecExample.yaml)
        let config = loaded.config
        #expect(config.listeners == [ListenerConfig(name: "public", address: HostPort(host: "0.0.0.0", port: 8080))])
        #expect(config.admin.address == HostPort(host: "127.0.0.1", port: 9901))
        #expect(config.runtime.workers == 2)
        #expect(config.logging == LoggingConfig(level: .info, format: .text, accessLog: true))
        #expect(
            config.upstreams["users"]?.targets == [
                TargetConfig(url: "http://127.0.0.1:3001", weight: 2), TargetConfig(url: "http://127.0.0.1:3002"),
            ]
        )
        #expect(config.routes.map(\.name) == ["users-api", "old-docs"])
        #expect(config.routes[0].match.hosts == ["api.example.com", "*.example.org"])
        #expect(config.routes[0].match.methods == ["GET", "POST"])
        #expect(config.routes[0].filters == ["request-id", "cors-web"])
        #expect(config.routes[1].redirect == RedirectConfig(to: "https://docs.example.com", status: 301))
        #expect(config.filters.keys.sorted() == ["cors-web", "request-id"])
        #expect(config.filters["cors-web"]?.type == "cors")
    }

    @Test("the SPEC §9 example compiles into a working snapshot")
    func specExampleCompiles() throws {
        let snapshot = try Fixtures.load(SpecExample.yaml).snapshot
        #expect(snapshot.version == 0)
        #expect(snapshot.listeners.map(\.name) == ["public"])
        #expect(snapshot.listeners[0].host == "0.0.0.0")
        #expect(snapshot.listeners[0].port == 8080)
        #expect(snapshot.settings.adminHost == "127.0.0.1")
        #expect(snapshot.settings.adminPort == 9901)
        #expect(snapshot.settings.workers == 2)

        let users = try #require(snapshot.upstream(named: "users"))
        #expect(
            users.targets.map(\.address) == [
                try SocketAddress(ipAddress: "127.0.0.1", port: 3001),
                try SocketAddress(ipAddress: "127.0.0.1", port: 3002),
            ]
        )
        #expect(users.targets.map(\.weight) == [2, 1])
        // round_robin honours configured weights, as nginx's does.
        #expect(users.balancer == .weightedRoundRobin)

        let api = snapshot.routes[0]
        #expect(api.name == "users-api")
        guard case .proxy(let upstream) = api.action else {
            Issue.record("users-api should proxy")
            return
        }
        #expect(snapshot.upstreams[upstream].name == "users")
        #expect(api.filters.map(\.name) == ["request-id", "cors-web"])
        #expect(api.rewrite.apply(to: "/api/users/7", parameters: PathParameters()) == "/users/7")
        guard case .redirect(let redirect) = snapshot.routes[1].action else {
            Issue.record("old-docs should redirect")
            return
        }
        #expect(redirect.location == "https://docs.example.com")
        #expect(redirect.status == 301)
    }

    @Test("the compiled route table finds routes")
    func routeLookup() throws {
        let table = try Fixtures.load(SpecExample.yaml).snapshot.routeTable
        #expect(
            table.lookup(Self.query(.GET, host: "api.example.com", path: "/api/users/7"))
                == .matched(route: 0, parameters: PathParameters())
        )
        #expect(
            table.lookup(Self.query(.POST, host: "eu.example.org", path: "/api/users"))
                == .matched(route: 0, parameters: PathParameters())
        )
        #expect(
            table.lookup(Self.query(.GET, host: "other.test", path: "/docs/intro"))
                == .matched(route: 1, parameters: PathParameters())
        )
        #expect(table.lookup(Self.query(.GET, host: "api.example.com", path: "/nothing")) == .notFound)
        guard
            case .methodNotAllowed(let allowed) = table.lookup(
                Self.query(.DELETE, host: "api.example.com", path: "/api/users")
            )
        else {
            Issue.record("DELETE should be 405")
            return
        }
        #expect(allowed.methods == [.GET, .POST])
    }

    @Test("the JSON form of the example, indented with tabs, gives the same result")
    func jsonEquivalent() throws {
        let fromJSON = try Fixtures.load(SpecExample.json, fileName: "gateway.json").config
        let fromYAML = try Fixtures.load(SpecExample.yaml).config
        #expect(fromJSON.listeners == fromYAML.listeners)
        #expect(fromJSON.admin == fromYAML.admin)
        #expect(fromJSON.runtime == fromYAML.runtime)
        #expect(fromJSON.logging == fromYAML.logging)
        #expect(fromJSON.upstreams == fromYAML.upstreams)
        #expect(fromJSON.routes == fromYAML.routes)
        #expect(fromJSON.filters.keys.sorted() == fromYAML.filters.keys.sorted())
    }

    @Test("errors in JSON point at JSON lines and columns (tabs count as one column)")
    func jsonPositions() throws {
        let json = SpecExample.json.replacingOccurrences(
            of: "\"path_prefix\": \"/api/users\"",
            with: "\"path_prefx\": \"/api/users\""
        )
        let errors = Fixtures.errors(json, fileName: "gateway.json")
        #expect(errors.map(\.message) == ["unknown key 'path_prefx' (did you mean 'path_prefix'?)"])
        // Line 22 is `\t\t\t\t"path_prefx": ...`: four tabs, then the quoted key.
        #expect(errors.first?.position == "22:5")
        #expect(errors.first?.file == "gateway.json")
    }

    @Test("JSON with a tab before the first brace, surrogate-pair escapes and no spaces")
    func jsonQuirks() throws {
        let json =
            "\t{\"listeners\":[{\"name\":\"public\",\"address\":\"127.0.0.1:8080\"}],"
            + "\"routes\":[{\"name\":\"smile\",\"respond\":{\"body\":\"\\ud83d\\ude00 \\/ok\"}}]}\n\t\n"
        let config = try Fixtures.load(json).config
        #expect(config.routes.first?.respond?.body == "😀 /ok")
    }

    @Test("defaults are applied to everything not written")
    func defaults() throws {
        let config = try Fixtures.load(
            Fixtures.listener + """
                upstreams:
                  u: { targets: [{ url: http://10.0.0.1 }] }
                routes:
                  - { name: r, upstream: u }
                """
        ).config
        let listener = config.listeners[0]
        #expect(listener.protocols == [.http1])
        #expect(listener.timeouts == ListenerTimeoutsConfig(readHeader: .seconds(10), idle: .seconds(120)))
        #expect(listener.limits.maxHeaderBytes == ByteSize(bytes: 65536))
        #expect(listener.limits.maxURIBytes == ByteSize(bytes: 8192))
        #expect(listener.limits.maxBody == ByteSize(bytes: 10 * 1024 * 1024))
        #expect(listener.limits.maxConnections == 10_000)
        #expect(listener.forwarded == ForwardedConfig(trustIncoming: true, addForwardedHeader: false))
        #expect(config.admin == AdminConfig(address: HostPort(host: "127.0.0.1", port: 9901), token: nil))
        #expect(config.runtime == RuntimeConfig(workers: nil, drainTimeout: .seconds(30), routeHeader: nil))
        #expect(config.logging == LoggingConfig(level: .info, format: .text, accessLog: true))
        let upstream = try #require(config.upstreams["u"])
        #expect(upstream.balancer == .roundRobin)
        #expect(upstream.targets[0].weight == 1)
        #expect(
            upstream.timeouts
                == UpstreamTimeoutsConfig(connect: .seconds(5), responseHeader: .seconds(60), request: nil)
        )
        #expect(
            upstream.pool == PoolConfig(maxIdlePerTarget: 64, idleTimeout: .seconds(60), maxConnectionsPerTarget: 1024)
        )
        let route = config.routes[0]
        #expect(route.match == RouteMatchConfig())
        #expect(route.priority == 0)
        #expect(route.preserveHost)
        #expect(route.websocket == nil)

        let snapshot = try Fixtures.load(
            Fixtures.listener + "upstreams: {u: {targets: [{url: http://10.0.0.1}]}}\nroutes: [{name: r, upstream: u}]"
        ).snapshot
        let compiled = snapshot.routes[0]
        #expect(compiled.webSocket.enabled)
        #expect(compiled.webSocket.idleTimeout == .seconds(300))
        #expect(compiled.timeout == nil)
        #expect(snapshot.upstreams[0].targets[0].port == 80)
        #expect(snapshot.upstreams[0].balancer == .roundRobin)
        #expect(snapshot.listeners[0].maxBodyBytes == 10 * 1024 * 1024)
        #expect(snapshot.settings.drainTimeout == .seconds(30))
        #expect(snapshot.settings.debugRouteHeader == nil)
    }

    @Test("every documented section and option is accepted")
    func everyOption() throws {
        let loaded = try Fixtures.load(
            """
            listeners:
              - name: public
                address: "[::]:8080"
                protocols: [http1]
                timeouts: { read_header: 5s, idle: 1m }
                limits: { max_header_bytes: 32KiB, max_uri_bytes: 4KiB, max_body: 1GiB, max_connections: 500 }
                forwarded: { trust_incoming: false, add_forwarded_header: true }
            admin: { address: off }
            runtime: { workers: 4, drain_timeout: 1m30s, route_header: X-Portico-Route }
            logging: { level: debug, format: json, access_log: false }
            upstreams:
              users:
                targets:
                  - { url: "http://users.internal:3000/base/", weight: 3 }
                  - url: "http://[::1]:3001"
                balancer: least_connections
                timeouts: { connect: 250ms, response_header: 30s, request: 2m }
                pool: { max_idle_per_target: 8, idle_timeout: 30s, max_connections_per_target: 100 }
            routes:
              - name: user
                match:
                  hosts: [api.example.com]
                  path: /users/{id}
                  methods: [GET]
                  headers: { x-api-version: "2" }
                  query: { debug: "1" }
                priority: 10
                upstream: users
                rewrite: { path: "/v2/users/{id}" }
                add_prefix: /internal
                preserve_host: false
                host_rewrite: users.internal
                timeout: 30s
                websocket: { enabled: true, protocols: [chat], idle_timeout: 60s, max_lifetime: 1h, max_message_bytes: 1MiB }
              - name: health
                match: { path: /healthz }
                respond: { status: 200, body: "ok", content_type: text/plain, headers: { cache-control: no-store } }
              - name: legacy
                match: { path_regex: "^/v[0-9]+/" }
                redirect: { to: "https://new.example.com", status: 308, append_path: true }
                rewrite: { regex: "^/v[0-9]+/(.*)$", replacement: "/$1" }
            """
        )
        let snapshot = loaded.snapshot
        #expect(snapshot.listeners[0].host == "::")
        #expect(snapshot.listeners[0].idleTimeout == .minutes(1))
        #expect(snapshot.listeners[0].maxBodyBytes == 1 << 30)
        #expect(snapshot.listeners[0].trustForwardedHeaders == false)
        #expect(snapshot.settings.adminHost == nil)
        #expect(snapshot.settings.logFormat == "json")
        #expect(snapshot.settings.drainTimeout == .seconds(90))
        #expect(snapshot.settings.debugRouteHeader == "X-Portico-Route")
        let users = snapshot.upstreams[0]
        #expect(users.balancer == .leastConnections)
        #expect(users.targets[0].address == (try SocketAddress(ipAddress: "10.0.0.7", port: 3000)))
        #expect(users.targets[0].basePath == "/base")
        #expect(users.targets[0].authority == "users.internal:3000")
        #expect(users.targets[1].host == "::1")
        #expect(users.timeouts.connect == .milliseconds(250))
        #expect(users.timeouts.request == .minutes(2))
        #expect(users.pool.maxIdlePerTarget == 8)
        let user = snapshot.routes[0]
        #expect(user.preserveHost == false)
        #expect(user.hostOverride == "users.internal")
        #expect(user.webSocket.protocols == ["chat"])
        #expect(user.webSocket.maxMessageBytes == 1 << 20)
        var parameters = PathParameters()
        parameters.append(name: "id", value: "42")
        #expect(user.rewrite.apply(to: "/users/42", parameters: parameters) == "/internal/v2/users/42")
        guard case .respond(let response) = snapshot.routes[1].action else {
            Issue.record("health should respond")
            return
        }
        #expect(response.body == "ok")
        #expect(response.head.headers["content-type"] == "text/plain")
        #expect(response.head.headers["cache-control"] == "no-store")
        #expect(
            snapshot.routeTable.lookup(Self.query(.GET, host: "x", path: "/healthz"))
                == .matched(route: 1, parameters: PathParameters())
        )
    }

    @Test("YAML anchors and merge keys")
    func mergeKeys() throws {
        let config = try Fixtures.load(
            Fixtures.listener + """
                x-defaults: &defaults
                  balancer: least_connections
                  timeouts: { connect: 1s }
                upstreams:
                  a:
                    <<: *defaults
                    targets: [{ url: http://10.0.0.1 }]
                  b:
                    <<: *defaults
                    balancer: random
                    targets: [{ url: http://10.0.0.2 }]
                """
        ).config
        #expect(config.upstreams["a"]?.balancer == .leastConnections)
        #expect(config.upstreams["a"]?.timeouts.connect == .seconds(1))
        #expect(config.upstreams["b"]?.balancer == .random)
        _ = config
    }

    @Test("loads a file from disk and reports its path")
    func loadFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "portico-config-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("gateway.yaml")
        try SpecExample.yaml.write(to: file, atomically: true, encoding: .utf8)
        let loaded = try Fixtures.loader().load(path: file.path)
        #expect(loaded.snapshot.routes.count == 2)

        try (SpecExample.yaml + "\nbogus: 1\n").write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigErrors.self) { try Fixtures.loader().load(path: file.path) }
        do {
            _ = try Fixtures.loader().load(path: file.path)
        } catch {
            #expect(error.errors.first?.file == file.path)
        }
        do {
            _ = try Fixtures.loader().load(path: directory.appendingPathComponent("missing.yaml").path)
            Issue.record("a missing file must fail")
        } catch {
            #expect(error.errors.first?.message.hasPrefix("cannot read the configuration file") == true)
        }
    }

    @Test("parse checks syntax and types only; load also checks references")
    func parseWithoutCompiling() throws {
        let text = Fixtures.listener + "routes: [{ name: r, upstream: missing }]"
        let config = try Fixtures.loader().parse(text: text)
        #expect(config.routes[0].upstream == "missing")
        #expect(Fixtures.errors(text).map(\.message) == ["unknown upstream 'missing'"])
    }

    @Test("problems that leave the config well-formed do not hide the later checks")
    func refusalsAndReferencesTogether() {
        let errors = Fixtures.errors(
            Fixtures.listener + """
                upstreams:
                  u: { targets: [{ url: http://10.0.0.1 }], tls: { verify: true } }
                routes: [{ name: r, upstream: v, host_rewrite: "${UPSTREAM_HOST}" }]
                """
        )
        // The unsubstituted host_rewrite is not reported a second time as an invalid host.
        #expect(
            errors.map(\.message) == [
                "`tls` is not supported yet",
                "unknown upstream 'v'",
                "environment variable 'UPSTREAM_HOST' is not set",
            ]
        )
    }

    static func query(_ method: HTTPMethod, host: String, path: String) -> RouteQuery {
        RouteQuery(method: method, host: host[...], path: path[...], head: RequestHead(method: method, target: path))
    }
}
