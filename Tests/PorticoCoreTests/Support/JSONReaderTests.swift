import PorticoCore
import Testing

/// The strict JSON reader shared by `json_schema` (request bodies) and `jwt` (tokens, keys).
struct JSONReaderTests {
    private static func read(
        _ text: String, maxDepth: Int = 64, outOfRangeNumbers: JSONReader.OutOfRangeNumbers = .refuse
    ) throws(JSONReader.Failure) -> JSONValue {
        try JSONReader.parse(text, maxDepth: maxDepth, outOfRangeNumbers: outOfRangeNumbers)
    }

    /// The failure for `text`, or nil if it reads.
    private static func failure(_ text: String, maxDepth: Int = 64) -> JSONReader.Failure? {
        do {
            _ = try Self.read(text, maxDepth: maxDepth)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsEveryKindOfValue() throws {
        let value = try Self.read(
            #" {"null": null, "yes": true, "no": false, "n": -12.5e-1, "s": "a\"b\\c\/\b\f\n\r\t\u00e9", "#
                + #""list": [1, [], {}], "empty": ""} "#)
        #expect(value["null"] == .null)
        #expect(value["yes"] == .bool(true))
        #expect(value["no"] == .bool(false))
        #expect(value["n"]?.double == -1.25)
        #expect(value["s"]?.string == "a\"b\\c/\u{8}\u{C}\n\r\t\u{E9}")
        #expect(value["list"] == .array([.number(JSONNumber(1)), .array([]), .object([:])]))
        #expect(value["empty"]?.string == "")
        #expect(value["missing"] == nil)
        #expect(try Self.read("\t\r\n 7 \n") == .number(JSONNumber(7)))
    }

    @Test func readsBytesAndTextAlike() throws {
        let text = #"{"k": ["v", 2, null]}"#
        let fromText = try JSONReader.parse(text, maxDepth: 4)
        let fromArray = try JSONReader.parse(Array(text.utf8), maxDepth: 4)
        let fromBuffer = try Array(text.utf8).withUnsafeBytes { bytes in
            Result { () throws(JSONReader.Failure) in try JSONReader.parse(bytes, maxDepth: 4) }
        }.get()
        #expect(fromText == fromArray)
        #expect(fromText == fromBuffer)
    }

    @Test func keepsTheTextOfNumbers() throws {
        let value = try Self.read(#"[1700000000, -0, 1.50, 2E+3, 12345678901234567890123]"#)
        guard case .array(let items) = value else {
            Issue.record("not an array: \(value)")
            return
        }
        let numbers = items.compactMap { item -> JSONNumber? in
            if case .number(let number) = item { return number }
            return nil
        }
        #expect(numbers.map(\.text) == ["1700000000", "-0", "1.50", "2E+3", "12345678901234567890123"])
        #expect(numbers.map(\.double) == [1_700_000_000, 0, 1.5, 2000, 1.2345678901234568e22])
    }

    @Test func comparesNumbersByValue() throws {
        #expect(try Self.read("[1, 1.0, 1e0]") == .array(Array(repeating: .number(JSONNumber(1)), count: 3)))
        #expect(try Self.read("0.1") != Self.read("0.2"))
        #expect(Set([JSONNumber(1), try Self.number("1.0"), try Self.number("10e-1")]).count == 1)
    }

    private static func number(_ text: String) throws -> JSONNumber {
        guard case .number(let number) = try Self.read(text) else { throw JSONReader.Failure(message: "", offset: 0) }
        return number
    }

    @Test func spellsNumbersMadeInCode() {
        #expect(JSONNumber(3).text == "3")
        #expect(JSONNumber(-0.0).text == "0")
        #expect(JSONNumber(0.5).text == "0.5")
        #expect(JSONNumber(1e20).text == "1e+20")
    }

    @Test func numbersBeyondADoubleAreRefusedOrKept() throws {
        #expect(Self.failure("[1, 1e400]") == JSONReader.Failure(message: "number out of range", offset: 4))
        #expect(Self.failure("-1e400") == JSONReader.Failure(message: "number out of range", offset: 0))
        let kept = try Self.read("[1e400, -1e400]", outOfRangeNumbers: .keepAsText)
        #expect(kept.jsonNumbers.map(\.text) == ["1e400", "-1e400"])
        #expect(kept.jsonNumbers.map(\.double) == [.infinity, -.infinity])
        // Too small is not out of range: it reads as zero.
        #expect(try Self.read("1e-400").double == 0)
    }

    @Test(arguments: [
        ("", "unexpected end of data", 0),
        ("   ", "unexpected end of data", 3),
        ("{", "expected a string key", 1),
        ("}", "unexpected character '}'", 0),
        ("[1,]", "unexpected character ']'", 3),
        (#"{"a":1,}"#, "expected a string key", 7),
        (#"{"a":}"#, "unexpected character '}'", 5),
        (#"{"a" 1}"#, "expected ':'", 5),
        (#"{a:1}"#, "expected a string key", 1),
        (#"{"a":1 "b":2}"#, "expected ',' or '}'", 7),
        ("[1 2]", "expected ',' or ']'", 3),
        (#"{"a":1}x"#, "unexpected data after the JSON value", 7),
        ("01", "unexpected data after the JSON value", 1),
        ("1.", "invalid number", 2),
        (".5", "unexpected character '.'", 0),
        ("-", "invalid number", 1),
        ("1e", "invalid number", 2),
        ("1e+", "invalid number", 3),
        ("+1", "unexpected character '+'", 0),
        ("tru", "invalid literal", 0),
        ("nul", "invalid literal", 0),
        ("falsy", "invalid literal", 0),
        ("'a'", "unexpected character '''", 0),
        ("\u{7F}", "unexpected character '\\x7f'", 0),
        (#""abc"#, "unterminated string", 4),
        (#""a\"#, "unterminated string", 3),
        (#""\x""#, "invalid escape '\\x'", 3),
        (#""\u12G4""#, "invalid \\u escape", 5),
        (#""\u12""#, "invalid \\u escape", 3),
        ("\"a\u{1}\"", "control character in string", 2),
        ("\"a\\n\n\"", "control character in string", 4),
    ])
    func refusesMalformedDocuments(text: String, message: String, offset: Int) {
        #expect(Self.failure(text) == JSONReader.Failure(message: message, offset: offset))
    }

    @Test func failuresNameTheByteOffset() {
        #expect("\(JSONReader.Failure(message: "expected ':'", offset: 5))" == "expected ':' at byte 5")
    }

    @Test func boundsTheNesting() throws {
        #expect(try Self.read("[[[1]]]", maxDepth: 3) == .array([.array([.array([.number(JSONNumber(1))])])]))
        #expect(try Self.read(#"{"a":[{"b":[]}]}"#, maxDepth: 4)["a"] != nil)
        #expect(
            Self.failure("[[[[1]]]]", maxDepth: 3)
                == JSONReader.Failure(message: "nesting deeper than 3 levels", offset: 3))
        #expect(Self.failure(#"{"a":[{"b":[]}]}"#, maxDepth: 3)?.offset == 11)
        // Scalars do not count as a level.
        #expect(try Self.read("1", maxDepth: 0) == .number(JSONNumber(1)))
        // Hostile depth fails at the limit, without exhausting the stack.
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(Self.failure(deep, maxDepth: 512)?.message == "nesting deeper than 512 levels")
    }

    @Test func refusesDuplicateKeys() throws {
        #expect(Self.failure(#"{"a":1,"a":2}"#) == JSONReader.Failure(message: "duplicate key 'a'", offset: 7))
        #expect(
            Self.failure(#"{"x":{"a":1,"b":2,"a":3}}"#) == JSONReader.Failure(message: "duplicate key 'a'", offset: 18))
        // An escape spelling the same name is the same name.
        #expect(Self.failure(#"{"a":1,"\u0061":2}"#)?.message == "duplicate key 'a'")
        // The same name in different objects is no duplicate.
        #expect(try Self.read(#"[{"a":1},{"a":2}]"#) != .null)
    }

    @Test func joinsSurrogatePairs() throws {
        #expect(try Self.read(#""\ud83d\ude00 \uD83D\uDE00""#).string == "\u{1F600} \u{1F600}")
        #expect(try Self.read(#""\u0000\u00e9\uffff""#).string == "\u{0}\u{E9}\u{FFFF}")
    }

    @Test(arguments: [
        (#""\ud800""#, 7),  // high, then the end of the string
        (#""\ud800x""#, 7),  // high, then no escape
        (#""\ud800\n""#, 7),  // high, then another escape
        (#""\ud800\ud800""#, 13),  // high, then high
        (#""\udc00""#, 7),  // low alone
        (#""\ude00\ud83d""#, 7),  // a pair in the wrong order
    ])
    func refusesUnpairedSurrogates(text: String, offset: Int) {
        #expect(Self.failure(text) == JSONReader.Failure(message: "unpaired surrogate in \\u escape", offset: offset))
    }

    @Test func requiresValidUTF8() throws {
        #expect(try JSONReader.parse(Array("\"é😀\"".utf8), maxDepth: 1).string == "é😀")
        let invalid: [[UInt8]] = [
            [0x22, 0xFF, 0x22],  // never valid
            [0x22, 0xC3, 0x22],  // truncated sequence
            [0x22, 0xC0, 0x80, 0x22],  // overlong NUL
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // an encoded surrogate
            [0x22, 0x5C, 0x6E, 0xFF, 0x22],  // invalid after an escape (the slow path)
        ]
        for bytes in invalid {
            #expect(throws: JSONReader.Failure(message: "string is not valid UTF-8", offset: 1)) {
                try JSONReader.parse(bytes, maxDepth: 1)
            }
        }
    }
}

extension JSONValue {
    /// The numbers of an array.
    fileprivate var jsonNumbers: [JSONNumber] {
        guard case .array(let items) = self else { return [] }
        return items.compactMap { item in
            if case .number(let number) = item { return number }
            return nil
        }
    }
}
