import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PorticoTesting
import Testing

/// Health checks, passive ejection, retries, circuit breakers and the registry, through a
/// whole gateway over loopback (issue 3; SPEC F-22..F-26, F-31).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ResilienceTests {
    let group = MultiThreadedEventLoopGroup.singleton

    @Test func killingOneOfTwoBackendsUnderLoadFailsNoClientRequest() async throws {
        let first = try await TestBackend.start(group: self.group, body: "a")
        let second = try await TestBackend.start(group: self.group, body: "b")
        let gateway = try await ResilienceGateway.start(
            """
            upstreams:
              users:
                targets: [{ url: "http://127.0.0.1:\(first.port)" }, { url: "http://127.0.0.1:\(second.port)" }]
                health_check: { type: tcp, interval: 200ms, timeout: 200ms, unhealthy_threshold: 1 }
                passive: { consecutive_failures: 2, ejection_time: 10s }
                retries: { attempts: 3, backoff: { base: 1ms, max: 5ms } }
            routes: [{ name: all, upstream: users }]
            """)
        let clients = 8
        let perClient = 250  // 2,000 requests in all, bounded
        let answered = NIOLockedValueBox(0)
        let failures = NIOLockedValueBox<[String]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    let client = try await gateway.client()
                    for index in 0..<perClient {
                        try await client.send("GET /item/\(index) HTTP/1.1\r\nHost: h\r\n\r\n")
                        let response = try await client.readResponse()
                        if response.status != 200 {
                            failures.withLockedValue { $0.append("\(response.status) \(response.bodyText)") }
                        }
                        answered.withLockedValue { $0 += 1 }
                    }
                    await client.close()
                }
            }
            group.addTask {
                // Kill the second backend once a fifth of the load is through.
                _ = await eventually(timeout: .seconds(30)) { answered.withLockedValue { $0 } >= 400 }
                await second.kill()
            }
            try await group.waitForAll()
        }
        #expect(failures.withLockedValue { $0 } == [])
        #expect(answered.withLockedValue { $0 } == clients * perClient)
        // Traffic left the dead target: the survivor served everything after the kill.
        #expect(first.requests.count > clients * perClient / 2)
        #expect(try await gateway.health(of: "users", port: second.port) == "unhealthy")
        await gateway.stop()
        await first.stop()
    }

    @Test func anUnhealthyTargetLeavesWithinACheckIntervalAndReturnsAfterRecovery() async throws {
        let sick = Flag()
        let healthy = try await TestBackend.start(group: self.group, body: "healthy")
        let flaky = try await TestBackend.start(group: self.group) { request, writer in
            if request.uri == "/health" {
                writer.respond(status: sick.isSet ? 503 : 200, body: "")
            } else {
                writer.respond(status: 200, body: "flaky")
            }
        }
        let interval = 300
        let gateway = try await ResilienceGateway.start(
            """
            runtime: { workers: 1 }
            upstreams:
              users:
                targets: [{ url: "http://127.0.0.1:\(healthy.port)" }, { url: "http://127.0.0.1:\(flaky.port)" }]
                health_check: { type: http, path: /health, interval: \(interval)ms, timeout: 200ms, healthy_threshold: 1, unhealthy_threshold: 1 }
            routes: [{ name: all, upstream: users }]
            """)
        #expect(try await eventually { try await gateway.health(of: "users", port: flaky.port) == "healthy" })

        sick.set(true)
        let start = ContinuousClock.now
        #expect(try await eventually { try await gateway.health(of: "users", port: flaky.port) == "unhealthy" })
        // One interval (±10% jitter) plus a probe, the admin call and polling: generous, as a
        // loaded CI machine may be slow (the bound is about behaviour, not speed).
        #expect(ContinuousClock.now - start < .milliseconds(interval * 11 / 10 + 1000))
        let before = flaky.requests.filter { $0.uri != "/health" }.count
        for _ in 0..<20 {
            #expect(try await gateway.request("GET /x HTTP/1.1\r\nHost: h\r\n\r\n").bodyText == "healthy")
        }
        #expect(flaky.requests.filter { $0.uri != "/health" }.count == before)

        sick.set(false)
        #expect(try await eventually { try await gateway.health(of: "users", port: flaky.port) == "healthy" })
        var bodies = Set<String>()
        for _ in 0..<10 {
            bodies.insert(try await gateway.request("GET /x HTTP/1.1\r\nHost: h\r\n\r\n").bodyText)
        }
        #expect(bodies == ["healthy", "flaky"])
        await gateway.stop()
        await healthy.stop()
        await flaky.stop()
    }

    @Test func theCircuitBreakerOpensFailsFastAndRecovers() async throws {
        let failing = Flag(true)
        let backend = try await TestBackend.start(group: self.group) { _, writer in
            writer.respond(status: failing.isSet ? 500 : 200, body: failing.isSet ? "broken" : "fine")
        }
        let gateway = try await ResilienceGateway.start(
            """
            runtime: { workers: 1 }
            upstreams:
              users:
                targets: [{ url: "http://127.0.0.1:\(backend.port)" }]
                circuit_breaker: { failure_threshold: 3, success_threshold: 1, open_for: 500ms }
            routes: [{ name: all, upstream: users }]
            """)
        let client = try await gateway.client()
        for _ in 0..<3 {
            try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try await client.readResponse().status == 500)
        }
        try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        let rejected = try await client.readResponse()
        #expect(rejected.status == 503)
        #expect(rejected.bodyText.contains("circuit open"))
        #expect(rejected.header("retry-after") == "1")
        #expect(backend.requests.count == 3)
        let status = try await gateway.upstream("users")
        #expect((status["circuit_breaker"] as? [String: Any])?["workers"] as? [String] == ["open"])

        failing.set(false)
        try await Task.sleep(for: .milliseconds(600))
        try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try await client.readResponse().bodyText == "fine")  // the half-open probe
        try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try await client.readResponse().bodyText == "fine")
        await client.close()

        let metrics = try await gateway.admin("GET", "/metrics").bodyText
        #expect(metrics.contains("portico_circuit_breaker_transitions_total{upstream=\"users\",to=\"open\"} 1"))
        await gateway.stop()
        await backend.stop()
    }

    @Test func registryInstancesThatStopHeartbeatingExpireAndTrafficMoves() async throws {
        let staying = try await TestBackend.start(group: self.group, body: "staying")
        let leaving = try await TestBackend.start(group: self.group, body: "leaving")
        let gateway = try await ResilienceGateway.start(
            """
            upstreams:
              users: { discovery: { registry: users } }
            routes: [{ name: all, upstream: users }]
            """)
        // No instance yet: nothing to send to.
        #expect(try await gateway.request("GET / HTTP/1.1\r\nHost: h\r\n\r\n").status == 503)

        for (id, backend) in [("a", staying), ("b", leaving)] {
            let registered = try await gateway.admin(
                "PUT", "/registry/services/users/instances/\(id)",
                body: #"{"address": "127.0.0.1", "port": \#(backend.port), "version": "1.0", "ttl": "1s"}"#)
            #expect(registered.status == 200)
        }
        #expect(
            try await eventually {
                try await gateway.upstream("users")["targets"].map { ($0 as? [Any])?.count == 2 } ?? false
            })
        var bodies = Set<String>()
        for _ in 0..<6 { bodies.insert(try await gateway.request("GET / HTTP/1.1\r\nHost: h\r\n\r\n").bodyText) }
        #expect(bodies == ["staying", "leaving"])

        // Only "a" keeps heartbeating; "b" expires after its 1 s TTL.
        let heartbeats = Task {
            while !Task.isCancelled {
                _ = try? await gateway.admin("PUT", "/registry/services/users/instances/a/heartbeat")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        #expect(
            try await eventually(timeout: .seconds(5)) {
                try await gateway.upstream("users")["targets"].map { ($0 as? [Any])?.count == 1 } ?? false
            })
        for _ in 0..<6 {
            #expect(try await gateway.request("GET / HTTP/1.1\r\nHost: h\r\n\r\n").bodyText == "staying")
        }
        heartbeats.cancel()
        let missing = try await gateway.admin("PUT", "/registry/services/users/instances/b/heartbeat")
        #expect(missing.status == 404)
        #expect(try await gateway.admin("DELETE", "/registry/services/users/instances/a").status == 200)
        #expect(
            try await eventually {
                try await gateway.request("GET / HTTP/1.1\r\nHost: h\r\n\r\n").status == 503
            })
        await gateway.stop()
        await staying.stop()
        await leaving.stop()
    }

    @Test func aPostIsNotRetriedOnceItsBodyWasSentButAGetIs() async throws {
        // Each path's first request kills its connection without an answer.
        let seen = NIOLockedValueBox<[String: Int]>([:])
        let backend = try await TestBackend.start(group: self.group) { request, writer in
            let count = seen.withLockedValue { counts -> Int in
                counts[request.uri, default: 0] += 1
                return counts[request.uri]!
            }
            if count == 1 { writer.closeConnection() } else { writer.respond(status: 200, body: "second try") }
        }
        let gateway = try await ResilienceGateway.start(
            """
            upstreams:
              users:
                targets: [{ url: "http://127.0.0.1:\(backend.port)" }]
                retries: { attempts: 3, on: [connect_failure, reset, 502, 503] }
            routes: [{ name: all, upstream: users }]
            """)
        let post = try await gateway.request(
            "POST /orders HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", method: "POST")
        #expect(post.status == 502)
        #expect(seen.withLockedValue { $0["/orders"] } == 1)

        let get = try await gateway.request("GET /orders/1 HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(get.status == 200)
        #expect(get.bodyText == "second try")
        #expect(seen.withLockedValue { $0["/orders/1"] } == 2)
        let metrics = try await gateway.admin("GET", "/metrics").bodyText
        #expect(metrics.contains("portico_upstream_retries_total{upstream=\"users\",reason=\"reset\"} 1"))
        #expect(
            metrics.contains("portico_upstream_retries_skipped_total{upstream=\"users\",reason=\"not_idempotent\"} 1"))
        await gateway.stop()
        await backend.stop()
    }

    @Test func aRetryAfterA503GoesToTheOtherTarget() async throws {
        let busy = try await TestBackend.start(group: self.group) { _, writer in
            writer.respond(status: 503, body: "busy")
        }
        let idle = try await TestBackend.start(group: self.group, body: "idle")
        let gateway = try await ResilienceGateway.start(
            """
            runtime: { workers: 1 }
            upstreams:
              users:
                targets: [{ url: "http://127.0.0.1:\(busy.port)" }, { url: "http://127.0.0.1:\(idle.port)" }]
                retries: { attempts: 2 }
            routes: [{ name: all, upstream: users }]
            """)
        let client = try await gateway.client()
        for _ in 0..<10 {
            try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try await client.readResponse().bodyText == "idle")
        }
        await client.close()
        // Each request went to each target at most once: a retry never returns to the
        // target that just failed while another one is eligible.
        #expect(idle.requests.count == 10)
        #expect(busy.requests.count <= 10)
        await gateway.stop()
        await busy.stop()
        await idle.stop()
    }

    @Test func consistentHashingKeepsAKeyOnOneTarget() async throws {
        let backends = try await [
            TestBackend.start(group: self.group, body: "0"), TestBackend.start(group: self.group, body: "1"),
            TestBackend.start(group: self.group, body: "2"),
        ]
        let targets = backends.map { "{ url: \"http://127.0.0.1:\($0.port)\" }" }.joined(separator: ", ")
        let gateway = try await ResilienceGateway.start(
            """
            upstreams:
              users: { targets: [\(targets)], balancer: consistent_hash, hash_on: "header:x-user" }
            routes: [{ name: all, upstream: users }]
            """)
        var owners: [String: String] = [:]
        for user in 0..<30 {
            for _ in 0..<3 {
                let body = try await gateway.request("GET / HTTP/1.1\r\nHost: h\r\nX-User: u\(user)\r\n\r\n").bodyText
                #expect(owners[String(user), default: body] == body)
                owners[String(user)] = body
            }
        }
        #expect(Set(owners.values).count == 3)  // 30 keys spread over all three
        await gateway.stop()
        for backend in backends { await backend.stop() }
    }
}

