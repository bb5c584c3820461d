import NIOCore
import PorticoHTTP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Parses HTTP/1.x request and response heads (RFC 9112 §2–5) strictly, in place.
///
/// Written for the proxy rather than using a general parser: it records byte ranges instead
/// of building strings, classifies the fields the proxy acts on while it passes over them,
/// and rejects everything that could let two parsers disagree about where a message ends
/// (bare LF, obs-fold, whitespace before the colon, control bytes).
public struct HTTP1HeadParser: Sendable {
    /// Limits applied while parsing.
    public struct Limits: Sendable {
        /// Largest head: all its bytes, from any empty lines before the start line through
        /// the blank line that ends it.
        public var maxHeadBytes: Int
        /// Most header fields.
        public var maxFields: Int
        /// Longest request target.
        public var maxTargetBytes: Int

        /// Limits with generous defaults.
        public init(maxHeadBytes: Int = 64 * 1024, maxFields: Int = 256, maxTargetBytes: Int = 8 * 1024) {
            self.maxHeadBytes = maxHeadBytes
            self.maxFields = maxFields
            self.maxTargetBytes = maxTargetBytes
        }
    }

    /// Requests or responses.
    public enum Kind: Sendable {
        case request
        case response
    }

    public let kind: Kind
    public let limits: Limits

    /// A parser.
    public init(kind: Kind, limits: Limits = Limits()) {
        self.kind = kind
        self.limits = limits
    }

    /// Looks for a complete head at the start of `buffer`'s readable bytes. Returns the head
    /// and moves the reader index past it; returns nil (leaving `buffer` alone) when more
    /// bytes are needed; throws when the bytes cannot be a valid head.
    ///
    /// `scanned` is how far a previous call already looked (it returns the new value), so a
    /// head arriving in pieces is not rescanned from its start each time.
    /// Errors thrown are ``HTTP1ParseError``s.
    public func parse(_ buffer: inout ByteBuffer, scanned: inout Int) throws -> ParsedHead? {
        guard let (head, length) = try buffer.withUnsafeReadableBytes({ try self.parse($0, scanned: &scanned) }) else {
            return nil
        }
        var parsed = head
        parsed.bytes = buffer.readSlice(length: length)!
        scanned = 0
        return parsed
    }

    /// The head at the start of `received` and its length, or nil if incomplete.
    func parse(_ received: UnsafeRawBufferPointer, scanned: inout Int) throws -> (ParsedHead, Int)? {
        // Only the first `maxHeadBytes` bytes are ever looked at: the whole head must fit in
        // them, empty lines before the start line included (they end up in its bytes). Looking
        // further made the verdict on an oversized head depend on how it arrived: all at once,
        // a head up to two bytes over the limit passed and a bare LF past the limit was
        // reported instead of the size; in pieces, both were "too large" (found by the request
        // fuzzer, see docs/fuzzing.md). Leading empty lines no longer pile up without limit.
        let bytes = UnsafeRawBufferPointer(rebasing: received[..<min(received.count, self.limits.maxHeadBytes)])
        // Find the blank line that ends the head (after any empty lines before the start
        // line, which RFC 9112 §2.2 says to ignore).
        var start = 0
        while start + 1 < bytes.count, bytes[start] == 0x0D, bytes[start + 1] == 0x0A { start += 2 }
        if start < bytes.count, bytes[start] == 0x0A { throw HTTP1ParseError.invalidLineEnding }
        guard try Self.findHeadEnd(bytes, from: max(start, scanned)) != nil else {
            // No end among all the bytes a head may take: it is too large.
            if !received.isEmpty, received.count >= self.limits.maxHeadBytes { throw HTTP1ParseError.headTooLarge }
            scanned = max(start, bytes.count - 1)
            return nil
        }
        var head = ParsedHead(
            bytes: ByteBuffer(),
            startLine: (0..<0, 0..<0, 0..<0),
            version: .http1_1,
            status: 0,
            fields: []
        )
        var index = start
        let lineEnd = try Self.lineEnd(bytes, from: index)
        switch self.kind {
        case .request: try self.parseRequestLine(bytes, index..<lineEnd, into: &head)
        case .response: try self.parseStatusLine(bytes, index..<lineEnd, into: &head)
        }
        index = lineEnd + 2
        head.fields.reserveCapacity(12)
        while true {
            let lineEnd = try Self.lineEnd(bytes, from: index)
            if lineEnd == index { break }  // the blank line
            if head.fields.count == self.limits.maxFields { throw HTTP1ParseError.tooManyFields }
            head.fields.append(try Self.parseField(bytes, index..<lineEnd))
            index = lineEnd + 2
        }
        return (head, index + 2)
    }

