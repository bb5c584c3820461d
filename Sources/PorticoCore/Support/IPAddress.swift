import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address as 128 bits (IPv4 as IPv4-mapped IPv6), for CIDR matching.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The high and low 64 bits, network order.
    public let high: UInt64
    public let low: UInt64
    /// Whether it was written or received as IPv4.
    public let isIPv4: Bool

    /// Parses `203.0.113.7` or `2001:db8::1` (no brackets, no zone).
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(ipv4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        self.init(ipv6: v6)
    }

    /// The address of a socket address, if it is an IP one.
    public init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4): self.init(ipv4: UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6): self.init(ipv6: v6.address.sin6_addr)
        case .unixDomainSocket: return nil
        }
    }

    init(ipv4 value: UInt32) {
        self.high = 0
        self.low = 0x0000_FFFF_0000_0000 | UInt64(value)
        self.isIPv4 = true
    }

    init(ipv6 address: in6_addr) {
        var bytes = address
        let (high, low) = withUnsafeBytes(of: &bytes) { raw -> (UInt64, UInt64) in
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 { high = high << 8 | UInt64(raw[index]) }
            for index in 8..<16 { low = low << 8 | UInt64(raw[index]) }
            return (high, low)
        }
        // IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address.
        self.high = high
        self.low = low
        self.isIPv4 = high == 0 && low >> 32 == 0xFFFF
    }

    public var description: String {
        if self.isIPv4 {
            let value = UInt32(truncatingIfNeeded: self.low)
            return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        }
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { raw in
            for index in 0..<8 { raw[index] = UInt8(truncatingIfNeeded: self.high >> (56 - 8 * UInt64(index))) }
            for index in 0..<8 { raw[8 + index] = UInt8(truncatingIfNeeded: self.low >> (56 - 8 * UInt64(index))) }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An address range such as `10.0.0.0/8` or `2001:db8::/32` (a bare address is /32 or /128).
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    /// The network address (host bits cleared).
    public let network: IPAddress
    /// Prefix length over the 128-bit form.
    private let bits: Int
    /// The prefix length as written (IPv4 ranges count 32 bits).
    public let prefixLength: Int

    /// Parses `address` or `address/prefix`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maximum = address.isIPv4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maximum).contains(parsed) else { return nil }
            length = parsed
        }
        self.prefixLength = length
        self.bits = address.isIPv4 ? 96 + length : length
        let (highMask, lowMask) = Self.masks(self.bits)
        self.network = IPAddress(high: address.high & highMask, low: address.low & lowMask, isIPv4: address.isIPv4)
    }

    /// Whether `address` is in the range.
    @inlinable
    public func contains(_ address: IPAddress) -> Bool {
        let (highMask, lowMask) = Self.masks(self.bitCount)
        return address.high & highMask == self.network.high && address.low & lowMask == self.network.low
    }

    @usableFromInline
    var bitCount: Int { self.bits }

    @usableFromInline
    static func masks(_ bits: Int) -> (UInt64, UInt64) {
        if bits <= 0 { return (0, 0) }
        if bits >= 128 { return (.max, .max) }
        if bits <= 64 { return (bits == 64 ? .max : ~(UInt64.max >> UInt64(bits)), 0) }
        return (.max, ~(UInt64.max >> UInt64(bits - 64)))
    }

    public var description: String { "\(self.network)/\(self.prefixLength)" }
}

extension IPAddress {
    init(high: UInt64, low: UInt64, isIPv4: Bool) {
        self.high = high
        self.low = low
        self.isIPv4 = isIPv4
    }
}
