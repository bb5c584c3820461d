import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PorticoCore
import Testing

@testable import PorticoJWT

/// A request context carried into event-loop callbacks (touched on one loop only).
final class ContextBox: @unchecked Sendable {
    var context: RequestContext

    init(_ context: RequestContext) {
        self.context = context
    }
}

/// JWKS fetching: single flight, rate limit, failures, the schedule, without sockets.
@Suite(.timeLimit(.minutes(1))) struct JWKSRefetchTests {
    /// A JWKS "server" in memory that counts fetches and answers slowly.
    final class FakeIdP: Sendable {
        private let document = NIOLockedValueBox<String>("")
        private let fetches = NIOLockedValueBox<Int>(0)
        private let failing = NIOLockedValueBox<Bool>(false)
        let delay: Duration

        init(_ keys: [[String: String]], delay: Duration = .milliseconds(100)) {
            self.delay = delay
            self.publish(keys)
        }

        func publish(_ keys: [[String: String]]) {
            self.document.withLockedValue { $0 = TestKeys.jwks(keys) }
        }

        func fail(_ failing: Bool) {
            self.failing.withLockedValue { $0 = failing }
        }

        var count: Int { self.fetches.withLockedValue { $0 } }

        var fetcher: JWKSFetcher {
            { _ in
                self.fetches.withLockedValue { $0 += 1 }
                try await Task.sleep(for: self.delay)
                if self.failing.withLockedValue({ $0 }) { throw KeyError("identity provider down") }
                return Array(self.document.withLockedValue { $0 }.utf8)
            }
        }
    }

    private func filter(
        _ idp: FakeIdP, minRefetch: TimeAmount = .seconds(30), refresh: TimeAmount = .minutes(5),
        monotonic: MonotonicOffset? = nil
    ) throws -> JWTFilter {
        try JWTHarness.filter(
            JWTFilter.Configuration(
                algorithms: [.rs256, .es256],
                jwksURL: "https://idp.test/jwks.json",
                jwksRefresh: refresh,
                jwksMinRefetchInterval: minRefetch
            ),
            monotonic: monotonic,
            fetcher: idp.fetcher
        )
    }

    /// Runs `onRequest`, and after a suspension waits and runs it again, as the flow does.
    private func admit(_ filter: JWTFilter, token: String, services: TestServices) async throws -> FilterDecision {
        var context = JWTHarness.context([("Authorization", "Bearer \(token)")], filter: filter, services: services)
        var decision = filter.onRequest(&context)
        var suspensions = 0
        while let future = decision.suspension {
            suspensions += 1
            #expect(suspensions == 1, "a request suspends at most once")
            guard suspensions == 1 else { break }
            try await future.get()
            decision = filter.onRequest(&context)
        }
        return decision
    }

    @Test func firstRequestWaitsForTheFirstFetch() async throws {
        let idp = FakeIdP([TestKeys.jwk(.rsa(TestKeys.rsa), kid: "k1")])
        let filter = try self.filter(idp)
        #expect(idp.count == 0)
        let decision = try await self.admit(filter, token: Mint.token("RS256"), services: TestServices())
        #expect(decision.isProceed, "\(String(describing: decision.error))")
        #expect(idp.count == 1)
        #expect(filter.store.keySet.generation == 1)
    }

    @Test func rotationUnderABurstFetchesOnce() async throws {
        let idp = FakeIdP([TestKeys.jwk(.rsa(TestKeys.rsa), kid: "k1")])
        let filter = try self.filter(idp, minRefetch: .milliseconds(200))
        #expect(try await self.admit(filter, token: Mint.token("RS256"), services: TestServices()).isProceed)
        #expect(idp.count == 1)

        idp.publish([TestKeys.jwk(.rsa(TestKeys.rsa2), kid: "k2"), TestKeys.jwk(.rsa(TestKeys.rsa), kid: "k1")])
        try await Task.sleep(for: .milliseconds(250))
        let loops = [TestServices(), TestServices(), TestServices()]
        let decisions = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<60 {
                let token = Mint.token(
                    "RS256", kid: "k2", claims: Mint.claims(["jti": "\(index)"]), signer: .rsa(TestKeys.rsa2))
                let services = loops[index % loops.count]
                // Each loop's state is touched from its own loop only, like in the server.
                group.addTask {
                    try await services.eventLoop.flatSubmit {
                        let box = ContextBox(
                            JWTHarness.context(
                                [("Authorization", "Bearer \(token)")], filter: filter, services: services))
                        let first = filter.onRequest(&box.context)
                        guard let future = first.suspension else {
                            return services.eventLoop.makeSucceededFuture(first.isProceed)
                        }
                        return future.map { filter.onRequest(&box.context).isProceed }
                    }.get()
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(decisions.count == 60)
        #expect(decisions.allSatisfy { $0 })
        #expect(idp.count == 2)
    }

    /// A request that read the keys just before another loop's fetch installed new ones
    /// checks the new keys instead of being refused by the rate limit.
    @Test func aFetchFinishingInBetweenIsNotMissed() async throws {
        let idp = FakeIdP([TestKeys.jwk(.rsa(TestKeys.rsa), kid: "k1")], delay: .milliseconds(1))
        let filter = try self.filter(idp, minRefetch: .seconds(30))
        #expect(try await self.admit(filter, token: Mint.token("RS256"), services: TestServices()).isProceed)
        let seen = filter.store.keySet.generation
        #expect(seen == 1)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        // Rate-limited, nothing new: refused.
        guard case .refused = filter.store.refetch(on: loop, seen: seen) else {
            Issue.record("expected a refusal")
            return
        }
        // Another fetch installs generation 2 (forced past the rate limit here).
        idp.publish([TestKeys.jwk(.rsa(TestKeys.rsa2), kid: "k2")])
        guard case .wait(let fetched) = filter.store.refetch(on: loop, seen: seen, now: .now() + .minutes(1)) else {
            Issue.record("expected a fetch")
            return
        }
        try await fetched.get()
        guard case .newerKeys(let keys) = filter.store.refetch(on: loop, seen: seen) else {
            Issue.record("expected the newer keys")
            return
        }
        #expect(keys.generation == 2)
        #expect(keys.keys.map(\.kid) == ["k2"])
    }

    @Test func junkKidsAreRateLimited() async throws {
        let idp = FakeIdP([TestKeys.jwk(.rsa(TestKeys.rsa), kid: "k1")], delay: .milliseconds(10))
        // The rate limit runs on a clock the test moves: wall time under a loaded test run
        // must not decide the outcome.
        let time = MonotonicOffset()
        let filter = try self.filter(idp, minRefetch: .seconds(30), monotonic: time)
        let services = TestServices()
        #expect(try await self.admit(filter, token: Mint.token("RS256"), services: services).isProceed)
        #expect(idp.count == 1)
        // Within the interval: no fetch at all, an immediate 401.
        for index in 0..<20 {
            let junk = Mint.token("RS256", kid: "junk-\(index)", signer: .rsa(TestKeys.rsa2))
            let decision = try await self.admit(filter, token: junk, services: services)
            #expect(decision.error?.message == "invalid token: unknown signing key")
        }
        #expect(idp.count == 1)
        // After it: one fetch, however many junk tokens come.
        time.advance(by: .seconds(31))
        for index in 0..<20 {
            let junk = Mint.token("RS256", kid: "junk2-\(index)", signer: .rsa(TestKeys.rsa2))
            #expect(try await self.admit(filter, token: junk, services: services).status == 401)
        }
        #expect(idp.count == 2)
        // Expired tokens with unknown kids are not worth a fetch at all.
        time.advance(by: .seconds(31))
        let expired = Mint.token("RS256", kid: "old", claims: Mint.claims(["exp": 1000]), signer: .rsa(TestKeys.rsa2))
        #expect(try await self.admit(filter, token: expired, services: services).status == 401)
        #expect(idp.count == 2)
    }

    @Test func failedFetchesKeepTheKeys() async throws {
        let idp = FakeIdP([TestKeys.jwk(.rsa(TestKeys.rsa), kid: "k1")], delay: .milliseconds(5))
        let filter = try self.filter(idp, minRefetch: .milliseconds(50))
        let services = TestServices()
        #expect(try await self.admit(filter, token: Mint.token("RS256"), services: services).isProceed)
        idp.fail(true)
        try await Task.sleep(for: .milliseconds(60))
        let unknown = Mint.token("RS256", kid: "k9", signer: .rsa(TestKeys.rsa2))
        #expect(try await self.admit(filter, token: unknown, services: services).status == 401)
        #expect(idp.count == 2)
        // k1 still verifies (a new token, so not from the cache).
        let again = Mint.token("RS256", claims: Mint.claims(["jti": "again"]))
        #expect(try await self.admit(filter, token: again, services: services).isProceed)
        // So do bad documents and sets without usable keys.
        idp.fail(false)
        idp.publish([["kty": "oct", "k": "c2VjcmV0", "kid": "k9"]])
        try await Task.sleep(for: .milliseconds(60))
        #expect(try await self.admit(filter, token: unknown, services: services).status == 401)
        let third = Mint.token("RS256", claims: Mint.claims(["jti": "third"]))
        #expect(try await self.admit(filter, token: third, services: services).isProceed)
        #expect(filter.store.keySet.generation == 1)
    }

    @Test func jwksKeysHonourAlgAndUseAndSkipTheRest() async throws {
        let idp = FakeIdP(
            [
                TestKeys.jwk(.rsa(TestKeys.rsa), kid: "rs", alg: "RS256"),
                TestKeys.jwk(.rsa(TestKeys.rsa2), kid: "enc").merging(["use": "enc"]) { $1 },
                TestKeys.jwk(.p256(TestKeys.p256), kid: "ec"),
                ["kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"],
                ["kty": "oct", "kid": "sym", "k": Base64URL.encode(Array(TestKeys.secret.utf8))],
                ["kty": "AKP", "kid": "future", "alg": "ML-DSA-65"],
            ], delay: .milliseconds(1))
        let filter = try self.filter(idp)
        let services = TestServices()
        #expect(try await self.admit(filter, token: Mint.token("RS256", kid: "rs"), services: services).isProceed)
        #expect(filter.store.keySet.keys.map(\.kid) == ["rs", "ec"])
        #expect(try await self.admit(filter, token: Mint.token("ES256", kid: "ec"), services: services).isProceed)
        let encKey = Mint.token("RS256", kid: "enc", signer: .rsa(TestKeys.rsa2))
        #expect(try await self.admit(filter, token: encKey, services: services).status == 401)
    }

    @Test func scheduledRefreshStopsWhenTheFilterIsReleased() async throws {
        let idp = FakeIdP([TestKeys.jwk(.rsa(TestKeys.rsa), kid: "k1")], delay: .milliseconds(1))
        weak var store: KeyStore?
        do {
            let filter = try self.filter(idp, minRefetch: .milliseconds(10), refresh: .milliseconds(50))
            store = filter.store
            #expect(try await self.admit(filter, token: Mint.token("RS256"), services: TestServices()).isProceed)
            try await Task.sleep(for: .milliseconds(300))
            #expect(idp.count >= 3, "the schedule refreshes")
        }
        // Released: the task notices at its next wake-up at the latest, and fetches no more.
        try await Task.sleep(for: .milliseconds(150))
        #expect(store == nil)
        let count = idp.count
        try await Task.sleep(for: .milliseconds(300))
        #expect(idp.count == count)
    }
}
