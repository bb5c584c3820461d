import Dispatch
import PorticoCore
import PorticoFilters
import PorticoHTTP
import Synchronization
import Testing

@Suite struct RateLimitFilterTests {
    /// Runs `count` requests through `filter` and returns how many passed.
    private func passed(
        _ count: Int, _ filter: any HTTPFilter, services: TestServices, clientIP: String = "192.0.2.1",
        head: RequestHead = FilterHarness.get(), route: String = "r", prepare: (inout RequestContext) -> Void = { _ in }
    ) -> Int {
        var passed = 0
        for _ in 0..<count {
            var context = FilterHarness.context(
                head, filter: filter, clientIP: clientIP, route: route, services: services)
            prepare(&context)
            if filter.onRequest(&context).isProceed { passed += 1 }
        }
        return passed
    }

    @Test(arguments: [
        "    type: rate_limit\n    rate: 100/s\n    burst: 200\n    key: client_ip",
        "    type: rate_limit\n    rate: 6000/m",
        "    type: rate_limit\n    rate: 10/h\n    key: header:X-User",
        "    type: rate_limit\n    rate: 50/10s\n    key: consumer\n    scope: local",
        "    type: rate_limit\n    rate: 1/500ms\n    key: jwt:sub\n    max_keys: 10",
        "    type: rate_limit\n    algorithm: sliding_window\n    rate: 1000/d\n    key: route\n    response_headers: false",
    ])
    func acceptsValidConfigs(yaml: String) throws {
        _ = try FilterHarness.filter(yaml)
    }

    @Test(arguments: [
        ("    type: rate_limit", "missing required key 'rate'"),
        ("    type: rate_limit\n    rate: fast", "'fast' is not a rate"),
        ("    type: rate_limit\n    rate: 0/s", "'0/s' is not a rate"),
        ("    type: rate_limit\n    rate: 10/fortnight", "'10/fortnight' is not a rate"),
        ("    type: rate_limit\n    rate: 10/s\n    burst: 0", "burst must be at least 1"),
        ("    type: rate_limit\n    rate: 10/s\n    algorithm: leaky", "unknown algorithm 'leaky'"),
        (
            "    type: rate_limit\n    algorithm: sliding_window\n    rate: 10/s\n    burst: 5",
            "burst applies to token_bucket only"
        ),
        (
            "    type: rate_limit\n    algorithm: sliding_window\n    rate: 2000000/s",
            "a sliding window allows at most 1048574 requests per window"
        ),
        ("    type: rate_limit\n    rate: 10/s\n    key: ip", "'ip' is not a rate-limit key"),
        ("    type: rate_limit\n    rate: 10/s\n    key: \"header:bad name\"", "is not a rate-limit key"),
        ("    type: rate_limit\n    rate: 10/s\n    scope: cluster", "scope 'cluster' is not supported yet"),
        ("    type: rate_limit\n    rate: 10/s\n    scope: global", "unknown scope 'global'"),
        ("    type: rate_limit\n    rate: 10/s\n    max_keys: 0", "max_keys must be at least 1"),
        ("    type: rate_limit\n    rate: 10/s\n    burts: 5", "did you mean 'burst'"),
        ("    type: rate_limit\n    rate: 10/s\n    burst: many", "expected an integer"),
    ])
    func rejectsInvalidConfigs(yaml: String, message: String) {
        let errors = FilterHarness.errors(yaml)
        #expect(errors.contains(message), "\(errors)")
    }

    @Test func tokenBucketIsExactOverABurstAndRefill() throws {
        let clock = ManualClock()
        let filter = try ManualClockRateLimit.filter("    type: rate_limit\n    rate: 5/s\n    burst: 10", clock: clock)
        let services = TestServices()
        #expect(self.passed(100, filter, services: services) == 10)
        clock.advance(milliseconds: 199)
        #expect(self.passed(10, filter, services: services) == 0)
        clock.advance(milliseconds: 1)
        #expect(self.passed(10, filter, services: services) == 1)
        clock.advance(milliseconds: 1000)
        #expect(self.passed(10, filter, services: services) == 5)
        clock.advance(milliseconds: 60_000)
        #expect(self.passed(100, filter, services: services) == 10)
    }

    @Test func refillIsExactForRatesThatAreNotWholeNanoseconds() throws {
        let clock = ManualClock()
        let filter = try ManualClockRateLimit.filter("    type: rate_limit\n    rate: 3/s\n    burst: 3", clock: clock)
        let services = TestServices()
        #expect(self.passed(5, filter, services: services) == 3)
        // One token every 333,333,333⅓ ns: the third one is due at exactly one second.
        clock.advance(nanoseconds: 333_333_333)
        #expect(self.passed(1, filter, services: services) == 0)
        clock.advance(nanoseconds: 1)
        #expect(self.passed(1, filter, services: services) == 1)
        clock.advance(nanoseconds: 333_333_333)
        #expect(self.passed(1, filter, services: services) == 1)
        clock.advance(nanoseconds: 333_333_332)
        #expect(self.passed(1, filter, services: services) == 0)
        clock.advance(nanoseconds: 1)
        #expect(self.passed(1, filter, services: services) == 1)
    }

