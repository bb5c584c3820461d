import PorticoCore
import Testing

@Suite struct RequestValuesTests {
    @Test func readsWritesAndRemoves() {
        var values = RequestValues()
        #expect(values.isEmpty)
        values["jwt.sub"] = "alice"
        values["jwt.org"] = "acme"
        #expect(values["jwt.sub"] == "alice")
        #expect(values["jwt.missing"] == nil)
        values["jwt.sub"] = "bob"  // replaced, not repeated
        #expect(values.count == 2)
        #expect(values["jwt.sub"] == "bob")
        #expect(values.removeValue(forKey: "jwt.sub") == "bob")
        #expect(values.removeValue(forKey: "jwt.sub") == nil)
        values["jwt.org"] = nil
        #expect(values.isEmpty)
    }

    @Test func mergeLetsTheNewValuesWin() {
        var values: RequestValues = ["kept": "1", "jwt.sub": "old"]
        values.merge(RequestValues(["jwt.sub": "new", "jwt.aud": "users"]))
        #expect(values.dictionary == ["kept": "1", "jwt.sub": "new", "jwt.aud": "users"])
    }

    @Test func equalityIgnoresOrder() {
        let first: RequestValues = ["a": "1", "b": "2"]
        let second: RequestValues = ["b": "2", "a": "1"]
        #expect(first == second)
        #expect(first != ["a": "1", "b": "3"])
        #expect(first != ["a": "1"])
        // A repeated key in a literal keeps the last value, as assignments do.
        #expect(RequestValues(dictionaryLiteral: ("a", "1"), ("a", "2")) == ["a": "2"])
    }
}
