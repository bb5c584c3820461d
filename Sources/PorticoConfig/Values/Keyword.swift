import PorticoCore

/// Decoding for the schema's keyword enums (`round_robin`, `info`, `http1`...), with the valid
/// choices and a suggestion in the error.
enum Keyword {
    static func decode<T: RawRepresentable & CaseIterable>(
        _ type: T.Type,
        from decoder: any Decoder,
        kind: String
    ) throws -> T where T.RawValue == String {
        let text = try decoder.singleValueContainer().decode(String.self)
        if let value = T(rawValue: text) { return value }
        let names = T.allCases.map(\.rawValue)
        throw ConfigIssue(
            "unknown \(kind) '\(text)'\(Suggestion.didYouMean(text, among: names))",
            hint: "expected one of: \(Suggestion.list(names))"
        )
    }
}
