/// A strict JSON reader (RFC 8259) over bytes, for documents that arrive with requests:
/// bodies checked by `json_schema`, token headers, payloads and key sets read by `jwt`.
///
/// Hand-written because Foundation's `JSONSerialization`/`JSONDecoder` must not run per request
/// (they allocate heavily and bridge), and because hostile input needs limits they lack:
/// nesting depth is bounded (no stack exhaustion from `[[[[...`), strings must be valid UTF-8
/// with paired surrogates in `\u` escapes, and duplicate member names are refused (a validator
/// and a backend that keep different duplicates would see different documents). Every refusal
/// names the byte offset where it was noticed; no input traps.
public struct JSONReader {
    /// Why a document was refused, and the byte offset where the reader noticed.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var offset: Int

        public init(message: String, offset: Int) {
            self.message = message
            self.offset = offset
        }

        public var description: String { "\(self.message) at byte \(self.offset)" }
    }

    /// What to do with a number too large for a `Double` (`1e400`).
    public enum OutOfRangeNumbers: Sendable {
        /// Refuse the document: whatever compares numbers could not judge this one.
        case refuse
        /// Keep it: its text is exact, its `double` is `±infinity`.
        case keepAsText
    }

    let bytes: UnsafeRawBufferPointer
    var index = 0
    private let maxDepth: Int
    private let outOfRangeNumbers: OutOfRangeNumbers

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int, outOfRangeNumbers: OutOfRangeNumbers) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.outOfRangeNumbers = outOfRangeNumbers
    }

    /// The one JSON value that `bytes` hold (whitespace around it allowed), with arrays and
    /// objects nested at most `maxDepth` levels deep.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int, outOfRangeNumbers: OutOfRangeNumbers = .refuse
    ) throws(Failure) -> JSONValue {
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth, outOfRangeNumbers: outOfRangeNumbers)
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw reader.failure("unexpected data after the JSON value") }
        return value
    }

    /// The one JSON value that `bytes` hold.
    public static func parse(
        _ bytes: [UInt8], maxDepth: Int, outOfRangeNumbers: OutOfRangeNumbers = .refuse
    ) throws(Failure) -> JSONValue {
        // `withUnsafeBytes` rethrows untyped errors: the failure travels out in a `Result`.
        try bytes.withUnsafeBytes { raw in
            Result { () throws(Failure) in
                try Self.parse(raw, maxDepth: maxDepth, outOfRangeNumbers: outOfRangeNumbers)
            }
        }.get()
    }

    /// The one JSON value that `text` holds (its UTF-8 is read in place).
    public static func parse(
        _ text: String, maxDepth: Int, outOfRangeNumbers: OutOfRangeNumbers = .refuse
    ) throws(Failure) -> JSONValue {
        var text = text
        return try text.withUTF8 { utf8 in
            Result { () throws(Failure) in
                try Self.parse(UnsafeRawBufferPointer(utf8), maxDepth: maxDepth, outOfRangeNumbers: outOfRangeNumbers)
            }
        }.get()
    }

    func failure(_ message: String) -> Failure {
        Failure(message: message, offset: self.index)
    }

    var current: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    private mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { self.index += 1 }
    }

    /// A value starting at `index`, inside `depth` arrays and objects.
    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard let byte = self.current else { throw self.failure("unexpected end of data") }
        switch byte {
        case UInt8(ascii: "{"): return try self.parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try self.parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): return try self.literal("true", .bool(true))
        case UInt8(ascii: "f"): return try self.literal("false", .bool(false))
        case UInt8(ascii: "n"): return try self.literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try self.parseNumber())
        default: throw self.failure("unexpected character '\(Self.describe(byte))'")
        }
    }

    /// A byte as it may be quoted in a message: printable ASCII itself, anything else in hex.
    static func describe(_ byte: UInt8) -> String {
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

    /// An object whose `{` is at `index`; `depth` counts it.
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

    /// An array whose `[` is at `index`; `depth` counts it.
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

    /// A number at `index`: RFC 8259 syntax exactly (no `+1`, `01`, `1.`, `.5`).
    private mutating func parseNumber() throws(Failure) -> JSONNumber {
        let start = self.index
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.current, Self.isDigit(first) else { throw self.failure("invalid number") }
        self.index += 1
        if first != UInt8(ascii: "0") { self.skipDigits() }
        if self.current == UInt8(ascii: ".") {
            self.index += 1
            guard let byte = self.current, Self.isDigit(byte) else { throw self.failure("invalid number") }
            self.skipDigits()
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            self.index += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard let byte = self.current, Self.isDigit(byte) else { throw self.failure("invalid number") }
            self.skipDigits()
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        // Beyond a Double's range `Double(_:)` gives ±infinity, not nil.
        guard let double = Double(text), double.isFinite || self.outOfRangeNumbers == .keepAsText else {
            throw Failure(message: "number out of range", offset: start)
        }
        return JSONNumber(text: text, double: double)
    }

    private mutating func skipDigits() {
        while let byte = self.current, Self.isDigit(byte) { self.index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
