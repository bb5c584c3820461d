import NIOCore
import PorticoHTTP

/// What a verified token gives every request that carries it, computed once.
final class CachedToken: Sendable {
    /// Set as the request's consumer when none is set yet.
    let consumer: String?
    /// Copied into the request's values (`jwt.<claim>`).
    let values: [String: String]
    /// The 403 for a token without the required roles or scopes; nil when it may pass.
    let forbidden: GatewayError?

    init(consumer: String?, values: [String: String], forbidden: GatewayError?) {
        self.consumer = consumer
        self.values = values
        self.forbidden = forbidden
    }
}

/// Verified tokens of one filter on one event loop, keyed by the token text.
///
/// Lives in the loop's filter state (``RequestContext/loopState(for:make:)``), so it needs no
/// lock. Bounded by `capacity` with CLOCK (second-chance) eviction: a hit only sets a bit,
/// which keeps the hit path free of list surgery and allocation. Each entry expires at its
/// token's `exp` (plus leeway), and at the latest `maxAge` after it was verified, which bounds
/// how long a key dropped from the JWKS keeps working for cached tokens.
final class TokenCache {
    private struct Slot {
        var token: Substring
        var entry: CachedToken
        var deadline: NIODeadline
        var referenced: Bool
    }

    let capacity: Int
    private var index: [Substring: Int] = [:]
    private var slots: [Slot] = []
    private var hand = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        self.index.reserveCapacity(min(self.capacity, 1024))
    }

    /// The number of entries (expired ones included until they are replaced).
    var count: Int { self.slots.count }

    /// The entry for `token`, unless absent or expired at `now`.
    func lookup(_ token: Substring, now: NIODeadline) -> CachedToken? {
        guard let slot = self.index[token] else { return nil }
        guard now < self.slots[slot].deadline else { return nil }
        self.slots[slot].referenced = true
        return self.slots[slot].entry
    }

    /// Adds or replaces the entry for `token`, usable until `deadline`.
    func insert(_ token: Substring, entry: CachedToken, deadline: NIODeadline, now: NIODeadline) {
        if let slot = self.index[token] {
            self.slots[slot].entry = entry
            self.slots[slot].deadline = deadline
            self.slots[slot].referenced = true
            return
        }
        // The key keeps the header text it came from alive; copying it makes it compact.
        let key = Substring(String(token))
        if self.slots.count < self.capacity {
            self.index[key] = self.slots.count
            self.slots.append(Slot(token: key, entry: entry, deadline: deadline, referenced: false))
            return
        }
        let victim = self.victim(now: now)
        self.index[self.slots[victim].token] = nil
        self.index[key] = victim
        self.slots[victim] = Slot(token: key, entry: entry, deadline: deadline, referenced: false)
    }

    /// The slot to reuse: the first expired or unreferenced one from the hand, clearing
    /// reference bits on the way (at most two sweeps).
    private func victim(now: NIODeadline) -> Int {
        while true {
            let slot = self.hand
            self.hand = (self.hand + 1) % self.slots.count
            if self.slots[slot].deadline <= now || !self.slots[slot].referenced { return slot }
            self.slots[slot].referenced = false
        }
    }
}
