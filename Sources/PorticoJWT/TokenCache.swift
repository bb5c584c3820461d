import Foundation  // memcmp
import NIOCore
import PorticoCore
import PorticoHTTP

/// What a verified token gives every request that carries it, computed once.
final class CachedToken: Sendable {
    /// Set as the request's consumer when none is set yet.
    let consumer: String?
    /// Copied into the request's values (`jwt.<claim>`).
    let values: RequestValues
    /// The 403 for a token without the required roles or scopes; nil when it may pass.
    let forbidden: GatewayError?

    init(consumer: String?, values: RequestValues, forbidden: GatewayError?) {
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
    private var index: [Key: Int] = [:]
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
        guard let slot = self.index[Key(token)] else { return nil }
        guard now < self.slots[slot].deadline else { return nil }
        self.slots[slot].referenced = true
        return self.slots[slot].entry
    }

    /// Adds or replaces the entry for `token`, usable until `deadline`.
    func insert(_ token: Substring, entry: CachedToken, deadline: NIODeadline, now: NIODeadline) {
        if let slot = self.index[Key(token)] {
            self.slots[slot].entry = entry
            self.slots[slot].deadline = deadline
            self.slots[slot].referenced = true
            return
        }
        // The key keeps the header text it came from alive; copying it makes it compact.
        let key = Substring(String(token))
        if self.slots.count < self.capacity {
            self.index[Key(key)] = self.slots.count
            self.slots.append(Slot(token: key, entry: entry, deadline: deadline, referenced: false))
            return
        }
        let victim = self.victim(now: now)
        self.index[Key(self.slots[victim].token)] = nil
        self.index[Key(key)] = victim
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

extension TokenCache {
    /// A token as a dictionary key, hashed on a fingerprint of its length and last bytes.
    ///
    /// Hashing the whole token (hundreds of bytes) cost more than the rest of a cached
    /// verification. The end of a JWT is its signature, which is as good as random, and only
    /// tokens that passed verification are ever stored, so nobody can fill the table with
    /// keys that collide; equality still compares every byte.
    struct Key: Hashable {
        let token: Substring
        let fingerprint: UInt64

        init(_ token: Substring) {
            self.token = token
            var copy = token  // `withUTF8` is mutating; the copy shares the storage
            self.fingerprint = copy.withUTF8 { Self.fingerprint(of: UnsafeRawBufferPointer($0)) }
        }

        /// The length and up to 16 trailing bytes, mixed into one word.
        static func fingerprint(of bytes: UnsafeRawBufferPointer) -> UInt64 {
            var value = UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15
            var index = max(0, bytes.count - 16)
            while index < bytes.count {
                value = (value ^ UInt64(bytes[index])) &* 0x0000_0100_0000_01B3
                index += 1
            }
            return value
        }

        static func == (lhs: Key, rhs: Key) -> Bool {
            guard lhs.fingerprint == rhs.fingerprint else { return false }
            var left = lhs.token
            var right = rhs.token
            return left.withUTF8 { a in
                right.withUTF8 { b in
                    a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
                }
            }
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(self.fingerprint)
        }
    }
}
