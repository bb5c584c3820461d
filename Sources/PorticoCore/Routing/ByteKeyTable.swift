/// An immutable open-addressing hash table from (owner, UTF-8 bytes) to a non-negative
/// `Int32`, built once per route table and then only read.
///
/// Route lookups probe it with raw bytes of the request (a path segment, a host or a host
/// suffix), so no `String` is created per request: Swift strings over 15 UTF-8 bytes
/// allocate, and `Dictionary<String, _>` would need one. The owner lets one table hold the
/// literal edges of every trie node (owner = node id).
///
/// Linear probing at a load factor of at most 1/2. The hash is not seeded: only keys from
/// the config are stored, so a client choosing request bytes cannot lengthen the probe
/// sequences, which are fixed when the table is built.
///
/// The storage is unmanaged memory so that probing costs no reference counting; whoever
/// builds a table owns it and calls ``deallocate()`` exactly once (``RouteIndex`` does, in
/// its `deinit`). It is never written after `init`.
struct ByteKeyTable: @unchecked Sendable {
    /// One slot; `value < 0` marks an empty slot.
    private struct Slot: Sendable {
        var hash: UInt64 = 0
        /// The key's first (up to) 8 bytes as ``ByteKeyTable/hash(owner:_:)`` packs them,
        /// so most keys compare without touching `keyBytes`.
        var head: UInt64 = 0
        var owner: Int32 = 0
        var value: Int32 = -1
        var keyStart: Int32 = 0
        var keyLength: Int32 = 0
    }

    private let slots: UnsafeMutableBufferPointer<Slot>
    private let mask: Int
    /// Every key's bytes, back to back.
    private let keyBytes: UnsafeMutableBufferPointer<UInt8>
    /// The number of keys.
    let count: Int

