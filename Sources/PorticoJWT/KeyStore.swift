import AsyncHTTPClient
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PorticoCore

/// Fetches the JWKS document at a URL (the body bytes of a 200 answer).
typealias JWKSFetcher = @Sendable (_ url: String) async throws -> [UInt8]

/// The keys of one filter instance, shared by every event loop, and the JWKS fetching that
/// keeps them current.
///
/// - Request path: ``keySet`` is read once per cache miss (a short lock); a hit never
///   touches the store.
/// - Unknown `kid`: ``refetch(on:seen:now:)`` joins the fetch in flight or starts one, at most one
///   per `minRefetchInterval` (single-flight across all loops, rate-limited), so a rotation is
///   picked up at once while junk `kid`s cannot hammer the identity provider.
/// - Schedule: a detached task fetches on the first cache miss and every `refreshInterval`. It holds the
///   store only weakly while it sleeps and is cancelled when the store goes away, so a config
///   reload that drops the filter leaves nothing running.
/// - A failed fetch (network, status, bad JSON, no usable key) keeps the previous keys.
final class KeyStore: Sendable {
    /// Where and how often to fetch the JWKS.
    struct JWKSSettings: Sendable {
        var url: String
        var refreshInterval: TimeAmount
        var minRefetchInterval: TimeAmount
    }

    private struct State {
        var keySet: KeySet
        var fetching = false
        var waiters: [EventLoopPromise<Void>] = []
        var lastFetchStarted: NIODeadline?
        var fetches = 0
        var started = false
        var refreshTask: Task<Void, Never>?
    }

    /// The keys from configuration, always part of the set.
    let configured: [VerificationKey]
    /// The JWKS source, if any.
    let jwks: JWKSSettings?
    private let allowed: [SigningAlgorithm]
    private let fetcher: JWKSFetcher
    private let logger: Logger
    private let state: NIOLockedValueBox<State>
    /// Monotonic time for the refetch rate limit (injectable for tests).
    private let monotonic: @Sendable () -> NIODeadline

    init(
        configured: [VerificationKey],
        jwks: JWKSSettings?,
        allowed: [SigningAlgorithm],
        fetcher: @escaping JWKSFetcher,
        logger: Logger,
        monotonic: @escaping @Sendable () -> NIODeadline = { .now() }
    ) {
        self.monotonic = monotonic
        self.configured = configured
        self.jwks = jwks
        self.allowed = allowed
        self.fetcher = fetcher
        self.logger = logger
        self.state = NIOLockedValueBox(State(keySet: KeySet(keys: configured, generation: 0)))
    }

    deinit {
        self.state.withLockedValue { $0.refreshTask }?.cancel()
    }

    /// The current keys.
    var keySet: KeySet { self.state.withLockedValue { $0.keySet } }

    /// The current keys, for a cache miss. The first call starts the JWKS schedule (its first
    /// fetch is in flight on return, so a token needing a JWKS key waits for it): a config
    /// that is only validated, or never serves a request, never contacts the identity provider.
    func keysForVerification() -> KeySet {
        let (keySet, start) = self.state.withLockedValue { state -> (KeySet, Bool) in
            guard !state.started, self.jwks != nil else { return (state.keySet, false) }
            Self.claimFetch(&state, now: self.monotonic())
            state.started = true
            return (state.keySet, true)
        }
        if start { self.spawnRefreshTask() }
        return keySet
    }

    /// Starts the JWKS schedule now rather than on the first request.
    func startRefreshing() {
        let start = self.state.withLockedValue { state -> Bool in
            guard !state.started, self.jwks != nil else { return false }
            Self.claimFetch(&state, now: self.monotonic())
            state.started = true
            return true
        }
        if start { self.spawnRefreshTask() }
    }

    private static func claimFetch(_ state: inout State, now: NIODeadline) {
        state.fetching = true
        state.lastFetchStarted = now
        state.fetches += 1
    }

    /// JWKS fetches started so far (scheduled and on demand).
    var fetchCount: Int { self.state.withLockedValue { $0.fetches } }

    /// What ``refetch(on:seen:now:)`` found.
    enum Refetch {
        /// Wait for this future (on the requester's loop; it always succeeds): the fetch in
        /// flight, or one started now, has finished and its keys are installed.
        case wait(EventLoopFuture<Void>)
        /// Keys newer than the ones the token was checked against are already installed
        /// (a fetch finished in between): check again with these, no need to wait.
        case newerKeys(KeySet)
        /// No JWKS URL, or the last fetch started less than `minRefetchInterval` ago.
        case refused
    }

