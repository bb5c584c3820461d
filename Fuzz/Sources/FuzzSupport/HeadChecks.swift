import NIOCore
import PorticoHTTP
import PorticoHTTP1

/// What every head the codec accepts must satisfy, checked against the head's raw bytes with
/// code written independently of the parser (lines split at CRLF, fields split at the first
/// colon), so a parser that records the wrong ranges, lets a control byte through, or
/// classifies a field wrongly is caught even when nothing crashes.
public enum HeadChecks {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A

    /// Checks `head`, which a parser of `kind` with `limits` accepted.
    public static func validate(_ head: ParsedHead, kind: HTTP1HeadParser.Kind, limits: HTTP1HeadParser.Limits) {
        let bytes = Array(head.bytes.readableBytesView)
        let text = describe(bytes)
        invariant(
            bytes.count <= limits.maxHeadBytes,
            "accepted a head of \(bytes.count) bytes over the \(limits.maxHeadBytes)-byte limit: \(text)")
        invariant(head.fields.count <= limits.maxFields, "more fields than allowed: \(text)")
        invariant(bytes.count >= 4 && Array(bytes.suffix(4)) == [cr, lf, cr, lf], "head does not end with CRLF CRLF")
        for (index, byte) in bytes.enumerated() {
            if byte == cr { invariant(index + 1 < bytes.count && bytes[index + 1] == lf, "bare CR in \(text)") }
            if byte == lf { invariant(index > 0 && bytes[index - 1] == cr, "bare LF in \(text)") }
        }

        // The lines: empty lines before the start line (ignored, RFC 9112 §2.2), the start
        // line, one line per field, and the empty line that ends the head.
        var lines: [[UInt8]] = []
        var line: [UInt8] = []
        for byte in bytes where byte != lf {
            if byte == cr {
                lines.append(line)
                line = []
            } else {
                line.append(byte)
            }
        }
        while lines.first == [] { lines.removeFirst() }
        invariant(lines.count >= 2 && lines.last == [], "no start line or no blank line: \(text)")
        let startLine = lines[0]
        let fieldLines = lines[1..<(lines.count - 1)]
        invariant(!fieldLines.contains([]), "blank line inside the head: \(text)")
        invariant(
            fieldLines.count == head.fields.count, "\(head.fields.count) fields parsed, \(fieldLines.count) lines")

        func slice(_ range: Range<Int>, _ what: String) -> [UInt8] {
            invariant(range.lowerBound >= 0 && range.upperBound <= bytes.count, "\(what) out of bounds: \(text)")
            return Array(bytes[range])
        }

        switch kind {
        case .request:
            let method = slice(head.startLine.first, "method")
            let target = slice(head.startLine.second, "target")
            let version = slice(head.startLine.third, "version")
            invariant(startLine == method + [0x20] + target + [0x20] + version, "start line split wrongly: \(text)")
            invariant(!method.isEmpty && method.allSatisfy(HTTPSyntax.isTokenByte), "method not a token: \(text)")
            invariant(!target.isEmpty && target.allSatisfy { $0 > 0x20 && $0 != 0x7F }, "bad target: \(text)")
            invariant(target.count <= limits.maxTargetBytes, "target over the limit: \(text)")
            invariant(head.status == 0, "request with a status")
            Self.checkVersion(version, head.version, text)
        case .response:
            let version = slice(head.startLine.first, "version")
            let status = slice(head.startLine.second, "status")
            let reason = slice(head.startLine.third, "reason")
            Self.checkVersion(version, head.version, text)
            invariant(
                status.count == 3 && status.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                    && status.reduce(0, { $0 * 10 + Int($1 - 0x30) }) == head.status && head.status >= 100,
                "status \(head.status) does not match \(text)")
            let expected = version + [0x20] + status + (startLine.count == 12 ? [] : [0x20] + reason)
            invariant(startLine == expected, "status line split wrongly: \(text)")
            invariant(reason.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }, "control in reason: \(text)")
        }