    /// A table of these entries; a key given twice keeps its first value. Keys are bytes,
    /// not `String`s, because `String` equality would merge canonically equivalent keys.
    init(_ entries: [(owner: Int32, key: [UInt8], value: Int32)]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity *= 2 }
        let slots = UnsafeMutableBufferPointer<Slot>.allocate(capacity: capacity)
        slots.initialize(repeating: Slot())
        var keyBytes: [UInt8] = []
        let mask = capacity - 1
        var count = 0
        for entry in entries {
            precondition(entry.value >= 0, "ByteKeyTable values must be non-negative")
            let key = entry.key
            let existing = key.withUnsafeBufferPointer { key in
                keyBytes.withUnsafeBufferPointer { stored in
                    Self.find(
                        owner: entry.owner,
                        in: key,
                        0,
                        key.count,
                        slots: UnsafeBufferPointer(slots),
                        mask: mask,
                        keyBytes: stored
                    )
                }
            }
            guard existing < 0 else { continue }
            let (hash, head) = key.withUnsafeBufferPointer { Self.hash(owner: entry.owner, $0) }
            var position = Int(truncatingIfNeeded: hash) & mask
            while slots[position].value >= 0 { position = (position + 1) & mask }
            slots[position] = Slot(
                hash: hash,
                head: head,
                owner: entry.owner,
                value: entry.value,
                keyStart: Int32(keyBytes.count),
                keyLength: Int32(key.count)
            )
            keyBytes.append(contentsOf: key)
            count += 1
        }
        self.slots = slots
        self.mask = mask
        self.keyBytes = .allocate(capacity: keyBytes.count)
        _ = self.keyBytes.initialize(from: keyBytes)
        self.count = count
    }

    /// Frees the storage; the table must not be used afterwards.
    func deallocate() {
        self.slots.deallocate()
        self.keyBytes.deallocate()
    }

    /// The value stored under (owner, key), or -1.
    @inline(__always)
    func find(owner: Int32, _ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        self.find(owner: owner, in: key, 0, key.count)
    }

    /// The value stored under (owner, `bytes[start..<end]`), or -1. The hash may read any
    /// byte of `bytes` (whole words around the key), so pass the whole buffer the key is in,
    /// e.g. the request path for one of its segments.
    @inline(__always)
    func find(owner: Int32, in bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
        Self.find(
            owner: owner,
            in: bytes,
            start,
            end,
            slots: UnsafeBufferPointer(self.slots),
            mask: self.mask,
            keyBytes: UnsafeBufferPointer(self.keyBytes)
        )
    }

    @inline(__always)
    private static func find(
        owner: Int32,
        in bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        slots: UnsafeBufferPointer<Slot>,
        mask: Int,
        keyBytes: UnsafeBufferPointer<UInt8>
    ) -> Int32 {
        let (hash, head) = Self.hash(owner: owner, in: bytes, start, end)
        let length = end - start
        var position = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[position]
            if slot.value < 0 { return -1 }
            if slot.hash == hash && slot.head == head && slot.owner == owner && Int(slot.keyLength) == length
                && (length <= 8 || Self.tailEqual(bytes, start + 8, end, keyBytes, Int(slot.keyStart) + 8))
            {
                return slot.value
            }
            position = (position + 1) & mask
        }
    }

    /// Whether `key[start..<end]` equals `stored` from `storedStart` on (the first 8 bytes
    /// matched through `head`).
    private static func tailEqual(
        _ key: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ stored: UnsafeBufferPointer<UInt8>,
        _ storedStart: Int
    ) -> Bool {
        var index = start
        var other = storedStart
        while index < end {
            if key[index] != stored[other] { return false }
            index += 1
            other += 1
        }
        return true
    }

    private static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// A 64-bit hash of (owner, bytes) and the first 8 bytes packed little-endian.
    @inline(__always)
    static func hash(owner: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> (hash: UInt64, head: UInt64) {
        Self.hash(owner: owner, in: bytes, 0, bytes.count)
    }

    /// A 64-bit hash of (owner, `bytes[start..<end]`) and the first 8 of those bytes packed
    /// little-endian (zero-padded when fewer).
    ///
    /// Reads 8 bytes at a time (a segment or host is hashed per request, so this is on the
    /// hot path): the last partial word too, as one load from inside `bytes` that is then
    /// shifted and masked, unless `bytes` is shorter than a word. Quality only needs to be
    /// good enough for the low bits after the final mix.
    @inline(__always)
    static func hash(owner: Int32, in bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int)
        -> (hash: UInt64, head: UInt64)
    {
        let count = end - start
        var hash = (UInt64(UInt32(bitPattern: owner)) << 32 | UInt64(truncatingIfNeeded: count)) &* Self.multiplier
        guard count > 0, let base = bytes.baseAddress else { return (Self.finalize(hash), 0) }
        let raw = UnsafeRawPointer(base)
        var head: UInt64 = 0
        var offset = start
        while offset + 8 <= end {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            if offset == start { head = word }
            hash = (hash ^ word) &* Self.multiplier
            hash ^= hash >> 32
            offset += 8
        }
        let rest = end - offset
        if rest > 0 {
            // 1...7 bytes: one word load that stays inside `bytes`, shifted and masked.
            let word: UInt64
            if offset + 8 <= bytes.count {
                let loaded = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                word = loaded & (1 << UInt64(rest * 8) &- 1)
            } else if bytes.count >= 8 {
                // The buffer's last word, which starts 1...7 bytes before `offset`.
                let window = bytes.count - 8
                let loaded = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: window, as: UInt64.self))
                word = (loaded >> UInt64((offset - window) * 8)) & (1 << UInt64(rest * 8) &- 1)
            } else {
                var assembled: UInt64 = 0
                var shift: UInt64 = 0
                while offset < end {
                    assembled |= UInt64(base[offset]) << shift
                    shift += 8
                    offset += 1
                }
                word = assembled
            }
            if count < 8 { head = word }
            hash = (hash ^ word) &* Self.multiplier
            hash ^= hash >> 32
        }
        return (Self.finalize(hash), head)
    }

    /// The last mix: every input bit reaches the low bits the slot index is taken from (half
    /// of SplitMix64's finaliser, enough after the per-word rounds).
    @inline(__always)
    private static func finalize(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 29
        hash &*= 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 32
        return hash
    }
}
