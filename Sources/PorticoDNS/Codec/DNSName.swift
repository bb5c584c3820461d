/// A fully qualified domain name as a list of labels (RFC 1035 §3.1).
///
/// A label holds 1...63 arbitrary bytes and the wire form (labels with their length bytes and
/// the final root byte) at most 255 bytes; both limits are checked when a name is built, so
/// every `DNSName` can be encoded. Equality and hashing ignore ASCII case (RFC 4343).
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    /// The longest label, in bytes.
    public static let maximumLabelLength = 63
    /// The longest name in wire form (length bytes and the root byte included).
    public static let maximumWireLength = 255

    /// The root name (`.`).
    public static let root = DNSName(validatedLabels: [])

    /// The labels, leftmost first; the root label is implied.
    public let labels: [[UInt8]]

    /// Builds a name from raw labels.
    /// - Throws: ``DNSNameError`` for an empty or too long label, or a too long name.
    public init(labels: [[UInt8]]) throws {
        var wireLength = 1
        for label in labels {
            guard !label.isEmpty else { throw DNSNameError.emptyLabel }
            guard label.count <= Self.maximumLabelLength else { throw DNSNameError.labelTooLong }
            wireLength += label.count + 1
        }
        guard wireLength <= Self.maximumWireLength else { throw DNSNameError.nameTooLong }
        self.labels = labels
    }

    /// Parses a name in presentation form: labels separated by dots, an optional trailing dot,
    /// and the escapes `\.`, `\\` and `\DDD` (a decimal byte). `""` and `"."` are the root.
    /// - Throws: ``DNSNameError`` when the text is not a valid name.
    public init(_ text: String) throws {
        if text.isEmpty || text == "." {
            self = .root
            return
        }
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "."):
                guard !current.isEmpty else { throw DNSNameError.emptyLabel }
                labels.append(current)
                current = []
                index += 1
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw DNSNameError.badEscape }
                if let value = Self.decimalEscape(bytes, at: index) {
                    current.append(value)
                    index += 3
                } else if Self.isDigit(bytes[index]) {
                    throw DNSNameError.badEscape
                } else {
                    current.append(bytes[index])
                    index += 1
                }
            default:
                current.append(byte)
                index += 1
            }
        }
        // A trailing dot leaves `current` empty: the name was written fully qualified.
        if !current.isEmpty {
            labels.append(current)
        }
        try self.init(labels: labels)
    }

    private init(validatedLabels: [[UInt8]]) {
        self.labels = validatedLabels
    }

    /// Whether this is the root name.
    public var isRoot: Bool { self.labels.isEmpty }

    /// The length of the uncompressed wire form.
    public var wireLength: Int { self.labels.reduce(1) { $0 + $1.count + 1 } }

    /// The name followed by `suffix` (`api` + `svc.local` = `api.svc.local`).
    /// - Throws: ``DNSNameError/nameTooLong`` when the result would exceed 255 bytes.
    public func appending(_ suffix: DNSName) throws -> DNSName {
        try DNSName(labels: self.labels + suffix.labels)
    }

    /// The presentation form without the trailing dot (`"."` for the root). Dots and
    /// backslashes inside labels are escaped, bytes outside printable ASCII become `\DDD`.
    public var description: String {
        if self.labels.isEmpty { return "." }
        var out: [UInt8] = []
        out.reserveCapacity(self.wireLength)
        for (position, label) in self.labels.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ".")) }
            for byte in label {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    out.append(UInt8(ascii: "\\"))
                    out.append(byte)
                case 0x21...0x7E:
                    out.append(byte)
                default:
                    out.append(UInt8(ascii: "\\"))
                    out.append(UInt8(ascii: "0") + byte / 100)
                    out.append(UInt8(ascii: "0") + (byte / 10) % 10)
                    out.append(UInt8(ascii: "0") + byte % 10)
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        guard lhs.labels.count == rhs.labels.count else { return false }
        for (left, right) in zip(lhs.labels, rhs.labels) {
            guard left.count == right.count else { return false }
            for (a, b) in zip(left, right) where asciiLower(a) != asciiLower(b) {
                return false
            }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.labels.count)
        for label in self.labels {
            hasher.combine(label.count)
            for byte in label {
                hasher.combine(asciiLower(byte))
            }
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func decimalEscape(_ bytes: [UInt8], at index: Int) -> UInt8? {
        guard index + 2 < bytes.count, isDigit(bytes[index]), isDigit(bytes[index + 1]), isDigit(bytes[index + 2])
        else { return nil }
        let value =
            Int(bytes[index] - UInt8(ascii: "0")) * 100 + Int(bytes[index + 1] - UInt8(ascii: "0")) * 10
            + Int(bytes[index + 2] - UInt8(ascii: "0"))
        return value <= 255 ? UInt8(value) : nil
    }
}

/// Why a text or label list is not a valid ``DNSName``.
public enum DNSNameError: Error, Sendable, Hashable {
    /// Two dots in a row, a leading dot, or an empty label.
    case emptyLabel
    /// A label longer than 63 bytes.
    case labelTooLong
    /// A name longer than 255 bytes in wire form.
    case nameTooLong
    /// A backslash at the end, or `\DDD` above 255.
    case badEscape
}

@inline(__always)
func asciiLower(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
}