    /// The offset of the second CRLF of the CRLF CRLF that ends the head (so the head is
    /// `end + 2` bytes long), or nil if it has not arrived. Every LF on the way must follow a
    /// CR: a bare LF is refused as soon as it is seen, not only once the head is complete.
    static func findHeadEnd(_ bytes: UnsafeRawBufferPointer, from: Int) throws -> Int? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        var index = max(from, 1)
        // From LF to LF with memchr (vectorised in libc): heads are scanned before they are
        // parsed, so this pass over every byte should be the cheap one.
        while index < bytes.count, let found = memchr(base + index, 0x0A, bytes.count - index) {
            let lineFeed = base.distance(to: UnsafeRawPointer(found))
            guard bytes[lineFeed - 1] == 0x0D else { throw HTTP1ParseError.invalidLineEnding }
            if lineFeed >= 3, bytes[lineFeed - 2] == 0x0A, bytes[lineFeed - 3] == 0x0D { return lineFeed - 1 }
            index = lineFeed + 1
        }
        if bytes[0] == 0x0A { throw HTTP1ParseError.invalidLineEnding }
        return nil
    }

    /// The offset of the CR of the line starting at `from`; a bare LF or CR is an error.
    static func lineEnd(_ bytes: UnsafeRawBufferPointer, from: Int) throws -> Int {
        // The line ends at the first LF, which must follow a CR; any other CR is a bare one.
        guard let base = bytes.baseAddress, from < bytes.count,
            let found = memchr(base + from, 0x0A, bytes.count - from)
        else { throw HTTP1ParseError.invalidLineEnding }
        let lineFeed = base.distance(to: UnsafeRawPointer(found))
        guard lineFeed > from, bytes[lineFeed - 1] == 0x0D else { throw HTTP1ParseError.invalidLineEnding }
        let end = lineFeed - 1
        if end > from, memchr(base + from, 0x0D, end - from) != nil { throw HTTP1ParseError.invalidLineEnding }
        return end
    }

    private func parseRequestLine(
        _ bytes: UnsafeRawBufferPointer,
        _ line: Range<Int>,
        into head: inout ParsedHead
    ) throws {
        var index = line.lowerBound
        while index < line.upperBound, Self.isTokenByte(bytes[index]) { index += 1 }
        guard index > line.lowerBound else { throw HTTP1ParseError.invalidMethod }
        guard index < line.upperBound else { throw HTTP1ParseError.invalidStartLine }
        guard bytes[index] == 0x20 else { throw HTTP1ParseError.invalidMethod }
        let method = line.lowerBound..<index
        index += 1
        let targetStart = index
        while index < line.upperBound, bytes[index] != 0x20 {
            let byte = bytes[index]
            if byte < 0x21 || byte == 0x7F { throw HTTP1ParseError.invalidTarget }
            index += 1
        }
        guard index > targetStart else { throw HTTP1ParseError.invalidTarget }
        guard index < line.upperBound else { throw HTTP1ParseError.invalidStartLine }
        if index - targetStart > self.limits.maxTargetBytes { throw HTTP1ParseError.targetTooLong }
        let target = targetStart..<index
        index += 1
        let version = try Self.parseVersion(bytes, index..<line.upperBound)
        head.startLine = (method, target, index..<line.upperBound)
        head.version = version
    }

    private func parseStatusLine(
        _ bytes: UnsafeRawBufferPointer,
        _ line: Range<Int>,
        into head: inout ParsedHead
    ) throws {
        guard line.count >= 12 else { throw HTTP1ParseError.invalidStartLine }
        let versionRange = line.lowerBound..<(line.lowerBound + 8)
        head.version = try Self.parseVersion(bytes, versionRange)
        guard bytes[line.lowerBound + 8] == 0x20 else { throw HTTP1ParseError.invalidStartLine }
        var status = 0
        for offset in 9..<12 {
            let byte = bytes[line.lowerBound + offset]
            guard byte >= 0x30 && byte <= 0x39 else { throw HTTP1ParseError.invalidStatus }
            status = status * 10 + Int(byte - 0x30)
        }
        guard status >= 100 else { throw HTTP1ParseError.invalidStatus }
        var reasonStart = line.lowerBound + 12
        if reasonStart < line.upperBound {
            guard bytes[reasonStart] == 0x20 else { throw HTTP1ParseError.invalidStatus }
            reasonStart += 1
        }
        for index in reasonStart..<line.upperBound {
            let byte = bytes[index]
            if byte != 0x09 && (byte < 0x20 || byte == 0x7F) { throw HTTP1ParseError.invalidStartLine }
        }
        head.status = status
        head.startLine = (versionRange, (line.lowerBound + 9)..<(line.lowerBound + 12), reasonStart..<line.upperBound)
    }

    static func parseVersion(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws -> HTTPVersion {
        guard range.count == 8,
            bytes[range.lowerBound] == UInt8(ascii: "H"), bytes[range.lowerBound + 1] == UInt8(ascii: "T"),
            bytes[range.lowerBound + 2] == UInt8(ascii: "T"), bytes[range.lowerBound + 3] == UInt8(ascii: "P"),
            bytes[range.lowerBound + 4] == UInt8(ascii: "/"), bytes[range.lowerBound + 6] == UInt8(ascii: ".")
        else { throw HTTP1ParseError.invalidStartLine }
        let major = bytes[range.lowerBound + 5]
        let minor = bytes[range.lowerBound + 7]
        guard major >= 0x30 && major <= 0x39 && minor >= 0x30 && minor <= 0x39 else {
            throw HTTP1ParseError.invalidStartLine
        }
        guard major == UInt8(ascii: "1"), minor == UInt8(ascii: "1") || minor == UInt8(ascii: "0") else {
            throw HTTP1ParseError.unsupportedVersion
        }
        return minor == UInt8(ascii: "1") ? .http1_1 : .http1_0
    }

    static func parseField(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) throws -> ParsedHead.Field {
        let first = bytes[line.lowerBound]
        if first == 0x20 || first == 0x09 { throw HTTP1ParseError.obsoleteLineFolding }
        var index = line.lowerBound
        while index < line.upperBound, bytes[index] != UInt8(ascii: ":") {
            guard Self.isTokenByte(bytes[index]) else { throw HTTP1ParseError.invalidFieldName }
            index += 1
        }
        guard index > line.lowerBound, index < line.upperBound else { throw HTTP1ParseError.invalidFieldName }
        let name = line.lowerBound..<index
        index += 1
        while index < line.upperBound, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        var valueEnd = line.upperBound
        while valueEnd > index, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        guard Self.isFieldValue(bytes, index..<valueEnd) else { throw HTTP1ParseError.invalidFieldValue }
        return ParsedHead.Field(
            nameStart: UInt32(name.lowerBound),
            nameLength: UInt32(name.count),
            valueStart: UInt32(index),
            valueLength: UInt32(valueEnd - index),
            known: KnownHeader.classify(UnsafeRawBufferPointer(rebasing: bytes[name]))
        )
    }

    /// `HTTPSyntax.isTokenByte` as a bitmap lookup (a few instructions, no branches per class).
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        let word: UInt64 =
            switch byte >> 6 {
            case 0: 0x03FF_6CFA_0000_0000
            case 1: 0x57FF_FFFF_C7FF_FFFE
            default: 0
            }
        return (word >> UInt64(byte & 63)) & 1 == 1
    }

    /// Whether the bytes in `range` are a valid field value (`HTTPSyntax.isFieldValueByte`
    /// each): eight at a time, looking at single bytes only in a word that has a control byte
    /// or DEL (a tab is allowed).
    static func isFieldValue(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = range.lowerBound
        while index + 8 <= range.upperBound {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            // Some byte below 0x20 (the high-bit bytes of obs-text are left out by `~word`),
            // or some byte equal to 0x7F.
            let control = (word &- ones &* 0x20) & ~word & highs
            let delete = ((word ^ (ones &* 0x7F)) &- ones) & ~(word ^ (ones &* 0x7F)) & highs
            if control | delete != 0 {
                for position in index..<(index + 8) where !HTTPSyntax.isFieldValueByte(bytes[position]) {
                    return false
                }
            }
            index += 8
        }
        while index < range.upperBound {
            if !HTTPSyntax.isFieldValueByte(bytes[index]) { return false }
            index += 1
        }
        return true
    }
}
