import NIOCore

/// How a message's body is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    /// No body.
    case none
    /// Exactly this many bytes.
    case length(Int)
    /// Chunked transfer coding.
    case chunked
    /// Until the connection closes (responses only).
    case untilClose
}

/// What a body decoder produced.
public enum BodyEvent: Sendable, Equatable {
    /// Body bytes (a slice of the input: no copy).
    case data(ByteBuffer)
    /// The body ended.
    case end
}

/// Decodes a message body incrementally: fixed-length, chunked, or until close.
///
/// Chunk extensions are validated and ignored; trailer fields are validated (the same rules as
/// header fields) and dropped — nothing downstream of an HTTP/1 proxy relies on them, and
/// forwarding them would need the same coding on the other side.
public struct BodyDecoder: Sendable {
    enum State: Sendable, Equatable {
        case fixed(remaining: Int)
        case chunkSize(value: Int, digits: Int, inExtension: Bool, lineBytes: Int)
        case chunkSizeLF(value: Int)
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case trailerLine(lineBytes: Int, sawCR: Bool, total: Int)
        case untilClose
        case endPending
        case done
    }

    private var state: State
    private var trailerLine: [UInt8] = []
    /// Longest chunk-size line (with extensions).
    public static let maxChunkLine = 4096
    /// Most trailer bytes.
    public static let maxTrailerBytes = 16 * 1024

    /// A decoder for a body with this framing.
    public init(_ framing: BodyFraming) {
        switch framing {
        case .none: self.state = .endPending
        case .length(let length): self.state = length == 0 ? .endPending : .fixed(remaining: length)
        case .chunked: self.state = .chunkSize(value: 0, digits: 0, inExtension: false, lineBytes: 0)
        case .untilClose: self.state = .untilClose
        }
    }

    /// Whether the body is complete and its end was reported.
    public var isDone: Bool { self.state == .done }

    /// The next event from `buffer` (consuming what it used), or nil when more input is
    /// needed. Call again until nil: one call returns at most one data slice.
    public mutating func next(_ buffer: inout ByteBuffer) throws -> BodyEvent? {
        while true {
            switch self.state {
            case .done:
                return nil
            case .endPending:
                self.state = .done
                return .end
            case .fixed(let remaining):
                guard buffer.readableBytes > 0 else { return nil }
                let count = min(remaining, buffer.readableBytes)
                let slice = buffer.readSlice(length: count)!
                self.state = count == remaining ? .endPending : .fixed(remaining: remaining - count)
                return .data(slice)
            case .untilClose:
                guard buffer.readableBytes > 0 else { return nil }
                return .data(buffer.readSlice(length: buffer.readableBytes)!)
            case .chunkData(let remaining):
                guard buffer.readableBytes > 0 else { return nil }
                let count = min(remaining, buffer.readableBytes)
                let slice = buffer.readSlice(length: count)!
                self.state = count == remaining ? .chunkDataCR : .chunkData(remaining: remaining - count)
                return .data(slice)
            default:
                guard let byte = buffer.readInteger(as: UInt8.self) else { return nil }
                if let event = try self.step(byte) { return event }
            }
        }
    }

    /// The connection ended: fine for close-delimited bodies, an error otherwise.
    public mutating func finish() throws -> BodyEvent? {
        switch self.state {
        case .untilClose, .endPending:
            self.state = .done
            return .end
        case .done:
            return nil
        default:
            throw HTTP1ParseError.truncated
        }
    }

    /// One byte of the chunked framing (size lines, CRLFs, trailers).
    private mutating func step(_ byte: UInt8) throws -> BodyEvent? {
        switch self.state {
        case .chunkSize(let value, let digits, let inExtension, let lineBytes):
            guard lineBytes < Self.maxChunkLine else { throw HTTP1ParseError.invalidChunk }
            if byte == 0x0D {
                guard digits > 0 else { throw HTTP1ParseError.invalidChunk }
                self.state = .chunkSizeLF(value: value)
            } else if inExtension {
                // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): no controls.
                guard byte == 0x09 || (byte >= 0x20 && byte != 0x7F) else { throw HTTP1ParseError.invalidChunk }
                self.state = .chunkSize(value: value, digits: digits, inExtension: true, lineBytes: lineBytes + 1)
            } else if let digit = Self.hexValue(byte) {
                guard digits < 15 else { throw HTTP1ParseError.invalidChunk }  // no overflow, no absurd sizes
                self.state = .chunkSize(
                    value: value << 4 | Int(digit), digits: digits + 1, inExtension: false, lineBytes: lineBytes + 1)
            } else if (byte == UInt8(ascii: ";") || byte == 0x20 || byte == 0x09) && digits > 0 {
                self.state = .chunkSize(value: value, digits: digits, inExtension: true, lineBytes: lineBytes + 1)
            } else {
                throw HTTP1ParseError.invalidChunk
            }
        case .chunkSizeLF(let value):
            guard byte == 0x0A else { throw HTTP1ParseError.invalidChunk }
            self.state = value == 0 ? .trailerLine(lineBytes: 0, sawCR: false, total: 0) : .chunkData(remaining: value)
        case .chunkDataCR:
            guard byte == 0x0D else { throw HTTP1ParseError.invalidChunk }
            self.state = .chunkDataLF
        case .chunkDataLF:
            guard byte == 0x0A else { throw HTTP1ParseError.invalidChunk }
            self.state = .chunkSize(value: 0, digits: 0, inExtension: false, lineBytes: 0)
        case .trailerLine(let lineBytes, let sawCR, let total):
            guard total < Self.maxTrailerBytes else { throw HTTP1ParseError.trailersTooLarge }
            if sawCR {
                guard byte == 0x0A else { throw HTTP1ParseError.invalidLineEnding }
                if lineBytes == 0 {
                    self.state = .done
                    self.trailerLine = []
                    return .end
                }
                try self.validateTrailerLine()
                self.state = .trailerLine(lineBytes: 0, sawCR: false, total: total + 1)
            } else if byte == 0x0D {
                self.state = .trailerLine(lineBytes: lineBytes, sawCR: true, total: total + 1)
            } else if byte == 0x0A {
                throw HTTP1ParseError.invalidLineEnding
            } else {
                self.trailerLine.append(byte)
                self.state = .trailerLine(lineBytes: lineBytes + 1, sawCR: false, total: total + 1)
            }
        default:
            break
        }
        return nil
    }

    private mutating func validateTrailerLine() throws {
        defer { self.trailerLine.removeAll(keepingCapacity: true) }
        var line = self.trailerLine
        line.append(contentsOf: [0x0D, 0x0A])
        try line.withUnsafeBytes { (bytes) throws in
            _ = try HTTP1HeadParser.parseField(bytes, 0..<(bytes.count - 2))
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
