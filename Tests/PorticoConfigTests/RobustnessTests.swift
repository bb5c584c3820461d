import Foundation
import Testing

@testable import PorticoConfig

@Suite("Hostile and broken input")
struct RobustnessTests {
    @Test("YAML syntax errors carry a position and a hint")
    func syntaxErrors() throws {
        let tab = try #require(Fixtures.error("listeners:\n\t- name: a\n"))
        #expect(tab.message.hasPrefix("invalid YAML"))
        #expect(tab.position == "2:1")
        #expect(tab.hint == "YAML does not allow tabs for indentation; indent with spaces")

        let unclosed = try #require(Fixtures.error("listeners: [{name: a\nroutes: []\n"))
        #expect(unclosed.message.hasPrefix("invalid YAML"))
        #expect(unclosed.line != nil)

        let twoDocuments = try #require(Fixtures.error(Fixtures.listener + "---\nroutes: []\n"))
        #expect(twoDocuments.message == "the file holds more than one YAML document")

        let empty = try #require(Fixtures.error(""))
        #expect(empty.message == "the configuration is empty")

        let scalar = try #require(Fixtures.error("just text"))
        #expect(scalar.message == "expected a mapping at the top of the file, found 'just text'")

        let alias = try #require(Fixtures.error("listeners: *nothing"))
        #expect(alias.message == "unknown alias")
    }

    @Test("complex mapping keys are rejected")
    func complexKeys() throws {
        let error = try #require(Fixtures.error(Fixtures.listener + "? [a, b]\n: c\n"))
        #expect(error.message == "mapping keys must be strings, not lists")
    }

    @Test("an alias bomb is stopped, not expanded")
    func aliasBomb() throws {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for (name, previous) in zip(["b", "c", "d", "e", "f", "g"], ["a", "b", "c", "d", "e", "f"]) {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        let start = Date()
        let errors = Fixtures.errors(text)
        #expect(errors.contains { $0.message.hasPrefix("the document is too large") })
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test("deep nesting is an error, not a stack overflow")
    func deepNesting() throws {
        let deep = "x: " + String(repeating: "[", count: 900) + String(repeating: "]", count: 900)
        let errors = Fixtures.errors(deep)
        #expect(errors.contains { $0.message.hasPrefix("values are nested too deeply") })
        let deeper = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(!Fixtures.errors(deeper).isEmpty)
    }

    @Test("every prefix of the example loads or fails cleanly")
    func truncations() {
        let text = Array(SpecExample.yaml.unicodeScalars)
        for end in stride(from: 0, to: text.count, by: 7) {
            let prefix = String(String.UnicodeScalarView(text[..<end]))
            _ = try? Fixtures.loader().load(text: prefix)
        }
    }

    @Test("random byte damage to the example never crashes")
    func mutations() {
        var generator = SeededGenerator(seed: 0x5eed)
        let original = Array(SpecExample.yaml.utf8)
        let alphabet = Array("{}[]:,-#&*!|>'\"%@`$ \t\n\\?0x~.".utf8)
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = alphabet.randomElement(using: &generator)!
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: index)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? Fixtures.loader(environment: ["A": "1"]).load(text: text)
            _ = try? Fixtures.loader().load(text: "{" + text + "}")
        }
    }
}

/// A small deterministic generator (SplitMix64) so the mutation test is repeatable.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Scale")
struct ScaleTests {
    @Test("a configuration with 10,000 routes loads; dangling references stay cheap")
    func manyRoutes() throws {
        var text = Fixtures.listener + "upstreams:\n"
        for index in 0..<100 {
            text += "  u\(index): { targets: [{ url: \"http://10.0.\(index / 250).\(index % 250 + 1):8080\" }] }\n"
        }
        text += "routes:\n"
        for index in 0..<10_000 {
            text +=
                "  - { name: r\(index), match: { path: \"/s\(index % 100)/r\(index)/{id}\" }, upstream: u\(index % 100) }\n"
        }
        let start = Date()
        let snapshot = try Fixtures.load(text).snapshot
        #expect(snapshot.routes.count == 10_000)
        #expect(Date().timeIntervalSince(start) < 60)

        // Every dangling reference gets its own error and suggestion (debug builds are slow,
        // so this half uses fewer routes).
        let prefix = text.components(separatedBy: "\n").prefix(2_105).joined(separator: "\n")
        let errors = Fixtures.errors(prefix.replacingOccurrences(of: "upstream: u", with: "upstream: x"))
        #expect(errors.count == 2_000)
        #expect(errors.first?.message == "unknown upstream 'x0' (did you mean 'u0'?)")
        #expect(errors.first?.hint?.hasSuffix("and 80 more") == true)
    }
}
