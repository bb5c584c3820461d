import PorticoHTTP

/// A JSON value, as read from a token's header and payload or a JWK.
///
/// Numbers keep the text they were written with: claims are forwarded as written
/// (`1700000000`, not `1.7e9`) and converted to `Double` only where a time is compared.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member `name` of an object.
    subscript(name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[name]
    }

    /// The text of a string.
    var string: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// The value of a number.
    var number: Double? {
        guard case .number(let text) = self else { return nil }
        return Double(text)
    }

    /// Strings, numbers and booleans as text (what goes into headers and `jwt.*` values).
    var scalarText: String? {
        switch self {
        case .string(let text): text
        case .number(let text): text
        case .bool(let value): value ? "true" : "false"
        case .null, .array, .object: nil
        }
    }

    /// The value at a claim path: the member named `path` itself if there is one (claim names
    /// may contain dots, e.g. `https://example.com/roles`), else the dotted path walked
    /// through nested objects (`realm_access.roles`).
    func value(at path: ClaimPath) -> JSONValue? {
        if let whole = self[path.name] { return whole }
        guard path.segments.count > 1 else { return nil }
        var current = self
        for segment in path.segments {
            guard let next = current[segment] else { return nil }
            current = next
        }
        return current
    }
}

/// A claim named in config: `sub`, or a dotted path into nested objects.
struct ClaimPath: Sendable, Hashable {
    /// The text as written.
    let name: String
    /// The dot-separated parts.
    let segments: [String]

    init(_ name: String) {
        self.name = name
        self.segments = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }
}

/// A strict RFC 8259 reader for the small JSON documents in tokens and key sets.
///
/// Written by hand because the alternatives are Foundation's `JSONSerialization`/`JSONDecoder`
/// (too costly per request, and jwt-kit uses them for every token) and nothing else here
/// parses JSON. It is used on cache misses only. Hostile input is expected: nesting depth is
/// bounded (no stack exhaustion), duplicate member names are an error (two readers could pick
/// different values), and any syntax error gives nil, never a trap.
struct JSONReader {
    private let bytes: [UInt8]
    private var index = 0
    private let maxDepth: Int

    private init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// The document in `bytes`, or nil if it is not exactly one valid JSON value.
    static func parse(_ bytes: [UInt8], maxDepth: Int = 32) -> JSONValue? {
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth)
        guard let value = reader.value(depth: 0) else { return nil }
        reader.skipWhitespace()
        return reader.index == bytes.count ? value : nil
    }

    /// The document in `text`.
    static func parse(_ text: String, maxDepth: Int = 32) -> JSONValue? {
        Self.parse(Array(text.utf8), maxDepth: maxDepth)
    }

    private var current: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    private mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            self.index += 1
        }
    }

    private mutating func value(depth: Int) -> JSONValue? {
        guard depth <= self.maxDepth else { return nil }
        self.skipWhitespace()
        guard let byte = self.current else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return self.object(depth: depth)
        case UInt8(ascii: "["): return self.array(depth: depth)
        case UInt8(ascii: "\""): return self.string().map(JSONValue.string)
        case UInt8(ascii: "t"): return self.literal("true", .bool(true))
        case UInt8(ascii: "f"): return self.literal("false", .bool(false))
        case UInt8(ascii: "n"): return self.literal("null", .null)
        default: return self.number()
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) -> JSONValue? {
        let count = word.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { return nil }
        for offset in 0..<count where self.bytes[self.index + offset] != word.utf8Start[offset] {
            return nil
        }
        self.index += count
        return value
    }

    private mutating func object(depth: Int) -> JSONValue? {
        self.index += 1
        var members: [String: JSONValue] = [:]
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\""), let name = self.string() else { return nil }
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { return nil }
            self.index += 1
            guard let value = self.value(depth: depth + 1), members.updateValue(value, forKey: name) == nil else {
                return nil
            }
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: return nil
            }
        }
    }

    private mutating func array(depth: Int) -> JSONValue? {
        self.index += 1
        var elements: [JSONValue] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            guard let element = self.value(depth: depth + 1) else { return nil }
            elements.append(element)
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(elements)
            default: return nil
            }
        }
    }

    private mutating func number() -> JSONValue? {
        let start = self.index
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.current, Self.isDigit(first) else { return nil }
        self.index += 1
        if first != UInt8(ascii: "0") { self.skipDigits() }
        if self.current == UInt8(ascii: ".") {
            self.index += 1
            guard let digit = self.current, Self.isDigit(digit) else { return nil }
            self.skipDigits()
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            self.index += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard let digit = self.current, Self.isDigit(digit) else { return nil }
            self.skipDigits()
        }
        return .number(String(decoding: self.bytes[start..<self.index], as: UTF8.self))
    }

    private mutating func skipDigits() {
        while let byte = self.current, Self.isDigit(byte) { self.index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// A string literal at `index` (which is on the opening quote).
    private mutating func string() -> String? {
        self.index += 1
        let start = self.index
        // Fast path: no escapes, the bytes are the string.
        while let byte = self.current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { return nil }
            self.index += 1
        }
        guard let stop = self.current else { return nil }
        var utf8 = Array(self.bytes[start..<self.index])
        if stop == UInt8(ascii: "\\") {
            guard self.escapedRest(into: &utf8) else { return nil }
        } else {
            self.index += 1
        }
        return String(validating: utf8, as: UTF8.self)
    }

    /// The rest of a string with escapes, up to and including the closing quote.
    private mutating func escapedRest(into utf8: inout [UInt8]) -> Bool {
        while let byte = self.current {
            self.index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return true
            case UInt8(ascii: "\\"):
                guard let escape = self.current else { return false }
                self.index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = self.unicodeEscape() else { return false }
                    utf8.append(contentsOf: String(Character(scalar)).utf8)
                default: return false
                }
            default:
                guard byte >= 0x20 else { return false }
                utf8.append(byte)
            }
        }
        return false
    }

    /// The scalar of `\uXXXX` (after the `u`), joining a surrogate pair; lone surrogates fail.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = self.hex4() else { return nil }
        if high >= 0xD800 && high < 0xDC00 {
            guard self.current == UInt8(ascii: "\\"), self.index + 1 < self.bytes.count,
                self.bytes[self.index + 1] == UInt8(ascii: "u")
            else { return nil }
            self.index += 2
            guard let low = self.hex4(), low >= 0xDC00 && low < 0xE000 else { return nil }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        }
        return Unicode.Scalar(high)
    }

    private mutating func hex4() -> UInt32? {
        guard self.index + 4 <= self.bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            self.index += 1
        }
        return value
    }
}

extension JSONValue {
    /// Compact JSON text (for forwarding a non-scalar claim).
    var jsonText: String {
        var output = ""
        self.write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let text): output += text
        case .string(let text): JSONText.appendString(text, to: &output)
        case .array(let elements):
            output += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output += "," }
                element.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (offset, name) in members.keys.sorted().enumerated() {
                if offset > 0 { output += "," }
                JSONText.appendString(name, to: &output)
                output += ":"
                members[name]!.write(to: &output)
            }
            output += "}"
        }
    }
}
