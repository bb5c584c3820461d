import NIOCore
import PorticoHTTP

/// Writes HTTP/1.1 heads and chunk framing, each head into one buffer in one pass.
public enum HTTP1Serializer {
    /// Writes `METHOD target HTTP/1.1\r\n`, the fields, and the blank line. Returns whether
    /// the head declares a chunked body (its last transfer coding is `chunked`).
    @discardableResult
    public static func writeRequestHead(_ head: RequestHead, into buffer: inout ByteBuffer) -> Bool {
        buffer.reserveCapacity(minimumWritableBytes: Self.estimate(head.headers) + head.target.utf8.count + 24)
        buffer.writeString(head.method.name)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(head.target)
        buffer.writeStaticString(head.version.minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n")
        return Self.writeFields(head.headers, into: &buffer)
    }

    /// Writes `HTTP/1.x status reason\r\n`, the fields, and the blank line. Returns whether
    /// the head declares a chunked body.
    @discardableResult
    public static func writeResponseHead(_ head: ResponseHead, into buffer: inout ByteBuffer) -> Bool {
        buffer.reserveCapacity(minimumWritableBytes: Self.estimate(head.headers) + 40)
        buffer.writeStaticString(head.version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        Self.writeStatus(head.status, into: &buffer)
        buffer.writeInteger(UInt8(ascii: " "))
        if let reason = head.reason, !reason.isEmpty {
            buffer.writeString(reason)
        } else {
            buffer.writeStaticString(Self.reasonPhrase(head.status))
        }
        buffer.writeStaticString("\r\n")
        return Self.writeFields(head.headers, into: &buffer)
    }

    /// Writes a chunk's size line (`1a2b\r\n`); the data and its trailing CRLF follow.
    public static func writeChunkHeader(size: Int, into buffer: inout ByteBuffer) {
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var value = size
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                let nibble = UInt8(value & 0xF)
                raw[15 - count] = nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
                count += 1
                value >>= 4
            } while value > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(16 - count)...]))
        }
        buffer.writeStaticString("\r\n")
    }

    /// The last chunk and an empty trailer section.
    public static let lastChunk = ByteBuffer(staticString: "0\r\n\r\n")
    /// The CRLF after a chunk's data.
    public static let crlf = ByteBuffer(staticString: "\r\n")

    /// `HTTP/1.1 100 Continue` with no fields.
    public static let continueHead = ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")

    /// Writes the fields and the blank line; returns whether a `Transfer-Encoding` field
    /// ends with `chunked` (noticed on the way, so the body writer needs no second scan).
    private static func writeFields(_ headers: HeaderList, into buffer: inout ByteBuffer) -> Bool {
        var chunked = false
        for (name, value) in headers.pairs {
            if name.utf8.count == 17, HTTPSyntax.equalsCaseInsensitive(name, "transfer-encoding") {
                chunked = Self.endsWithChunked(value)
            }
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        return chunked
    }

    /// Whether the last comma-separated coding is `chunked`.
    static func endsWithChunked(_ value: String) -> Bool {
        var last = value[...]
        if let comma = value.utf8.lastIndex(of: UInt8(ascii: ",")) { last = value[value.index(after: comma)...] }
        let coding = last.trimmingHTTPWhitespace().utf8
        return coding.count == 7 && zip(coding, "chunked".utf8).allSatisfy { HTTPSyntax.lowercase($0) == $1 }
    }

    private static func estimate(_ headers: HeaderList) -> Int {
        var total = 2
        for (name, value) in headers.pairs { total += name.utf8.count + value.utf8.count + 4 }
        return total
    }

    private static func writeStatus(_ status: Int, into buffer: inout ByteBuffer) {
        let clamped = min(max(status, 100), 999)
        buffer.writeInteger(UInt8(0x30 + clamped / 100))
        buffer.writeInteger(UInt8(0x30 + clamped / 10 % 10))
        buffer.writeInteger(UInt8(0x30 + clamped % 10))
    }

    /// The standard reason phrase (RFC 9110 §15).
    public static func reasonPhrase(_ status: Int) -> StaticString {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 103: "Early Hints"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: ""
        }
    }
}
