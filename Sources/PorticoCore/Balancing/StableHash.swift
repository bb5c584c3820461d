/// A 64-bit hash that is the same in every process, on every platform, in every release:
/// FNV-1a over the bytes, then the MurmurHash3 finaliser so that every input bit moves every
/// output bit (plain FNV-1a leaves short keys clustered in the low bits).
///
/// Affinity (`consistent_hash`, `ip_hash`) must survive restarts and agree across gateway
/// nodes, which Swift's `Hasher` (seeded per process) cannot give.
public enum StableHash {
    /// The hash of a string's UTF-8 bytes.
    @inlinable
    public static func hash(_ text: some StringProtocol) -> UInt64 {
        var state = Self.offsetBasis
        for byte in text.utf8 { state = Self.step(state, byte) }
        return Self.finalize(state)
    }

    /// The hash of some bytes.
    @inlinable
    public static func hash(bytes: some Sequence<UInt8>) -> UInt64 {
        var state = Self.offsetBasis
        for byte in bytes { state = Self.step(state, byte) }
        return Self.finalize(state)
    }

    /// Mixes a 64-bit value (MurmurHash3's `fmix64`): a bijection, so distinct inputs stay
    /// distinct, used to derive independent hashes from one.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        x &*= 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x
    }

    @usableFromInline static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    @inlinable
    static func step(_ state: UInt64, _ byte: UInt8) -> UInt64 {
        (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    @inlinable
    static func finalize(_ state: UInt64) -> UInt64 { Self.mix(state) }
}
