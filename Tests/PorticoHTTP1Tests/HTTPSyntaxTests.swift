import PorticoHTTP
import Testing

@Suite struct HTTPSyntaxTests {
    @Test(arguments: [0, 7, 9, 10, 99, 100, 12_345, 999_999_999_999_999, 1_000_000_000_000_000, Int.max, -1, Int.min])
    func decimalMatchesTheStandardFormatter(_ value: Int) {
        #expect(HTTPSyntax.decimal(value) == String(value))
    }

    @Test(arguments: [UInt64(0), 1, 10, 9_999_999_999_999_999_999, 10_000_000_000_000_000_000, UInt64.max])
    func unsignedDecimalMatchesTheStandardFormatter(_ value: UInt64) {
        #expect(HTTPSyntax.decimal(value) == String(value))
    }

    @Test func prefixesCompareWithoutCase() {
        #expect(HTTPSyntax.hasPrefixCaseInsensitive("RateLimit-Reset", lowercasedPrefix: "ratelimit-"))
        #expect(HTTPSyntax.hasPrefixCaseInsensitive("ratelimit-", lowercasedPrefix: "ratelimit-"))
        #expect(!HTTPSyntax.hasPrefixCaseInsensitive("RateLimit", lowercasedPrefix: "ratelimit-"))
        #expect(!HTTPSyntax.hasPrefixCaseInsensitive("X-RateLimit-Reset", lowercasedPrefix: "ratelimit-"))
        #expect(HTTPSyntax.hasPrefixCaseInsensitive("anything", lowercasedPrefix: ""))
    }

    @Test func fieldValuesRefuseControlBytes() {
        #expect(HTTPSyntax.isValidFieldValue("bench-user"))
        #expect(HTTPSyntax.isValidFieldValue("tab\tand obs-text é"))
        #expect(HTTPSyntax.isValidFieldValue(""))
        #expect(!HTTPSyntax.isValidFieldValue("a\r\nX-Injected: 1"))
        #expect(!HTTPSyntax.isValidFieldValue("nul\u{0}"))
        #expect(!HTTPSyntax.isValidFieldValue("del\u{7F}"))
        // Short strings are stored inline, long ones on the heap: both paths are checked.
        #expect(!HTTPSyntax.isValidFieldValue(String(repeating: "x", count: 40) + "\n"))
    }
}
