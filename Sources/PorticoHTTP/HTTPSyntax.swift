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
        value.utf8.allSatisfy(isFieldValueByte)
    }

    /// ASCII case-insensitive equality, without allocating lowercased copies.
    @inlinable
    public static func equalsCaseInsensitive(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { a in
            rhs.withUTF8 { b in
                guard a.count == b.count else { return false }
                for i in 0..<a.count where a[i] != b[i] {
                    if a[i] | 0x20 != b[i] | 0x20 { return false }
                    let lower = a[i] | 0x20
                    if lower < UInt8(ascii: "a") || lower > UInt8(ascii: "z") { return false }
                }
                return true
            }
        }
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
