/// A compiled regular expression that can be shared across event loops.
///
/// `Regex` is not annotated `Sendable`, but after construction it is immutable apart from
/// its lazily lowered program, which the standard library initialises atomically; matching
/// once at build time does that lowering before the value is shared.
public struct CompiledRegex: @unchecked Sendable {
    /// The source pattern.
    public let pattern: String
    /// The regex.
    public let regex: Regex<AnyRegexOutput>

    /// Compiles `pattern`; throws the regex parser's error.
    public init(_ pattern: String) throws {
        self.pattern = pattern
        self.regex = try Regex(pattern)
        _ = try? self.regex.firstMatch(in: "")
    }

    /// The first match in `text`.
    public func firstMatch(in text: Substring) -> Regex<AnyRegexOutput>.Match? {
        try? self.regex.firstMatch(in: text)
    }

    /// Whether the whole of `text` matches.
    public func wholeMatch(_ text: Substring) -> Bool {
        (try? self.regex.wholeMatch(in: text)) != nil
    }
}
