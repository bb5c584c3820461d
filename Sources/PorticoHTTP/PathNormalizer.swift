/// Normalises request paths before routing (RFC 3986 §6.2.2): percent-encoded unreserved
/// characters are decoded and `.`/`..` segments removed.
///
/// Without this, `/api/../admin` or `/%61dmin` would slip past a prefix route guarding
/// `/admin`. Encoded slashes (`%2F`) stay encoded: decoding them would change which segments
/// the upstream sees. The normalised path is also what goes upstream, as Envoy's
/// `normalize_path` does.
public enum PathNormalizer {
    /// The normalised path, or nil if the path is not valid origin-form (does not start with
    /// `/`, holds a malformed percent-escape, or a control byte).
    public static func normalize(_ path: Substring) -> Substring? {
        let utf8 = path.utf8
        guard utf8.first == UInt8(ascii: "/") else { return nil }
        var needsWork = false
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte <= 0x20 || byte == 0x7F { return nil }
            if byte == UInt8(ascii: "%") || (byte == UInt8(ascii: ".") && previous == UInt8(ascii: "/")) {
                needsWork = true
            }
            previous = byte
        }
        if !needsWork { return path }
        guard let decoded = Self.decodeUnreserved(Array(utf8)) else { return nil }
        return Substring(Self.removeDotSegments(decoded))
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static func decodeUnreserved(_ bytes: [UInt8]) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                    let low = hexValue(bytes[index + 2])
                else { return nil }
                let value = high << 4 | low
                if isUnreserved(value) {
                    output.append(value)
                } else {
                    // Keep the escape, uppercased (the RFC's normal form).
                    output.append(UInt8(ascii: "%"))
                    output.append(upperHex(high))
                    output.append(upperHex(low))
                }
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    private static func upperHex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    /// RFC 3986 §5.2.4 on whole segments; `..` above the root stays at the root.
    private static func removeDotSegments(_ bytes: [UInt8]) -> String {
        var segments: [ArraySlice<UInt8>] = []
        let parts = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
        var trailingSlash = false
        for (offset, part) in parts.enumerated() {
            let isLast = offset == parts.count - 1
            if part.elementsEqual([UInt8(ascii: ".")]) {
                if isLast { trailingSlash = true }
            } else if part.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if !segments.isEmpty { segments.removeLast() }
                if isLast { trailingSlash = true }
            } else {
                segments.append(part)
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        for segment in segments {
            output.append(UInt8(ascii: "/"))
            output.append(contentsOf: segment)
        }
        if trailingSlash || output.isEmpty { output.append(UInt8(ascii: "/")) }
        return String(decoding: output, as: UTF8.self)
    }
}