    /// Asks for a JWKS refetch because a token named an unknown `kid`, after checking it
    /// against the keys of generation `seen`.
    func refetch(on eventLoop: any EventLoop, seen: Int, now: NIODeadline? = nil) -> Refetch {
        guard let jwks = self.jwks else { return .refused }
        let now = now ?? self.monotonic()
        let (answer, start) = self.state.withLockedValue { state -> (Refetch, Bool) in
            if state.keySet.generation != seen {
                return (.newerKeys(state.keySet), false)
            }
            if state.fetching {
                let promise = eventLoop.makePromise(of: Void.self)
                state.waiters.append(promise)
                return (.wait(promise.futureResult), false)
            }
            if let last = state.lastFetchStarted, now - last < jwks.minRefetchInterval {
                return (.refused, false)
            }
            Self.claimFetch(&state, now: now)
            let promise = eventLoop.makePromise(of: Void.self)
            state.waiters.append(promise)
            return (.wait(promise.futureResult), true)
        }
        if start {
            Task.detached { _ = await self.fetchAndInstall() }
        }
        return answer
    }

    /// The schedule: the fetch claimed by the caller, then one every `refreshInterval` (or
    /// sooner after a failure).
    private func spawnRefreshTask() {
        guard let jwks = self.jwks else { return }
        let weakStore = WeakStore(self)
        let retry = Duration.nanoseconds(
            min(jwks.refreshInterval.nanoseconds, max(jwks.minRefetchInterval.nanoseconds, 1_000_000_000)))
        let refresh = Duration.nanoseconds(jwks.refreshInterval.nanoseconds)
        let task = Task.detached {
            var next = await Self.scheduledStep(weakStore, claimed: true, refresh: refresh, retry: retry)
            while let delay = next {
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return
                }
                next = await Self.scheduledStep(weakStore, claimed: false, refresh: refresh, retry: retry)
            }
        }
        self.state.withLockedValue { $0.refreshTask = task }
    }

    /// One scheduled fetch; the strong reference lives only for the fetch, never across the
    /// sleep. Nil once the store is gone.
    private static func scheduledStep(
        _ weakStore: WeakStore, claimed: Bool, refresh: Duration, retry: Duration
    ) async -> Duration? {
        guard let store = weakStore.store else { return nil }
        if !claimed {
            let claimedNow = store.state.withLockedValue { state -> Bool in
                guard !state.fetching else { return false }
                Self.claimFetch(&state, now: store.monotonic())
                return true
            }
            guard claimedNow else { return refresh }
        }
        return await store.fetchAndInstall() ? refresh : retry
    }

    /// Fetches and installs the JWKS (the caller marked the fetch as in flight), then wakes
    /// every request waiting for it. True if new keys were installed.
    private func fetchAndInstall() async -> Bool {
        guard let jwks = self.jwks else { return false }
        var installed = false
        do {
            let body = try await self.fetcher(jwks.url)
            guard let document = JSONReader.parseJOSE(body) else { throw KeyError("the JWKS is not valid JSON") }
            let (keys, skipped) = try VerificationKey.keySet(document, allowed: self.allowed, allowSymmetric: false)
            guard !keys.isEmpty else {
                throw KeyError("the JWKS has no key usable with the configured algorithms (\(skipped) skipped)")
            }
            let generation = self.state.withLockedValue { state -> Int in
                state.keySet = KeySet(keys: self.configured + keys, generation: state.keySet.generation + 1)
                return state.keySet.generation
            }
            installed = true
            self.logger.debug(
                "JWKS fetched",
                metadata: ["keys": "\(keys.count)", "skipped": "\(skipped)", "generation": "\(generation)"])
        } catch {
            // The URL is configuration, but may carry credentials: log only the error.
            self.logger.warning("JWKS fetch failed; keeping the previous keys", metadata: ["error": "\(error)"])
        }
        let waiters = self.state.withLockedValue { state -> [EventLoopPromise<Void>] in
            state.fetching = false
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.succeed() }
        return installed
    }

    /// The default fetcher: a GET through the shared AsyncHTTPClient (control plane only).
    static func httpFetcher(timeout: TimeAmount, maxBytes: Int = 1 << 20) -> JWKSFetcher {
        { url in
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "accept", value: "application/jwk-set+json, application/json")
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            guard response.status.code == 200 else { throw KeyError("the JWKS URL answered \(response.status.code)") }
            let body = try await response.body.collect(upTo: maxBytes)
            return Array(body.readableBytesView)
        }
    }
}

/// A weak reference the refresh task can hold without keeping the store alive.
private final class WeakStore: Sendable {
    weak let store: KeyStore?

    init(_ store: KeyStore) {
        self.store = store
    }
}
