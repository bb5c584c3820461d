extension JSONReader {
    /// A string whose opening quote is at `index`.
    mutating func parseString() throws(Failure) -> String {
        self.index += 1
        let start = self.index
        // Most strings have no escapes: their bytes are the string, validated in place.
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
        var utf8 = Array(self.bytes[start..<self.index])
        try self.unescapeRest(into: &utf8)
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw Failure(message: "string is not valid UTF-8", offset: start)
        }
        return text
    }

    /// The rest of a string that has escapes, decoded into `utf8`, through the closing quote.
    private mutating func unescapeRest(into utf8: inout [UInt8]) throws(Failure) {
        while true {
            guard let byte = self.current else { throw self.failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                return
            case UInt8(ascii: "\\"):
                self.index += 1
                guard let escape = self.current else { throw self.failure("unterminated string") }
                self.index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"): UTF8.encode(try self.unicodeEscape()) { utf8.append($0) }
                default: throw self.failure("invalid escape '\\\(Self.describe(escape))'")
                }
            default:
                guard byte >= 0x20 else { throw self.failure("control character in string") }
                utf8.append(byte)
                self.index += 1
            }
        }
    }

    /// The scalar of a `\u` escape whose four hex digits are at `index`. UTF-16 surrogates
    /// must come as a high-low pair of escapes (`\ud83d\ude00`): alone they are no character.
    private mutating func unicodeEscape() throws(Failure) -> Unicode.Scalar {
        var value = try self.hex4()
        if (0xD800..<0xDC00).contains(value) {
            guard self.current == UInt8(ascii: "\\"), self.index + 1 < self.bytes.count,
                self.bytes[self.index + 1] == UInt8(ascii: "u")
            else { throw self.failure("unpaired surrogate in \\u escape") }
            self.index += 2
            let low = try self.hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw self.failure("unpaired surrogate in \\u escape") }
            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(value) {
            throw self.failure("unpaired surrogate in \\u escape")
        }
        guard let scalar = Unicode.Scalar(value) else { throw self.failure("invalid \\u escape") }
        return scalar
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw self.failure("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw self.failure("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            self.index += 1
        }
        return value
    }
}