/// Service-name routing through the registry (SPEC F-13, F-31).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ServiceRoutingTests {
    let group = MultiThreadedEventLoopGroup.singleton

    @Test func theFirstPathSegmentNamesTheService() async throws {
        let users = try await TestBackend.start(group: self.group) { request, writer in
            writer.respond(status: 200, body: "users saw \(request.uri)")
        }
        let orders = try await TestBackend.start(group: self.group) { request, writer in
            writer.respond(status: 200, body: "orders saw \(request.uri)")
        }
        let gateway = try await ResilienceGateway.start(
            """
            routes:
              - name: stripped
                match: { path_prefix: /svc }
                strip_prefix: /svc
                service_routing: { strip: true, upstream: { balancer: least_connections, retries: { attempts: 2 } } }
              - name: kept
                service_routing: {}
            """)
        #expect(try await gateway.request("GET /users/1 HTTP/1.1\r\nHost: h\r\n\r\n").status == 404)
        for (service, backend) in [("users", users), ("orders", orders)] {
            let response = try await gateway.admin(
                "PUT", "/registry/services/\(service)/instances/\(service)-1",
                body: #"{"address": "127.0.0.1", "port": \#(backend.port)}"#)
            #expect(response.status == 200)
        }
        #expect(
            try await eventually {
                try await gateway.request("GET /users/1 HTTP/1.1\r\nHost: h\r\n\r\n").status == 200
            })
        #expect(
            try await gateway.request("GET /users/1?x=1 HTTP/1.1\r\nHost: h\r\n\r\n").bodyText
                == "users saw /users/1?x=1")
        #expect(
            try await gateway.request("GET /svc/orders/7?y=2 HTTP/1.1\r\nHost: h\r\n\r\n").bodyText
                == "orders saw /7?y=2")
        #expect(try await gateway.request("GET /svc/orders HTTP/1.1\r\nHost: h\r\n\r\n").bodyText == "orders saw /")
        let unknown = try await gateway.request("GET /svc/billing/1 HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(unknown.status == 404)
        #expect(unknown.bodyText.contains("no service 'billing'"))

        // The last instance leaving: the service is known but has nowhere to go.
        #expect(try await gateway.admin("DELETE", "/registry/services/orders/instances/orders-1").status == 200)
        #expect(
            try await eventually {
                try await gateway.request("GET /svc/orders/7 HTTP/1.1\r\nHost: h\r\n\r\n").status == 503
            })
        let listed = try await gateway.admin("GET", "/upstreams").bodyText
        #expect(listed.contains("service:users"))
        await gateway.stop()
        await users.stop()
        await orders.stop()
    }

    @Test func registryInputIsCheckedAndMutationsNeedTheToken() async throws {
        let gateway = try await ResilienceGateway.start(
            """
            upstreams:
              users: { discovery: { registry: users } }
            routes: [{ name: all, upstream: users }]
            """)
        let bad = try await gateway.admin(
            "PUT", "/registry/services/users/instances/x", body: #"{"address": "127.0.0.1", "port": "80"}"#)
        #expect(bad.status == 400)
        #expect(bad.bodyText.contains("'port' has the wrong type"))
        let unknownField = try await gateway.admin(
            "PUT", "/registry/services/users/instances/x", body: #"{"address": "127.0.0.1", "port": 80, "zone": "a"}"#)
        #expect(unknownField.bodyText.contains("unknown field 'zone'"))
        let badName = try await gateway.admin(
            "PUT", "/registry/services/Users!/instances/x", body: #"{"address": "127.0.0.1", "port": 80}"#)
        #expect(badName.status == 400)
        let badTTL = try await gateway.admin(
            "PUT", "/registry/services/users/instances/x", body: #"{"address": "127.0.0.1", "port": 80, "ttl": "1y"}"#)
        #expect(badTTL.status == 400)

        let client = try await RawClient.connect(port: gateway.adminPort, group: self.group)
        let body = #"{"address": "127.0.0.1", "port": 80}"#
        try await client.send(
            "PUT /registry/services/users/instances/x HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )
        #expect(try await client.readResponse().status == 401)
        try await client.send("GET /registry/services HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse().bodyText.contains("\"services\""))
        await client.close()
        #expect(try await gateway.admin("GET", "/registry/services/users/instances/nope").status == 404)
        #expect(try await gateway.admin("POST", "/registry/services").status == 405)
        await gateway.stop()
    }
}
