import NIOCore
import PorticoHTTP

/// Writes HTTP/1.1 heads and chunk framing, each head into one buffer in one pass.
public enum HTTP1Serializer {
    /// A request head in a buffer of exactly its size, and whether it declares a chunked body.
    public static func encode(_ head: RequestHead, allocator: ByteBufferAllocator) -> (bytes: ByteBuffer, chunked: Bool)
    {
        let size = Self.encodedSize(of: head)
        var buffer = allocator.buffer(capacity: size)
        let chunked = Self.writeRequestHead(head, size: size, into: &buffer)
        return (buffer, chunked)
    }

    /// A response head in a buffer of exactly its size, and whether it declares a chunked body.
    public static func encode(_ head: ResponseHead, allocator: ByteBufferAllocator) -> (
        bytes: ByteBuffer, chunked: Bool
    ) {
        let size = Self.encodedSize(of: head)
        var buffer = allocator.buffer(capacity: size)
        let chunked = Self.writeResponseHead(head, size: size, into: &buffer)
        return (buffer, chunked)
    }

    /// The bytes `head` takes on the wire.
    public static func encodedSize(of head: RequestHead) -> Int {
        head.method.name.utf8.count + head.target.utf8.count + 12 + Self.size(of: head.headers)
    }

    /// The bytes `head` takes on the wire.
    public static func encodedSize(of head: ResponseHead) -> Int {
        let reason = head.reason.flatMap { $0.isEmpty ? nil : $0 }
        return 15 + (reason?.utf8.count ?? Self.reasonPhrase(head.status).utf8CodeUnitCount)
            + Self.size(of: head.headers)
    }

    /// Writes `METHOD target HTTP/1.1\r\n`, the fields, and the blank line. Returns whether
    /// the head declares a chunked body (its last transfer coding is `chunked`).
    @discardableResult
    public static func writeRequestHead(_ head: RequestHead, into buffer: inout ByteBuffer) -> Bool {
        Self.writeRequestHead(head, size: Self.encodedSize(of: head), into: &buffer)
    }

    /// `writeRequestHead` with the head's ``encodedSize(of:)-(RequestHead)`` already known.
    private static func writeRequestHead(_ head: RequestHead, size: Int, into buffer: inout ByteBuffer) -> Bool {
        var chunked = false
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
            var out = RawWriter(raw)
            out.append(head.method.name)
            out.append(UInt8(ascii: " "))
            out.append(head.target)
            out.append(head.version.minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n")
            chunked = out.appendFields(head.headers)
            return out.offset
        }
        return chunked
    }

    /// Writes `HTTP/1.x status reason\r\n`, the fields, and the blank line. Returns whether
    /// the head declares a chunked body.
    @discardableResult
    public static func writeResponseHead(_ head: ResponseHead, into buffer: inout ByteBuffer) -> Bool {
        Self.writeResponseHead(head, size: Self.encodedSize(of: head), into: &buffer)
    }

    /// `writeResponseHead` with the head's ``encodedSize(of:)-(ResponseHead)`` already known.
    private static func writeResponseHead(_ head: ResponseHead, size: Int, into buffer: inout ByteBuffer) -> Bool {
        let reason = head.reason.flatMap { $0.isEmpty ? nil : $0 }
        var chunked = false
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
            var out = RawWriter(raw)
            out.append(head.version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
            let status = min(max(head.status, 100), 999)
            out.append(UInt8(0x30 + status / 100))
            out.append(UInt8(0x30 + status / 10 % 10))
            out.append(UInt8(0x30 + status % 10))
            out.append(UInt8(ascii: " "))
            if let reason { out.append(reason) } else { out.append(Self.reasonPhrase(head.status)) }
            out.append("\r\n")
            chunked = out.appendFields(head.headers)
            return out.offset
        }
        return chunked
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

    /// Whether the last transfer coding a `Transfer-Encoding` value names is `chunked`; nil
    /// when it names none. Empty list elements (`chunked,`, a value of only commas) are
    /// skipped, as RFC 9110 §5.6.1 asks and as ``MessageFraming`` does when parsing: both must
    /// agree on which bodies are chunked, or a head that parsed as chunked would have its body
    /// written unframed (found by the request fuzzer, see docs/fuzzing.md).
    static func lastCodingIsChunked(_ value: String) -> Bool? {
        var last: Bool?
        HTTPSyntax.forEachListElement(in: value) { coding in
            guard !coding.isEmpty else { return }
            last =
                coding.utf8.count == 7 && zip(coding.utf8, "chunked".utf8).allSatisfy { HTTPSyntax.lowercase($0) == $1 }
        }
        return last
    }

    /// The bytes the fields and the blank line take.
    private static func size(of headers: HeaderList) -> Int {
        var total = 2
        for (name, value) in headers.pairs { total += name.utf8.count + value.utf8.count + 4 }
        return total
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

/// Appends bytes to memory reserved for a whole head: one capacity check for the head instead
/// of one per piece (ByteBuffer's `writeString` checks uniqueness and capacity each call,
/// which cost more than the copies for the dozen short pieces of a head).
struct RawWriter {
    private let raw: UnsafeMutableRawBufferPointer
    private(set) var offset = 0

    init(_ raw: UnsafeMutableRawBufferPointer) {
        self.raw = raw
    }

    mutating func append(_ byte: UInt8) {
        self.raw[self.offset] = byte
        self.offset += 1
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { self.append(UnsafeRawBufferPointer($0)) }
    }

    mutating func append(_ text: String) {
        // Borrowed, not copied: `withUTF8` is mutating and would retain and release the string.
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { self.append(UnsafeRawBufferPointer($0)) }
        if done == nil {
            var text = text
            text.withUTF8 { self.append(UnsafeRawBufferPointer($0)) }
        }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(self.offset + bytes.count <= self.raw.count, "head larger than reserved")
        (self.raw.baseAddress! + self.offset).copyMemory(from: source, byteCount: bytes.count)
        self.offset += bytes.count
    }

    /// The fields and the blank line; returns whether a `Transfer-Encoding` field ends with
    /// `chunked` (noticed on the way, so the body writer needs no second scan).
    mutating func appendFields(_ headers: HeaderList) -> Bool {
        var chunked = false
        for (name, value) in headers.pairs {
            // A field naming no coding leaves the answer as it was (MessageFraming skips it too).
            if name.utf8.count == 17, HTTPSyntax.equalsCaseInsensitive(name, "transfer-encoding"),
                let last = HTTP1Serializer.lastCodingIsChunked(value)
            {
                chunked = last
            }
            self.append(name)
            self.append(": ")
            self.append(value)
            self.append("\r\n")
        }
        self.append("\r\n")
        return chunked
    }
}
