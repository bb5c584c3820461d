import NIOCore

/// Stops the run when `condition` is false: libFuzzer reports a crash ("deadly signal") and
/// writes the input as the reproducer. Every fuzzer checks its invariants through this.
public func invariant(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) {
    guard !condition() else { return }
    fatalError("invariant broken: \(message())", file: file, line: line)
}

/// A small deterministic generator (SplitMix64): the same input always makes the same cuts,
/// so a reproducer reproduces.
public struct SplitMix64 {
    private var state: UInt64

    /// A generator seeded with `seed`.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// The next value.
    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (`bound` > 0).
    public mutating func next(below bound: Int) -> Int {
        Int(self.next() % UInt64(bound))
    }
}

/// How a fuzz input is laid out: one control byte, then the bytes a decoder receives.
///
/// Bits 0-1 of the control byte choose how the bytes are cut into the pieces a decoder is fed
/// (the whole byte seeds the cut positions); the other bits mean something to each fuzzer.
public struct FuzzInput {
    /// The control byte.
    public var control: UInt8
    /// The bytes after it.
    public var bytes: ByteBuffer

    /// Splits libFuzzer's input; nil for the empty input.
    public init?(_ data: UnsafePointer<UInt8>, _ size: Int) {
        guard size > 0 else { return nil }
        self.control = data[0]
        self.bytes = ByteBuffer(bytes: UnsafeBufferPointer(start: data + 1, count: size - 1))
    }

    /// Whether control bit `bit` is set.
    public func flag(_ bit: Int) -> Bool {
        self.control & (1 << bit) != 0
    }

    /// The bytes in pieces, as they might arrive from a socket. Mode (bits 0-1): 0 = one cut
    /// at a random offset (either piece may be empty), 1 = one byte at a time, 2 = random
    /// pieces of 1-8 bytes, 3 = random pieces of 1-64 bytes.
    public func pieces() -> [ByteBuffer] {
        let count = self.bytes.readableBytes
        var random = SplitMix64(seed: UInt64(self.control) << 32 | UInt64(count))
        var lengths: [Int] = []
        switch self.control & 0x3 {
        case 0:
            let cut = random.next(below: count + 1)
            lengths = [cut, count - cut]
        case 1:
            lengths = Array(repeating: 1, count: count)
        default:
            let longest = self.control & 0x3 == 2 ? 8 : 64
            var left = count
            while left > 0 {
                let length = min(left, 1 + random.next(below: longest))
                lengths.append(length)
                left -= length
            }
        }
        var rest = self.bytes
        return lengths.map { rest.readSlice(length: $0)! }
    }
}

/// Bytes for a failure message: printable ASCII as is, the rest escaped, long runs cut.
public func describe(_ bytes: [UInt8], limit: Int = 200) -> String {
    var text = ""
    for byte in bytes.prefix(limit) {
        switch byte {
        case 0x0D: text += "\\r"
        case 0x0A: text += "\\n"
        case 0x5C: text += "\\\\"
        case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = String(byte, radix: 16)
            text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    return bytes.count > limit ? text + "...(\(bytes.count) bytes)" : text
}
