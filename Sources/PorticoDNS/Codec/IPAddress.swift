import NIOCore

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An IPv4 address (the data of an A record).
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address as a number: `a.b.c.d` is `a << 24 | b << 16 | c << 8 | d`.
    public var rawValue: UInt32

    /// The address `a.b.c.d`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self.rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// The address from its number (see ``rawValue``).
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The address from its 4 bytes in network order, or `nil` for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 else { return nil }
        self.rawValue = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Parses dotted-quad text (`inet_pton` rules: exactly four decimal parts).
    public init?(_ text: String) {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        self.rawValue = UInt32(bigEndian: address.s_addr)
    }

    /// The 4 bytes in network order.
    public var bytes: [UInt8] {
        [
            UInt8(self.rawValue >> 24), UInt8(self.rawValue >> 16 & 0xFF), UInt8(self.rawValue >> 8 & 0xFF),
            UInt8(self.rawValue & 0xFF),
        ]
    }

    public var description: String {
        self.bytes.map { String($0) }.joined(separator: ".")
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An IPv6 address (the data of an AAAA record).
public struct IPv6Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var high: UInt64
    /// The last 8 bytes, big-endian.
    public var low: UInt64

    /// The address from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The address from its 16 bytes in network order, or `nil` for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        let all = Array(bytes)
        self.high = all[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        self.low = all[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Parses textual IPv6 (`inet_pton` rules; no zone index, no brackets).
    public init?(_ text: String) {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &address) { Array($0) }
        self.init(bytes: bytes)
    }

    /// The 16 bytes in network order.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for half in [self.high, self.low] {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(half >> UInt64(shift) & 0xFF))
            }
        }
        return out
    }

    /// The RFC 5952 text form (as `inet_ntop` writes it).
    public var description: String {
        var address = in6_addr()
        let bytes = self.bytes
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let written = buffer.withUnsafeMutableBufferPointer { out in
            inet_ntop(AF_INET6, &address, out.baseAddress, socklen_t(out.count))
        }
        guard written != nil else { return "::" }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

/// An IPv4 or IPv6 address.
public enum IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses an IPv4 or IPv6 literal; brackets around IPv6 (`[::1]`) are accepted.
    public init?(_ text: String) {
        if let v4 = IPv4Address(text) {
            self = .v4(v4)
        } else if text.hasPrefix("["), text.hasSuffix("]"), let v6 = IPv6Address(String(text.dropFirst().dropLast())) {
            self = .v6(v6)
        } else if let v6 = IPv6Address(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// The bytes in network order (4 or 16).
    public var bytes: [UInt8] {
        switch self {
        case .v4(let address): return address.bytes
        case .v6(let address): return address.bytes
        }
    }

    public var description: String {
        switch self {
        case .v4(let address): return address.description
        case .v6(let address): return address.description
        }
    }

    /// A socket address for this IP and `port`.
    public func socketAddress(port: Int) throws -> SocketAddress {
        var buffer = ByteBuffer()
        buffer.writeBytes(self.bytes)
        return try SocketAddress(packedIPAddress: buffer, port: port)
    }

    /// IPv4 sorts before IPv6; within a family, numerically.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): return a < b
        case (.v6(let a), .v6(let b)): return a < b
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }
}
