import NIOCore
import PorticoCore
import PorticoHTTP
import Testing

@testable import PorticoConfig

@Suite("Validation and compilation")
struct ConfigCompilerTests {
    @Test("dangling references to upstreams and filters are all reported, with suggestions")
    func danglingReferences() {
        let errors = Fixtures.errors(
            Fixtures.listener + """
                upstreams:
                  users: { targets: [{ url: http://10.0.0.1 }] }
                filters:
                  request-id: { type: request_id, header: X-Request-ID }
                routes:
                  - name: a
                    upstream: user
                    filters: [request-id, reqest-id]
                  - name: b
                    upstream: orders
                    filters: [cors]
                """
        )
        #expect(
            errors.map(\.message) == [
                "unknown upstream 'user' (did you mean 'users'?)",
                "unknown filter 'reqest-id' (did you mean 'request-id'?)",
                "unknown upstream 'orders'",
                "unknown filter 'cors'",
            ]
        )
        #expect(errors.map(\.position) == ["10:15", "11:27", "13:15", "14:15"])
        #expect(
            errors.map(\.path) == [
                "routes[0].upstream", "routes[0].filters[1]", "routes[1].upstream", "routes[1].filters[0]",
            ]
        )
        #expect(errors[2].hint == "defined upstreams: users")
    }

    @Test("duplicate names, with where the first one is")
    func duplicateNames() {
        let errors = Fixtures.errors(
            """
            listeners:
              - { name: public, address: 127.0.0.1:8080 }
              - { name: public, address: 127.0.0.1:8081 }
            routes:
              - { name: r, respond: {} }
              - { name: r, respond: {} }
            """
        )
        #expect(errors.map(\.message) == ["duplicate listener name 'public'", "duplicate route name 'r'"])
        #expect(errors.map(\.position) == ["3:13", "6:13"])
        #expect(errors.map(\.hint) == ["first used at line 2", "first used at line 5"])
    }

    @Test("conflicting listener addresses and an admin address on a listener's port")
    func addressConflicts() {
        let errors = Fixtures.errors(
            """
            listeners:
              - { name: a, address: "0.0.0.0:8080" }
              - { name: b, address: "127.0.0.1:8080" }
              - { name: c, address: "127.0.0.1:9901" }
              - { name: d, address: "127.0.0.1:0" }
              - { name: e, address: "127.0.0.1:0" }
            """
        )
        #expect(
            errors.map(\.message) == [
                "address 127.0.0.1:8080 conflicts with listener 'a' (0.0.0.0:8080)",
                "address 127.0.0.1:9901 conflicts with the admin API (127.0.0.1:9901 by default)",
            ]
        )
        #expect(errors.map(\.path) == ["listeners[1].address", "listeners[2].address"])
        #expect(errors.map(\.position) == ["3:25", "4:25"])

        let written = Fixtures.errors(
            """
            listeners: [{ name: a, address: "0.0.0.0:9000" }]
            admin: { address: "[::]:9000" }
            """
        )
        #expect(written.map(\.message) == ["admin address [::]:9000 conflicts with listener 'a' (0.0.0.0:9000)"])
        #expect(written.map(\.position) == ["2:19"])
    }

    @Test("features in the documented shape that are not implemented yet are refused, never ignored")
    func notSupportedYet() {
        let errors = Fixtures.errors(
            """
            listeners:
              - name: public
                address: 127.0.0.1:8080
                protocols: [http1, h2c]
                tls: { certificates: [{ cert: a.pem, key: a.key }] }
            upstreams:
              users:
                targets: [{ url: "https://10.0.0.1" }]
                tls: { verify: true }
            """
        )
        #expect(
            errors.map(\.message) == [
                "`h2c` is not supported yet",
                "TLS termination is not supported yet",
                "https upstreams are not supported yet",
                "`tls` is not supported yet",
            ]
        )
        #expect(errors.map(\.position) == ["4:24", "5:5", "8:22", "9:5"])
    }

    @Test("the resilience keys of SPEC §9 compile into the upstream")
    func resilienceKeys() throws {
        let snapshot = try Fixtures.load(
            Fixtures.listener + """
                upstreams:
                  users:
                    targets: [{ url: http://10.0.0.1:3001 }, { url: http://10.0.0.2:3001 }]
                    balancer: consistent_hash
                    hash_on: header:x-user-id
                    health_check: { type: http, path: /health, interval: 5s, timeout: 1s, healthy_threshold: 2, unhealthy_threshold: 3, expected_statuses: [200, 2xx, 301-302] }
                    passive: { consecutive_failures: 5, ejection_time: 30s, max_ejection_percent: 50 }
                    circuit_breaker: { failure_threshold: 5, success_threshold: 2, open_for: 30s }
                    retries: { attempts: 3, on: [connect_failure, reset, 502, 503, 504, 5xx], per_try_timeout: 5s, budget_percent: 20 }
                    panic_threshold: 30
                  registry-users:
                    discovery: { registry: users }
                  dns-users:
                    discovery: { dns: users.svc.local, port: 8080, interval: 10s }
                routes: [{ name: r, upstream: users }]
                """
        ).snapshot
        let users = try #require(snapshot.upstreams.first { $0.name == "users" })
        #expect(users.balancer == .consistentHash)
        #expect(users.resilience.hashOn == .header("x-user-id"))
        #expect(users.healthCheck?.kind == .http)
        #expect(users.healthCheck?.expectedStatuses == [200...200, 200...299, 301...302])
        #expect(users.resilience.outlier?.consecutiveFailures == 5)
        #expect(users.resilience.outlier?.ejectionTime == .seconds(30))
        #expect(users.resilience.breaker?.openFor == .seconds(30))
        #expect(users.resilience.retry?.attempts == 3)
        #expect(users.resilience.retry?.conditions.contains(.serverError) == true)
        #expect(users.attemptTimeout == .seconds(5))
        #expect(users.resilience.panic.percent == 30)
        let registry = try #require(snapshot.upstreams.first { $0.name == "registry-users" })
        #expect(registry.discovery == .registry(service: "users"))
        #expect(registry.targets.isEmpty)
        let dns = try #require(snapshot.upstreams.first { $0.name == "dns-users" })
        #expect(dns.discovery == .dns(host: "users.svc.local", port: 8080, interval: .seconds(10)))
    }

    @Test("service routing takes upstream settings but not what only a fixed upstream has")
    func serviceRoutingSettings() throws {
        let snapshot = try Fixtures.load(
            Fixtures.listener + """
                routes:
                  - name: services
                    service_routing: { strip: true, upstream: { balancer: p2c_ewma, retries: { attempts: 3 } } }
                """
        ).snapshot
        guard case .service(let routing) = snapshot.routes[0].action else {
            Issue.record("expected a service-routing action")
            return
        }
        #expect(routing.strip)
        #expect(routing.template.balancer == .p2cEWMA)
        #expect(routing.template.resilience.retry?.attempts == 3)

        let errors = Fixtures.errors(
            Fixtures.listener + """
                upstreams: { u: { targets: [{ url: http://10.0.0.1 }] } }
                routes:
                  - name: both
                    upstream: u
                    service_routing: {}
                  - name: fixed
                    service_routing: { upstream: { targets: [{ url: http://10.0.0.1 }], health_check: { type: tcp } } }
                """
        )
        #expect(
            errors.map(\.message) == [
                "a route takes exactly one of upstream, redirect, respond and service_routing (this one has upstream and service_routing)",
                "'targets' does not apply to service routing: targets come from the registry",
                "'health_check' does not apply to service routing: registry TTLs and passive checks play that part here",
            ]
        )
    }

    @Test("resilience settings out of range are reported where they are written")
    func resilienceMistakes() {
        let errors = Fixtures.errors(
            Fixtures.listener + """
                upstreams:
                  u:
                    targets: [{ url: http://10.0.0.1 }]
                    balancer: consistent_hash
                    health_check: { type: tcp, path: /x, expected_statuses: [99] }
                    passive: { consecutive_failures: 0, max_ejection_percent: 101 }
                    retries: { attempts: 0, on: [teapot], buffer_body: 2MiB }
                    panic_threshold: 120
                    discovery: { dns: "bad name!", port: 80 }
                routes: [{ name: r, upstream: u }]
                """
        )
        #expect(
            errors.map(\.message) == [
                "consistent_hash needs hash_on",
                "'path' applies to http and https health checks only",
                "'expected_statuses' applies to http and https health checks only",
                "invalid status '99'",
                "must be at least 1 (is 0)",
                "must be from 0 to 100 (is 101)",
                "must be from 1 to 10 (is 0)",
                "unknown retry condition 'teapot'",
                "buffer_body is at most 1MiB (is 2MiB)",
                "must be from 0 to 100 (is 120)",
                "'bad name!' is not a valid host name",
            ]
        )
    }

    @Test("resilience keys that would have no effect are refused")
    func keysWithoutEffect() throws {
        let cases: [(String, String)] = [
            ("discovery: { registry: users, interval: 5s }", "interval applies to dns and srv discovery only"),
            ("circuit_breaker: { window: 30s }", "window and min_requests apply only with failure_ratio"),
            ("circuit_breaker: { min_requests: 5 }", "window and min_requests apply only with failure_ratio"),
            (
                "health_check: { type: https, tls: { verify: false, ca: /etc/hostname } }",
                "'ca' is unused when verify is false"
            ),
        ]
        for (line, message) in cases {
            let errors = Fixtures.errors(
                Fixtures.listener + """
                    upstreams:
                      u:
                        targets: [{ url: http://10.0.0.1 }]
                        \(line)
                    routes: [{ name: r, upstream: u }]
                    """
            )
            #expect(errors.map(\.message) == [message], "\(line)")
        }
        // With the rule they shape, they are fine.
        let loaded = try Fixtures.load(
            Fixtures.listener + """
                upstreams:
                  u:
                    targets: [{ url: http://10.0.0.1 }]
                    circuit_breaker: { failure_ratio: 50, window: 30s, min_requests: 5 }
                routes: [{ name: r, upstream: u }]
                """
        )
        #expect(loaded.snapshot.upstreams.first?.resilience.breaker?.minRequests == 5)
    }

    @Test("unknown filter types list the registered ones")
    func unknownFilterType() throws {
        let error = try #require(Fixtures.error(Fixtures.listener + "filters:\n  c: { type: cros }"))
        #expect(error.message == "unknown filter type 'cros' (did you mean 'cors'?)")
        #expect(error.hint == "known types: cors, nested, plain, request_id")
        #expect(error.position == "5:14")
    }

    @Test("a ConfigIssue from makeFilter is placed at its key in the filter's entry")
    func makeFilterIssue() throws {
        let error = try #require(
            Fixtures.error(Fixtures.listener + "filters:\n  c:\n    type: cors\n    allowed_origins: [app.example.com]")
        )
        #expect(error.message == "origin 'app.example.com' must start with http:// or https://")
        #expect(error.path == "filters.c.allowed_origins")
        #expect(error.position == "7:5")
    }

    @Test("route patterns are checked by the route table, each route on its own")
    func badPatterns() {
        let errors = Fixtures.errors(
            Fixtures.listener + """
                routes:
                  - { name: a, match: { path: "/files/{name}.txt" }, respond: {} }
                  - { name: b, match: { path_prefix: api }, respond: {} }
                  - { name: c, match: { path_regex: "([" }, respond: {} }
                  - { name: d, match: { path: /a, path_prefix: /b }, respond: {} }
                  - { name: e, match: { hosts: ["api.example.com:8080", "*.ok.test"] }, respond: {} }
                  - { name: f, match: { methods: [get, "BAD METHOD"] }, respond: {} }
                """
        )
        #expect(
            errors.map(\.path) == [
                "routes[0].match.path", "routes[1].match.path_prefix", "routes[2].match.path_regex",
                "routes[3].match.path_prefix", "routes[4].match.hosts[0]", "routes[5].match.methods[0]",
                "routes[5].match.methods[1]",
            ]
        )
        #expect(errors.map(\.position) == ["5:31", "6:38", "7:37", "8:48", "9:33", "10:35", "10:40"])
        #expect(
            errors[3].message
                == "give at most one of path, path_prefix and path_regex (this match has path and path_prefix)"
        )
        #expect(errors[5].message == "method 'get' must be uppercase")
        #expect(
            errors.allSatisfy { $0.hint != nil || $0.path.hasSuffix("path_regex") || $0.path.hasSuffix("path_prefix") }
        )
    }

    @Test("actions: exactly one, and each one valid")
    func actions() {
        let errors = Fixtures.errors(
            Fixtures.listener + """
                upstreams: { u: { targets: [{ url: http://10.0.0.1 }] } }
                routes:
                  - { name: none }
                  - { name: two, upstream: u, respond: {} }
                  - { name: relative, redirect: { to: /new } }
                  - { name: status, redirect: { to: "https://a.test", status: 200 } }
                  - { name: body, respond: { status: 204, body: x } }
                  - { name: header, respond: { headers: { Content-Length: "5" } } }
                  - { name: pointless, respond: {}, timeout: 5s }
                """
        )
        #expect(
            errors.map(\.message) == [
                "route 'none' has no action",
                "a route takes exactly one of upstream, redirect, respond and service_routing (this one has upstream and respond)",
                "redirect target '/new' is not an absolute http(s) URL",
                "redirect status must be 301, 302, 303, 307 or 308 (is 200)",
                "a 204 response cannot have a body",
                "header 'Content-Length' is set by the gateway",
                "'timeout' only applies to routes with an upstream",
            ]
        )
    }

    @Test("rewrites: bad regex, and parameters the path does not capture")
    func rewrites() {
        let errors = Fixtures.errors(
            Fixtures.listener + """
                upstreams: { u: { targets: [{ url: http://10.0.0.1 }] } }
                routes:
                  - { name: a, upstream: u, rewrite: { regex: "(", replacement: /x } }
                  - { name: b, upstream: u, match: { path: "/users/{id}" }, rewrite: { path: "/v2/{user}" } }
                  - { name: c, upstream: u, match: { path_prefix: /users }, rewrite: { path: "/v2/{id}" } }
                  - { name: d, upstream: u, strip_prefix: api }
                  - { name: e, upstream: u, rewrite: { replacement: /x } }
                """
        )
        #expect(
            errors.map(\.path) == [
                "routes[0].rewrite", "routes[1].rewrite", "routes[2].rewrite", "routes[3].strip_prefix",
                "routes[4].rewrite",
            ]
        )
        #expect(errors[1].message == "rewrite uses {user}, which the route's path does not capture")
        #expect(errors[1].hint == "captured: {id}")
    }

    @Test("value ranges: weights, timeouts, limits, workers, websocket")
    func ranges() {
        let errors = Fixtures.errors(
            """
            listeners:
              - { name: a, address: 127.0.0.1:8080, timeouts: { idle: 0s }, limits: { max_connections: 0 } }
            runtime: { workers: 0, route_header: "bad header" }
            upstreams:
              u:
                targets: [{ url: http://10.0.0.1, weight: 0 }, { url: http://10.0.0.1 }]
                pool: { max_connections_per_target: 0 }
            routes:
              - { name: r, upstream: u, websocket: { idle_timeout: 0s, max_message_bytes: 0, protocols: ["a b"] } }
            """
        )
        #expect(
            errors.map(\.path) == [
                "listeners[0].timeouts.idle", "listeners[0].limits.max_connections", "runtime.workers",
                "runtime.route_header",
                "upstreams.u.targets[0].weight", "upstreams.u.targets[1].url",
                "upstreams.u.pool.max_connections_per_target",
                "routes[0].websocket.idle_timeout", "routes[0].websocket.max_message_bytes",
                "routes[0].websocket.protocols[0]",
            ]
        )
        #expect(errors[5].message == "target 'http://10.0.0.1' is listed twice")
    }

    @Test("host names are resolved at compile time; unresolvable ones are errors")
    func resolution() throws {
        let snapshot = try Fixtures.load(
            Fixtures.listener
                + "upstreams: { u: { targets: [{ url: http://users.internal:3000 }, { url: http://orders.internal }] } }"
        ).snapshot
        #expect(
            snapshot.upstreams[0].targets.map(\.address) == [
                try SocketAddress(ipAddress: "10.0.0.7", port: 3000),
                try SocketAddress(ipAddress: "10.0.0.8", port: 80),
            ]
        )
        let error = try #require(
            Fixtures.error(Fixtures.listener + "upstreams: { u: { targets: [{ url: http://nowhere.invalid }] } }")
        )
        #expect(error.message == "cannot resolve host 'nowhere.invalid': no such host")
        #expect(error.hint == "check the name, or use an IP address")
        #expect(error.position == "4:36")
    }

    @Test("at least one listener is required")
    func noListeners() throws {
        let error = try #require(Fixtures.error("routes: []"))
        #expect(error.message == "at least one listener is required")
        #expect(error.position == "1:1")
    }

    @Test("filters are built once and shared by the routes that use them, in route order")
    func filtersSharedAndOrdered() throws {
        let snapshot = try Fixtures.load(
            Fixtures.listener + """
                filters:
                  rid: { type: request_id, header: X-Request-ID }
                  cors: { type: cors, allowed_origins: ["https://a.test"] }
                routes:
                  - { name: a, respond: {}, filters: [cors, rid] }
                  - { name: b, respond: {}, filters: [rid] }
                """
        ).snapshot
        #expect(snapshot.routes[0].filters.map(\.name) == ["cors", "rid"])
        #expect((snapshot.routes[0].filters[1].filter as? InertFilter)?.name == "rid")
        #expect(snapshot.routes[1].filters.map(\.name) == ["rid"])
    }

    @Test("a configuration built in code compiles the same way, and is validated the same way")
    func builtInCode() throws {
        var config = GatewayConfig(
            listeners: [ListenerConfig(name: "public", address: HostPort(host: "0.0.0.0", port: 8080))],
            upstreams: ["users": UpstreamConfig(targets: [TargetConfig(url: "http://127.0.0.1:3001")])],
            routes: [
                RouteConfig(
                    name: "users",
                    match: RouteMatchConfig(pathPrefix: "/users"),
                    upstream: "users",
                    filters: ["rid", "cors"]
                )
            ],
            filters: [
                "rid": FilterConfig(RequestIDTestConfig(header: "X-Request-ID")),
                "cors": FilterConfig(CORSTestConfig(allowedOrigins: ["https://a.test"])),
            ]
        )
        let compiler = ConfigCompiler(registry: FilterRegistry(), resolveHost: Fixtures.resolver)
        let snapshot = try compiler.compile(config)
        #expect(snapshot.routes[0].filters.map(\.name) == ["rid", "cors"])
        #expect(
            snapshot.routeTable.lookup(ConfigLoaderTests.query(.GET, host: "x", path: "/users/1"))
                == .matched(route: 0, parameters: PathParameters())
        )

        config.routes.append(RouteConfig(name: "broken", upstream: "nope"))
        config.listeners[0].address.port = 70000
        do {
            _ = try compiler.compile(config)
            Issue.record("expected errors")
        } catch {
            #expect(error.errors.map(\.path) == ["listeners[0].address", "routes[1].upstream"])
            #expect(error.errors.allSatisfy { $0.file == "<code>" && $0.line == nil })
            #expect(error.description.contains("<code>: error: routes[1].upstream: unknown upstream 'nope'"))
        }
    }
}
