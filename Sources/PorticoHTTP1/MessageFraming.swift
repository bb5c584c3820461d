import NIOCore
import PorticoHTTP

/// Decides how a message's body is delimited from its head (RFC 9112 §6.3), refusing the
/// ambiguous cases outright.
public enum MessageFraming {
    /// A request's body framing.
    public static func request(_ head: ParsedHead) throws -> BodyFraming {
        let (length, codings) = try Self.framingFields(head)
        if let codings {
            guard length == nil else { throw HTTP1ParseError.contentLengthAndTransferEncoding }
            // §6.3: a request whose final coding is not chunked cannot be delimited.
            guard codings.lastIsChunked else { throw HTTP1ParseError.invalidTransferEncoding }
            return .chunked
        }
        if let length { return length == 0 ? .none : .length(length) }
        return .none
    }

    /// A response's body framing, given the request's method.
    public static func response(_ head: ParsedHead, requestMethod: HTTPMethod) throws -> BodyFraming {
        if requestMethod == .HEAD || (100..<200).contains(head.status) || head.status == 204 || head.status == 304 {
            return .none
        }
        let (length, codings) = try Self.framingFields(head)
        if let codings {
            guard length == nil else { throw HTTP1ParseError.contentLengthAndTransferEncoding }
            return codings.lastIsChunked ? .chunked : .untilClose
        }
        if let length { return length == 0 ? .none : .length(length) }
        return .untilClose
    }

    struct Codings {
        var lastIsChunked = false
        var count = 0
    }

    /// The declared length (all `Content-Length` values must agree) and the transfer codings.
    static func framingFields(_ head: ParsedHead) throws -> (Int?, Codings?) {
        var length: Int?
        var codings: Codings?
        for field in head.fields {
            switch field.known {
            case .contentLength:
                try head.withBytes(head.valueRange(field)) { (value) throws in
                    try Self.forEachElement(value) { (element) throws in
                        guard let parsed = Self.decimal(element) else { throw HTTP1ParseError.invalidContentLength }
                        if let length, length != parsed { throw HTTP1ParseError.invalidContentLength }
                        length = parsed
                    }
                }
            case .transferEncoding:
                var current = codings ?? Codings()
                try head.withBytes(head.valueRange(field)) { (value) throws in
                    try Self.forEachElement(value) { (element) throws in
                        guard !element.isEmpty else { return }
                        guard
                            element.allSatisfy({
                                HTTPSyntax.isTokenByte($0) || $0 == 0x3B || $0 == 0x3D || $0 == 0x20 || $0 == 0x09
                                    || $0 == 0x22
                            })
                        else { throw HTTP1ParseError.invalidTransferEncoding }
                        // `chunked` must be last, and only once.
                        if current.lastIsChunked { throw HTTP1ParseError.invalidTransferEncoding }
                        current.lastIsChunked = Self.isChunked(element)
                        current.count += 1
                    }
                }
                guard current.count > 0 else { throw HTTP1ParseError.invalidTransferEncoding }
                codings = current
            default:
                continue
            }
        }
        return (length, codings)
    }

    /// Calls `body` with each comma-separated element, trimmed of spaces and tabs.
    static func forEachElement(
        _ value: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count, value[end] != UInt8(ascii: ",") { end += 1 }
            var first = start
            var last = end
            while first < last, value[first] == 0x20 || value[first] == 0x09 { first += 1 }
            while last > first, value[last - 1] == 0x20 || value[last - 1] == 0x09 { last -= 1 }
            try body(UnsafeRawBufferPointer(rebasing: value[first..<last]))
            start = end + 1
        }
    }

    static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    static func isChunked(_ element: UnsafeRawBufferPointer) -> Bool {
        guard element.count == 7 else { return false }
        return zip(element, "chunked".utf8).allSatisfy { HTTPSyntax.lowercase($0) == $1 }
    }
}