    @Test func eventLoopsShareOneQuota() throws {
        let clock = ManualClock()
        let filter = try ManualClockRateLimit.filter("    type: rate_limit\n    rate: 1/h\n    burst: 10", clock: clock)
        let loops = [TestServices(), TestServices(), TestServices()]
        var total = 0
        for round in 0..<20 { total += self.passed(1, filter, services: loops[round % loops.count]) }
        #expect(total == 10)
    }

    @Test func refusalsCarryRetryAfterAndRateLimitHeaders() throws {
        let clock = ManualClock()
        let filter = try ManualClockRateLimit.filter("    type: rate_limit\n    rate: 5/s\n    burst: 10", clock: clock)
        let services = TestServices()
        var first = FilterHarness.context(FilterHarness.get(), filter: filter, services: services)
        #expect(filter.onRequest(&first).isProceed)
        var response = ResponseHead(status: 200)
        filter.onResponse(&response, context: first)
        #expect(response.headers["RateLimit-Limit"] == "10")
        #expect(response.headers["RateLimit-Remaining"] == "9")
        #expect(response.headers["RateLimit-Reset"] == "1")
        _ = self.passed(9, filter, services: services)

        var refused = FilterHarness.context(FilterHarness.get(), filter: filter, services: services)
        let error = try #require(filter.onRequest(&refused).rejection)
        #expect(error.status == 429)
        #expect(error.headers["Retry-After"] == "1")
        #expect(error.headers["RateLimit-Limit"] == "10")
        #expect(error.headers["RateLimit-Remaining"] == "0")
        #expect(error.headers["RateLimit-Reset"] == "2")
        // The 429 itself is not given other headers by the same filter's response phase.
        var errorResponse = error.response(requestID: nil).head
        filter.onResponse(&errorResponse, context: refused)
        #expect(errorResponse.headers.values("RateLimit-Remaining") == ["0"])
    }

    @Test func upstreamRateLimitFieldsAreReplacedUnlessTighter() throws {
        let filter = try FilterHarness.filter("    type: rate_limit\n    rate: 10/s")
        var context = FilterHarness.context(FilterHarness.get(), filter: filter)
        #expect(filter.onRequest(&context).isProceed)
        // Only some of the fields, and looser: all three are restated, once each.
        var looser = ResponseHead(status: 200, headers: ["ratelimit-limit": "100", "RateLimit-Remaining": "50"])
        filter.onResponse(&looser, context: context)
        #expect(looser.headers.values("RateLimit-Limit") == ["10"])
        #expect(looser.headers.values("RateLimit-Remaining") == ["9"])
        #expect(looser.headers.values("RateLimit-Reset") == ["1"])
        // A tighter budget from the upstream is what the client is told.
        var tighter = ResponseHead(status: 200, headers: ["RateLimit-Remaining": "2", "RateLimit-Limit": "5"])
        filter.onResponse(&tighter, context: context)
        #expect(tighter.headers.values("RateLimit-Remaining") == ["2"])
        #expect(tighter.headers.values("RateLimit-Limit") == ["5"])
        #expect(tighter.headers["RateLimit-Reset"] == nil)
        // Fields that only look alike are not taken for them.
        var other = ResponseHead(status: 200, headers: ["RateLimit": "x", "X-RateLimit-Remaining": "0"])
        filter.onResponse(&other, context: context)
        #expect(other.headers.values("RateLimit-Remaining") == ["9"])
        #expect(other.headers.count == 5)
    }

    @Test func theFilterSkipsTheResponsePhaseWhenItAddsNoHeaders() throws {
        let on = try FilterHarness.filter("    type: rate_limit\n    rate: 5/s")
        #expect(on.phases == [.request, .response])
        let off = try FilterHarness.filter("    type: rate_limit\n    rate: 5/s\n    response_headers: false")
        #expect(off.phases == .request)
    }

    @Test func responseHeadersCanBeTurnedOff() throws {
        let filter = try FilterHarness.filter("    type: rate_limit\n    rate: 5/s\n    response_headers: false")
        var context = FilterHarness.context(FilterHarness.get(), filter: filter)
        #expect(filter.onRequest(&context).isProceed)
        var response = ResponseHead(status: 200)
        filter.onResponse(&response, context: context)
        #expect(response.headers["RateLimit-Limit"] == nil)
    }

