/// Byte-level grammar of RFC 9110/9112 used by header validation and parsing.
public enum HTTPSyntax {
    /// `tchar` from RFC 9110 §5.6.2: the bytes allowed in a token (method, header name).
    @inlinable
    public static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Bytes allowed in a field value (RFC 9110 §5.5): visible ASCII, obs-text, space and tab.
    /// CR, LF and NUL are what make header injection and smuggling possible, so they never pass.
    @inlinable
    public static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }

    /// Whether a header name is a valid token.
    public static func isValidFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenByte)
    }

    /// Whether a header value holds only allowed bytes.
    public static func isValidFieldValue(_ value: String) -> Bool {
        // A plain loop over the contiguous bytes: `allSatisfy` on the UTF-8 view walks String
        // indices, several times slower (this runs for every rendered header value).
        if let valid = value.utf8.withContiguousStorageIfAvailable({ bytes in
            for byte in bytes where !Self.isFieldValueByte(byte) { return false }
            return true
        }) {
            return valid
        }
        return value.utf8.allSatisfy(isFieldValueByte)
    }

    /// ASCII case-insensitive equality, without allocating lowercased copies.
    @inlinable
    public static func equalsCaseInsensitive(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else { return false }
        // Native strings are contiguous: compare the bytes in place, no copies or retains.
        if let result = left.withContiguousStorageIfAvailable({ a in
            right.withContiguousStorageIfAvailable({ b in Self.equalsCaseInsensitive(a, b) })
        }), let result {
            return result
        }
        return left.elementsEqual(right) { Self.lowercase($0) == Self.lowercase($1) }
    }

    /// Whether `string` starts with `prefix`, ASCII case-insensitively; `prefix` must be
    /// lower-case.
    @inlinable
    public static func hasPrefixCaseInsensitive(_ string: String, lowercasedPrefix prefix: String) -> Bool {
        let text = string.utf8
        let start = prefix.utf8
        guard text.count >= start.count else { return false }
        if let result = text.withContiguousStorageIfAvailable({ a in
            start.withContiguousStorageIfAvailable({ b in
                for index in 0..<b.count where Self.lowercase(a[index]) != b[index] { return false }
                return true
            })
        }), let result {
            return result
        }
        return text.prefix(start.count).elementsEqual(start) { Self.lowercase($0) == $1 }
    }

    /// `value` in decimal, as `String(value)` gives it, written straight into the string's
    /// storage: the standard formatter's generic path cost several hundred instructions, and
    /// this runs for numeric header values on every response.
    public static func decimal(_ value: Int) -> String {
        value < 0 ? "-" + Self.decimal(UInt64(value.magnitude)) : Self.decimal(UInt64(value))
    }

    /// `value` in decimal (see ``decimal(_:)-(Int)``).
    public static func decimal(_ value: UInt64) -> String {
        var remaining = value
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20 && remaining >= scale {
            digits += 1
            if scale > UInt64.max / 10 { break }
            scale *= 10
        }
        return String(unsafeUninitializedCapacity: digits) { buffer in
            var index = digits
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
                remaining /= 10
            } while index > 0
            return digits
        }
    }

    /// ASCII case-insensitive equality of two byte sequences.
    @inlinable
    public static func equalsCaseInsensitive(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where a[index] != b[index] {
            if Self.lowercase(a[index]) != Self.lowercase(b[index]) { return false }
        }
        return true
    }

    /// The byte with ASCII `A`–`Z` mapped to `a`–`z`.
    @inlinable
    public static func lowercase(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }

    /// Calls `body` with each element of a comma-separated field value (RFC 9110 §5.6.1),
    /// trimmed of spaces and tabs, empty elements included; walks the bytes, so it allocates
    /// nothing (`split` works on `Character`s and builds an array).
    @inlinable
    public static func forEachListElement(in value: String, _ body: (Substring) -> Void) {
        let utf8 = value.utf8
        var start = utf8.startIndex
        while true {
            var end = start
            while end < utf8.endIndex && utf8[end] != UInt8(ascii: ",") { end = utf8.index(after: end) }
            var first = start
            var last = end
            while first < last && (utf8[first] == 0x20 || utf8[first] == 0x09) { first = utf8.index(after: first) }
            while last > first && (utf8[utf8.index(before: last)] == 0x20 || utf8[utf8.index(before: last)] == 0x09) {
                last = utf8.index(before: last)
            }
            body(Substring(utf8[first..<last]))
            guard end < utf8.endIndex else { return }
            start = utf8.index(after: end)
        }
    }

    /// The value of a decimal digit string (no sign, no spaces), or nil (also on overflow).
    @inlinable
    public static func parseDecimal(_ text: Substring) -> Int? {
        guard !text.utf8.isEmpty else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = multiplied.addingReportingOverflow(Int(byte - 0x30))
            if overflow1 || overflow2 { return nil }
            value = added
        }
        return value
    }

    /// Lowercases ASCII letters only (header names, host names); other bytes are kept.
    public static func lowercasedASCII(_ string: String) -> String {
        if !string.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
            return string
        }
        return String(
            decoding: string.utf8.map { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) ? $0 | 0x20 : $0 },
            as: UTF8.self
        )
    }
}
