/// A small JSON parser over bytes (RFC 8259), for request bodies on the event loop.
///
/// Hand-written because Foundation's `JSONSerialization`/`JSONDecoder` must not run per request
/// (they allocate heavily and bridge), and because a gateway needs limits they lack: nesting
/// depth is bounded (no stack exhaustion from `[[[[...`), strings must be valid UTF-8, and
/// duplicate object keys are refused (a validator and a backend that pick different
/// duplicates would see different documents).
struct JSONParser {
    /// Why a document was refused, with the byte offset.
    struct Failure: Error, Equatable {
        var message: String
        var offset: Int
    }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private let maxDepth: Int

    /// Parses a whole document from `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected data after the JSON value") }
        return value
    }

    /// Parses a whole document from an array.
    static func parse(_ bytes: [UInt8], maxDepth: Int) throws(Failure) -> JSONValue {
        let result: Result<JSONValue, Failure> = bytes.withUnsafeBytes { raw in
            do throws(Failure) {
                return .success(try Self.parse(raw, maxDepth: maxDepth))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private func failure(_ message: String) -> Failure {
        Failure(message: message, offset: self.index)
    }

    private var current: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    private mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { self.index += 1 }
    }

    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard let byte = self.current else { throw self.failure("unexpected end of data") }
        switch byte {
        case UInt8(ascii: "{"): return try self.parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try self.parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): return try self.literal("true", .bool(true))
        case UInt8(ascii: "f"): return try self.literal("false", .bool(false))
        case UInt8(ascii: "n"): return try self.literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.parseNumber()
        default: throw self.failure("unexpected character '\(Self.describe(byte))'")
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
        let count = word.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw self.failure("invalid literal") }
        for offset in 0..<count where self.bytes[self.index + offset] != word.utf8Start[offset] {
            throw self.failure("invalid literal")
        }
        self.index += count
        return value
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= self.maxDepth else { throw self.failure("nesting deeper than \(self.maxDepth) levels") }
        self.index += 1
        var members: [String: JSONValue] = [:]
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\"") else { throw self.failure("expected a string key") }
            let keyStart = self.index
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { throw self.failure("expected ':'") }
            self.index += 1
            self.skipWhitespace()
            let value = try self.parseValue(depth: depth)
            guard members.updateValue(value, forKey: key) == nil else {
                throw Failure(message: "duplicate key '\(key)'", offset: keyStart)
            }
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: throw self.failure("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= self.maxDepth else { throw self.failure("nesting deeper than \(self.maxDepth) levels") }
        self.index += 1
        var items: [JSONValue] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return .array(items)
        }
        while true {
            self.skipWhitespace()
            items.append(try self.parseValue(depth: depth))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(items)
            default: throw self.failure("expected ',' or ']'")
            }
        }
    }

    private mutating func parseString() throws(Failure) -> String {
        self.index += 1
        let start = self.index
        // Fast path: no escapes.
        while let byte = self.current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 {
            self.index += 1
        }
        if self.current == UInt8(ascii: "\"") {
            let slice = UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index])
            self.index += 1
            guard let text = String(validating: slice, as: UTF8.self) else {
                throw Failure(message: "string is not valid UTF-8", offset: start)
            }
            return text
        }
        var buffer = Array(self.bytes[start..<self.index])
        while true {
            guard let byte = self.current else { throw self.failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                guard let text = String(validating: buffer, as: UTF8.self) else {
                    throw Failure(message: "string is not valid UTF-8", offset: start)
                }
                return text
            case UInt8(ascii: "\\"):
                self.index += 1
                guard let escape = self.current else { throw self.failure("unterminated string") }
                self.index += 1
                switch escape {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try self.hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        guard self.current == UInt8(ascii: "\\"), self.index + 1 < self.bytes.count,
                            self.bytes[self.index + 1] == UInt8(ascii: "u")
                        else { throw self.failure("unpaired surrogate in \\u escape") }
                        self.index += 2
                        let low = try self.hex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw self.failure("unpaired surrogate in \\u escape")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw self.failure("unpaired surrogate in \\u escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw self.failure("invalid \\u escape") }
                    buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw self.failure("invalid escape '\\\(Self.describe(escape))'")
                }
            default:
                guard byte >= 0x20 else { throw self.failure("control character in string") }
                buffer.append(byte)
                self.index += 1
            }
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw self.failure("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Bytes.hexValue(self.bytes[self.index]) else { throw self.failure("invalid \\u escape") }
            value = value << 4 | UInt32(digit)
            self.index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = self.index
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.current, Self.isDigit(first) else { throw self.failure("invalid number") }
        self.index += 1
        if first != UInt8(ascii: "0") {
            while let byte = self.current, Self.isDigit(byte) { self.index += 1 }
        }
        if self.current == UInt8(ascii: ".") {
            self.index += 1
            guard let byte = self.current, Self.isDigit(byte) else { throw self.failure("invalid number") }
            while let byte = self.current, Self.isDigit(byte) { self.index += 1 }
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            self.index += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard let byte = self.current, Self.isDigit(byte) else { throw self.failure("invalid number") }
            while let byte = self.current, Self.isDigit(byte) { self.index += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw Failure(message: "number out of range", offset: start)
        }
        return .number(value)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