    @Test func keysSeparateClients() throws {
        let clock = ManualClock()
        let services = TestServices()
        let byIP = try ManualClockRateLimit.filter("    type: rate_limit\n    rate: 1/h\n    burst: 2", clock: clock)
        #expect(self.passed(5, byIP, services: services, clientIP: "192.0.2.1") == 2)
        #expect(self.passed(5, byIP, services: services, clientIP: "192.0.2.2") == 2)
        #expect(self.passed(5, byIP, services: services, clientIP: "2001:db8::1") == 2)

        let byHeader = try ManualClockRateLimit.filter(
            "    type: rate_limit\n    rate: 1/h\n    burst: 2\n    key: header:X-User", clock: clock)
        #expect(self.passed(5, byHeader, services: services, head: FilterHarness.get("/", [("X-User", "a")])) == 2)
        #expect(self.passed(5, byHeader, services: services, head: FilterHarness.get("/", [("X-User", "b")])) == 2)
        // Without the header, the client address is the key (a namespace of its own).
        #expect(self.passed(5, byHeader, services: services, head: FilterHarness.get()) == 2)
        #expect(self.passed(5, byHeader, services: services, clientIP: "192.0.2.9", head: FilterHarness.get()) == 2)
        // Very long values are hashed, not stored.
        let long = String(repeating: "x", count: 5000)
        #expect(self.passed(5, byHeader, services: services, head: FilterHarness.get("/", [("X-User", long)])) == 2)

        let byConsumer = try ManualClockRateLimit.filter(
            "    type: rate_limit\n    rate: 1/h\n    burst: 2\n    key: consumer", clock: clock)
        #expect(self.passed(5, byConsumer, services: services) { $0.consumer = "mobile" } == 2)
        #expect(self.passed(5, byConsumer, services: services) { $0.consumer = "partner" } == 2)

        let byClaim = try ManualClockRateLimit.filter(
            "    type: rate_limit\n    rate: 1/h\n    burst: 2\n    key: jwt:sub", clock: clock)
        #expect(self.passed(5, byClaim, services: services) { $0.values["jwt.sub"] = "user-1" } == 2)
        #expect(self.passed(5, byClaim, services: services) { $0.values["jwt.sub"] = "user-2" } == 2)

        let byRoute = try ManualClockRateLimit.filter(
            "    type: rate_limit\n    rate: 1/h\n    burst: 2\n    key: route", clock: clock)
        #expect(self.passed(1, byRoute, services: services, clientIP: "192.0.2.1", route: "a") == 1)
        #expect(self.passed(5, byRoute, services: services, clientIP: "192.0.2.2", route: "a") == 1)
        #expect(self.passed(5, byRoute, services: services, clientIP: "192.0.2.3", route: "b") == 2)
    }

    @Test func slidingWindowWeighsThePreviousWindow() throws {
        let clock = ManualClock()
        let filter = try ManualClockRateLimit.filter(
            "    type: rate_limit\n    algorithm: sliding_window\n    rate: 10/s", clock: clock)
        let services = TestServices()
        #expect(self.passed(20, filter, services: services) == 10)
        var refused = FilterHarness.context(FilterHarness.get(), filter: filter, services: services)
        let error = try #require(filter.onRequest(&refused).rejection)
        #expect(error.headers["RateLimit-Limit"] == "10")
        // Next window begins at 1 s; the previous one still counts in full, then less and less.
        #expect(error.headers["Retry-After"] == "2")
        clock.advance(milliseconds: 1000)
        #expect(self.passed(5, filter, services: services) == 0)
        clock.advance(milliseconds: 500)
        #expect(self.passed(20, filter, services: services) == 5)
        clock.advance(milliseconds: 100)
        // previous 10 × 0.4 + current 5 = 9: one more.
        #expect(self.passed(20, filter, services: services) == 1)
        clock.advance(milliseconds: 10_000)
        #expect(self.passed(20, filter, services: services) == 10)
    }

    @Test func slidingWindowRetryAfterIsWhenRoomAppears() {
        let rule = SlidingWindow(limit: 10, windowNanoseconds: 1_000_000_000)!
        var state: UInt64 = 0
        for _ in 0..<10 { state = rule.decide(state, now: 0).state }
        let refused = rule.decide(state, now: 0).decision
        #expect(!refused.allowed)
        // Room appears in the next window once 10 × (1 − e) ≤ 9, at e = 0.1 s: 1.1 s from now.
        #expect(refused.retryAfterNanoseconds == 1_100_000_000)
        #expect(rule.decide(state, now: 1_099_999_999).decision.allowed == false)
        #expect(rule.decide(state, now: 1_100_000_000).decision.allowed == true)
    }

