import NIOCore
import PorticoCore
import Testing

@testable import PorticoJWT

/// The per-loop verified-token cache.
@Suite struct JWTCacheTests {
    private func filter(clock: ManualClock, _ adjust: (inout JWTFilter.Configuration) -> Void = { _ in }) throws
        -> JWTFilter
    {
        var configuration = JWTFilter.Configuration(
            algorithms: [.hs256], keys: [.init(kid: "k1", secret: TestKeys.secret)], leeway: .zero)
        adjust(&configuration)
        return try JWTHarness.filter(configuration, clock: clock)
    }

    @Test func hitsSkipVerificationUntilExp() throws {
        let clock = ManualClock()
        let filter = try self.filter(clock: clock)
        let services = TestServices()
        let start = NIODeadline.now()
        let token = Mint.token("HS256", claims: ["sub": "u", "exp": Int(clock.now) + 60])

        #expect(JWTHarness.run(filter, token: token, services: services, startedAt: start).0.isProceed)
        // The wall clock is read on misses only: past exp, a cached token still passes while
        // its entry lives, which shows the second request did not verify again.
        clock.advance(by: 1000)
        let hit = JWTHarness.run(filter, token: token, services: services, startedAt: start + .seconds(30))
        #expect(hit.0.isProceed)
        #expect(hit.1.consumer == "u")
        #expect(hit.1.values["jwt.sub"] == "u")
        // The entry ends at exp (60 s after it was verified): then the token is verified
        // again, and now it has expired.
        let after = JWTHarness.run(filter, token: token, services: services, startedAt: start + .seconds(61))
        #expect(after.0.error?.message == "invalid token: token expired")
    }

    @Test func tokensWithoutExpLiveAtMostTheCacheTTL() throws {
        let clock = ManualClock()
        let filter = try self.filter(clock: clock) { $0.cacheTTL = .seconds(10) }
        let services = TestServices()
        let start = NIODeadline.now()
        let token = Mint.token("HS256", claims: ["sub": "u", "nbf": Int(clock.now) - 1])
        #expect(JWTHarness.run(filter, token: token, services: services, startedAt: start).0.isProceed)
        let cache = services.filterState(for: ObjectIdentifier(filter.store)) { TokenCache(capacity: 1) }
        #expect(cache.lookup(token[...], now: start + .seconds(9)) != nil)
        #expect(cache.lookup(token[...], now: start + .seconds(11)) == nil)
    }

    @Test func forbiddenDecisionsAreCachedToo() throws {
        let clock = ManualClock()
        let filter = try self.filter(clock: clock) { $0.requiredRoles = ["admin"] }
        let services = TestServices()
        let token = Mint.token("HS256", claims: ["sub": "u", "exp": Int(clock.now) + 60, "roles": ["user"]])
        #expect(JWTHarness.run(filter, token: token, services: services).0.status == 403)
        let second = JWTHarness.run(filter, token: token, services: services)
        #expect(second.0.status == 403)
        #expect(second.1.consumer == "u")
    }

    @Test func theCacheIsBounded() throws {
        let clock = ManualClock()
        let filter = try self.filter(clock: clock) { $0.cacheSize = 3 }
        let services = TestServices()
        for index in 0..<10 {
            let token = Mint.token("HS256", claims: ["sub": "u\(index)", "exp": Int(clock.now) + 60])
            #expect(JWTHarness.run(filter, token: token, services: services).0.isProceed)
        }
        let cache = services.filterState(for: ObjectIdentifier(filter.store)) { TokenCache(capacity: 1) }
        #expect(cache.count == 3)
        #expect(cache.capacity == 3)
    }

    @Test func clockEvictionSparesRecentlyUsedEntries() {
        let cache = TokenCache(capacity: 2)
        let now = NIODeadline.now()
        let later = now + .seconds(60)
        let entry = CachedToken(consumer: nil, values: [:], forbidden: nil)
        cache.insert("a", entry: entry, deadline: later, now: now)
        cache.insert("b", entry: entry, deadline: later, now: now)
        #expect(cache.lookup("a", now: now) != nil)
        cache.insert("c", entry: entry, deadline: later, now: now)
        #expect(cache.lookup("a", now: now) != nil)
        #expect(cache.lookup("b", now: now) == nil)
        #expect(cache.lookup("c", now: now) != nil)
        // Expired entries are evicted first.
        cache.insert("d", entry: entry, deadline: now + .seconds(1), now: now)
        #expect(cache.count == 2)
        cache.insert("e", entry: entry, deadline: later, now: now + .seconds(2))
        #expect(cache.lookup("e", now: now) != nil)
        #expect(cache.count == 2)
    }

    @Test func tokensThatShareTheirHashedTailAreStillDifferentKeys() {
        let cache = TokenCache(capacity: 4)
        let now = NIODeadline.now()
        let tail = String(repeating: "s", count: 40)
        let first = CachedToken(consumer: "first", values: [:], forbidden: nil)
        cache.insert(Substring("aaaa." + tail), entry: first, deadline: now + .seconds(60), now: now)
        // Same length, same last bytes (the fingerprint is equal), different start: a miss.
        #expect(cache.lookup(Substring("bbbb." + tail), now: now) == nil)
        #expect(cache.lookup(Substring("aaaa." + tail), now: now)?.consumer == "first")
        // A token inside a longer header value is found by its bytes, wherever they sit.
        let header = "Bearer aaaa." + tail
        #expect(cache.lookup(header.dropFirst(7), now: now)?.consumer == "first")
        let second = CachedToken(consumer: "second", values: [:], forbidden: nil)
        cache.insert(Substring("bbbb." + tail), entry: second, deadline: now + .seconds(60), now: now)
        #expect(cache.lookup(Substring("bbbb." + tail), now: now)?.consumer == "second")
        #expect(cache.lookup(Substring("aaaa." + tail), now: now)?.consumer == "first")
        #expect(cache.count == 2)
        #expect(TokenCache.Key("aaaa." + tail).fingerprint == TokenCache.Key("bbbb." + tail).fingerprint)
        #expect(TokenCache.Key("aaaa." + tail) != TokenCache.Key("bbbb." + tail))
    }

    @Test func cacheSizeZeroTurnsTheCacheOff() throws {
        let clock = ManualClock()
        let filter = try self.filter(clock: clock) { $0.cacheSize = 0 }
        let services = TestServices()
        let token = Mint.token("HS256", claims: ["sub": "u", "exp": Int(clock.now) + 60])
        #expect(JWTHarness.run(filter, token: token, services: services).0.isProceed)
        clock.advance(by: 1000)
        #expect(JWTHarness.run(filter, token: token, services: services).0.status == 401)
    }

    @Test func eachLoopHasItsOwnCache() throws {
        let clock = ManualClock()
        let filter = try self.filter(clock: clock)
        let token = Mint.token("HS256", claims: ["sub": "u", "exp": Int(clock.now) + 60])
        let loopA = TestServices()
        let loopB = TestServices()
        #expect(JWTHarness.run(filter, token: token, services: loopA).0.isProceed)
        clock.advance(by: 1000)
        #expect(JWTHarness.run(filter, token: token, services: loopA).0.isProceed)
        #expect(JWTHarness.run(filter, token: token, services: loopB).0.status == 401)
    }
}