        for (field, line) in zip(head.fields, fieldLines) {
            let colon = line.firstIndex(of: UInt8(ascii: ":"))
            invariant(colon != nil, "field line without a colon: \(text)")
            let name = Array(line[..<colon!])
            var value = Array(line[(colon! + 1)...])
            while let first = value.first, first == 0x20 || first == 0x09 { value.removeFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
            invariant(slice(head.nameRange(field), "name") == name, "field name range wrong: \(text)")
            invariant(slice(head.valueRange(field), "value") == value, "field value range wrong: \(text)")
            invariant(!name.isEmpty && name.allSatisfy(HTTPSyntax.isTokenByte), "field name not a token: \(text)")
            invariant(
                value.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }, "control byte in a value: \(text)")
            let known = name.withUnsafeBytes { KnownHeader.classify($0) }
            invariant(field.known == known, "field classified as \(String(describing: field.known)): \(text)")
            invariant(known == KnownHeader.classify(String(decoding: name, as: UTF8.self)), "classifiers disagree")
        }
    }

    private static func checkVersion(_ bytes: [UInt8], _ version: HTTPVersion, _ text: String) {
        let expected = version == .http1_1 ? "HTTP/1.1" : (version == .http1_0 ? "HTTP/1.0" : "?")
        invariant(bytes == Array(expected.utf8), "version \(version) does not match \(text)")
    }
}

/// The body framing RFC 9112 §6.3 gives a message, computed from the field strings with
/// code independent of ``MessageFraming``; nil when the message must be refused. Portico may
/// refuse more (it is stricter), but whatever it accepts must be framed exactly like this.
public enum ReferenceFraming {
    /// A request's framing.
    public static func request(_ fields: [(String, String)]) -> BodyFraming? {
        guard let (length, codings) = self.framingFields(fields) else { return nil }
        if let codings {
            guard length == nil, codings.last == "chunked" else { return nil }
            return .chunked
        }
        return length.map { $0 == 0 ? .none : .length($0) } ?? BodyFraming.none
    }

    /// A response's framing for a request with `method`.
    public static func response(status: Int, method: HTTPMethod, _ fields: [(String, String)]) -> BodyFraming? {
        if method == .HEAD || (100..<200).contains(status) || status == 204 || status == 304 { return BodyFraming.none }
        guard let (length, codings) = self.framingFields(fields) else { return nil }
        if let codings {
            guard length == nil else { return nil }
            return codings.last == "chunked" ? .chunked : .untilClose
        }
        return length.map { $0 == 0 ? .none : .length($0) } ?? .untilClose
    }

    /// The one length all `Content-Length` elements agree on, and the non-empty transfer
    /// codings (lowercased) if there is a `Transfer-Encoding` field; nil if lengths conflict.
    /// Works on UTF-8 bytes: `Character`s would merge a comma or space with a combining mark.
    static func framingFields(_ fields: [(String, String)]) -> (Int?, [String]?)? {
        var lengths: Set<Int> = []
        var codings: [String]?
        for (name, value) in fields {
            let elements = Array(value.utf8).split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map {
                element -> [UInt8] in
                var element = Array(element)
                while let first = element.first, first == 0x20 || first == 0x09 { element.removeFirst() }
                while let last = element.last, last == 0x20 || last == 0x09 { element.removeLast() }
                return element
            }
            switch name.lowercased() {
            case "content-length":
                for element in elements {
                    guard !element.isEmpty, element.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                        let length = Int(String(decoding: element, as: UTF8.self))
                    else { return nil }
                    lengths.insert(length)
                }
            case "transfer-encoding":
                // ASCII lowercasing only: `lowercased()` would turn a Kelvin sign into `k`.
                let named = elements.filter { !$0.isEmpty }.map {
                    String(decoding: $0.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
                }
                codings = (codings ?? []) + named
            default:
                continue
            }
        }
        guard lengths.count <= 1 else { return nil }
        return (lengths.first, codings)
    }
}