    @Test func idleKeysAreForgotten() {
        let clock = ManualClock()
        let store = LocalRateLimitStore(
            rule: TokenBucket(count: 10, periodNanoseconds: 1_000_000_000, burst: 10)!, maxKeys: 1000,
            clock: clock.clock)
        let cache = LocalRateLimitStore<TokenBucket>.LoopCache()
        for index in 0..<100 { _ = store.acquire("client-\(index)", cache: cache) }
        #expect(store.keyCount == 100)
        // Each bucket refills within 100 ms; the sweep runs every second.
        clock.advance(milliseconds: 1000)
        _ = store.acquire("fresh", cache: cache)
        #expect(store.keyCount == 1)
        // A forgotten key starts again with a full bucket, exactly as before.
        var passed = 0
        for _ in 0..<20 where store.acquire("client-1", cache: cache).allowed { passed += 1 }
        #expect(passed == 10)
    }

    @Test func keysBeyondTheCapShareOneOverflowBucket() {
        let clock = ManualClock()
        let store = LocalRateLimitStore(
            rule: TokenBucket(count: 1, periodNanoseconds: 1_000_000_000, burst: 2)!, maxKeys: 3, clock: clock.clock)
        let cache = LocalRateLimitStore<TokenBucket>.LoopCache()
        for key in ["a", "b", "c"] {
            #expect(store.acquire(key, cache: cache).allowed)
        }
        #expect(store.keyCount == 3)
        // A flood of new keys: the map stays at its cap, and the newcomers share one bucket.
        var passed = 0
        for index in 0..<1000 where store.acquire("flood-\(index)", cache: cache).allowed { passed += 1 }
        #expect(passed == 2)
        #expect(store.keyCount == 3)
        // Keys that had their own cell keep it.
        #expect(store.acquire("a", cache: cache).allowed)
        #expect(!store.acquire("a", cache: cache).allowed)
        // Once idle keys are swept, a new key gets a cell of its own again.
        clock.advance(milliseconds: 5000)
        #expect(store.acquire("late", cache: cache).allowed)
        #expect(store.acquire("late", cache: cache).allowed)
        #expect(!store.acquire("late", cache: cache).allowed)
        #expect(store.keyCount <= 3)
    }

    @Test func concurrentThreadsGetExactlyTheQuota() {
        let clock = ManualClock()
        let store = LocalRateLimitStore(
            rule: TokenBucket(count: 1, periodNanoseconds: 3_600_000_000_000, burst: 1000)!, maxKeys: 100,
            clock: clock.clock)
        let allowed = Atomic<Int>(0)
        let perKey = Mutex<[String: Int]>([:])
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            let cache = LocalRateLimitStore<TokenBucket>.LoopCache()
            var mine: [String: Int] = [:]
            for index in 0..<1500 {
                let key = index % 3 == 0 ? "shared" : "key-\(index % 5)"
                if store.acquire(key, cache: cache).allowed {
                    allowed.add(1, ordering: .relaxed)
                    mine[key, default: 0] += 1
                }
            }
            perKey.withLock { totals in
                for (key, count) in mine { totals[key, default: 0] += count }
            }
        }
        let totals = perKey.withLock { $0 }
        #expect(totals["shared"] == 1000)
        for key in ["key-1", "key-2", "key-3", "key-4", "key-0"] {
            #expect(totals[key] == 1000, "\(key): \(totals[key] ?? 0)")
        }
        #expect(allowed.load(ordering: .relaxed) == 6000)
    }

    @Test func concurrentThreadsStayExactWhileKeysExpire() {
        // Time moves while eight threads hammer a few keys: sweeps retire idle cells under
        // them. No key may ever get more than its bucket plus what time refilled.
        let clock = ManualClock()
        let store = LocalRateLimitStore(
            rule: TokenBucket(count: 10, periodNanoseconds: 1_000_000_000, burst: 5)!, maxKeys: 100,
            clock: clock.clock)
        let allowed = Mutex<[String: Int]>([:])
        let steps = 200
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            let cache = LocalRateLimitStore<TokenBucket>.LoopCache()
            var mine: [String: Int] = [:]
            for step in 0..<steps {
                if thread == 0 { clock.advance(milliseconds: 50) }
                let key = "k\(step % 4)"
                if store.acquire(key, cache: cache).allowed { mine[key, default: 0] += 1 }
            }
            allowed.withLock { totals in
                for (key, count) in mine { totals[key, default: 0] += count }
            }
        }
        // 200 steps × 50 ms = 10 s: at most 5 + 10/s × 10 s per key.
        for (key, count) in allowed.withLock({ $0 }) {
            #expect(count <= 105, "\(key): \(count)")
        }
    }
}
