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
                    Self.find(owner: entry.owner, key, slots: UnsafeBufferPointer(slots), mask: mask, keyBytes: stored)
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
        Self.find(
            owner: owner,
            key,
            slots: UnsafeBufferPointer(self.slots),
            mask: self.mask,
            keyBytes: UnsafeBufferPointer(self.keyBytes)
        )
    }

    @inline(__always)
    private static func find(
        owner: Int32,
        _ key: UnsafeBufferPointer<UInt8>,
        slots: UnsafeBufferPointer<Slot>,
        mask: Int,
        keyBytes: UnsafeBufferPointer<UInt8>
    ) -> Int32 {
        let (hash, head) = Self.hash(owner: owner, key)
        let length = Int32(truncatingIfNeeded: key.count)
        var position = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[position]
            if slot.value < 0 { return -1 }
            if slot.hash == hash && slot.head == head && slot.owner == owner && slot.keyLength == length
                && (key.count <= 8 || Self.tailEqual(key, keyBytes, Int(slot.keyStart)))
            {
                return slot.value
            }
            position = (position + 1) & mask
        }
    }

    /// Whether bytes 8... of `key` equal the stored key's (the first 8 matched through `head`).
    private static func tailEqual(_ key: UnsafeBufferPointer<UInt8>, _ stored: UnsafeBufferPointer<UInt8>, _ start: Int)
        -> Bool
    {
        var index = 8
        while index < key.count {
            if key[index] != stored[start + index] { return false }
            index += 1
        }
        return true
    }

    /// A 64-bit hash of (owner, bytes) and the first 8 bytes packed little-endian.
    ///
    /// Reads 8 bytes at a time (a segment or host is hashed per request, so this is on the
    /// hot path); quality only needs to be good enough for the low bits after the final mix.
    @inline(__always)
    static func hash(owner: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> (hash: UInt64, head: UInt64) {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        let count = bytes.count
        var hash = (UInt64(UInt32(bitPattern: owner)) << 32 | UInt64(truncatingIfNeeded: count)) &* multiplier
        var head: UInt64 = 0
        guard let base = bytes.baseAddress, count > 0 else { return (Self.finalize(hash), 0) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            if offset == 0 { head = word }
            hash = (hash ^ word) &* multiplier
            hash ^= hash >> 32
            offset += 8
        }
        if offset < count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                word |= UInt64(base[offset]) << shift
                shift += 8
                offset += 1
            }
            if count < 8 { head = word }
            hash = (hash ^ word) &* multiplier
            hash ^= hash >> 32
        }
        return (Self.finalize(hash), head)
    }

    /// The 64-bit finaliser of SplitMix64: spreads every input bit into the low bits.
    @inline(__always)
    private static func finalize(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 30
        hash &*= 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 27
        hash &*= 0x94D0_49BB_1331_11EB
        hash ^= hash >> 31
        return hash
    }
}
