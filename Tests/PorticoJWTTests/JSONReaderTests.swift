import PorticoCore
import Testing

@testable import PorticoJWT

/// The JSON reading (the shared reader, as tokens use it) and base64url decoding of tokens.
@Suite struct JSONReaderTests {
    @Test func readsDocuments() {
        let value = JSONReader.parseJOSE(
            #" { "a": 1, "b": [true, false, null, -1.5e3], "c": {"d": "x\"y\\z\u00e9\ud83d\ude00"}, "e": "" } "#)
        #expect(value?["a"]?.scalarText == "1")
        #expect(value?["b"]?.jsonText == "[true,false,null,-1.5e3]")
        #expect(value?["c"]?["d"] == .string("x\"y\\z\u{e9}\u{1F600}"))
        #expect(value?["e"] == .string(""))
        #expect(value?.value(at: ClaimPath("c.d")) == .string("x\"y\\z\u{e9}\u{1F600}"))
        #expect(JSONReader.parseJOSE("[]") == .array([]))
        #expect(JSONReader.parseJOSE("{}") == .object([:]))
    }

    @Test(arguments: [
        "", "{", "}", "{\"a\":}", "{\"a\":1,}", "[1,]", "{\"a\":1}x", "01", "1.", "-", "1e", "+1", "\"\\x\"",
        "\"\u{01}\"", "\"\\ud800\"", "\"\\udc00\"", "{\"a\":1,\"a\":2}", "tru", "nul", "{a:1}", "'a'",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func rejectsInvalidDocuments(text: String) {
        #expect(JSONReader.parseJOSE(text) == nil)
    }

    @Test func rejectsInvalidUTF8() {
        #expect(JSONReader.parseJOSE([0x22, 0xFF, 0x22]) == nil)
    }

    @Test func base64URL() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let encoded = Base64URL.encode(bytes)
            #expect(!encoded.contains("=") && !encoded.contains("+") && !encoded.contains("/"))
            #expect(Base64URL.decode(ArraySlice(encoded.utf8)) == bytes)
        }
        for invalid in ["a", "ab=", "a+b/", "ab c", "AB"] {
            // "AB" has non-zero leftover bits (not canonical).
            #expect(Base64URL.decode(ArraySlice(invalid.utf8)) == nil, "\(invalid)")
        }
    }
}
