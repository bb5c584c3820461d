/// One problem found in a configuration, with where it is and how to fix it.
///
/// Printed the way compilers print diagnostics, so editors and CI logs can jump to it:
/// `gateway.yaml:14:7: error: routes[0].match.path_prefx: unknown key 'path_prefx' (did you mean 'path_prefix'?)`.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file name as given to the loader (`<config>` for text without a name, `<code>`
    /// for configurations built in code).
    public var file: String
    /// The 1-based line, when the value came from a file.
    public var line: Int?
    /// The 1-based column (in Unicode scalars, as libyaml counts), when known.
    public var column: Int?
    /// Where in the configuration, e.g. `routes[0].match.path_prefix`; empty for the root.
    public var path: String
    /// What is wrong.
    public var message: String
    /// How to fix it, if there is something useful to say.
    public var hint: String?

    /// Creates an error.
    public init(file: String, line: Int?, column: Int?, path: String, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: error: path: message`, then `  hint: ...` on its own line.
    public var description: String {
        var text = self.file
        if let line = self.line {
            text += ":\(line)"
            if let column = self.column { text += ":\(column)" }
        }
        text += ": error: "
        if !self.path.isEmpty { text += "\(self.path): " }
        text += self.message
        if let hint = self.hint { text += "\n  hint: \(hint)" }
        return text
    }
}

/// Every problem found while loading or compiling one configuration.
///
/// Loading goes on after the first problem wherever the rest can still be checked on its own
/// (every unknown key, every bad list element, every dangling reference), so one run of
/// `portico validate` shows them all.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public var errors: [ConfigError]

    /// Creates a list, sorted by position and without exact repeats (a value reached through
    /// several YAML aliases would otherwise be reported once per alias).
    public init(_ errors: [ConfigError]) {
        var seen = Set<ConfigError>()
        self.errors = errors.filter { seen.insert($0).inserted }.sorted(by: Self.precedes)
    }

    /// One line per error (plus hint lines).
    public var description: String {
        self.errors.map(\.description).joined(separator: "\n")
    }

    private static func precedes(_ lhs: ConfigError, _ rhs: ConfigError) -> Bool {
        if lhs.file != rhs.file { return lhs.file < rhs.file }
        let lhsLine = lhs.line ?? Int.max
        let rhsLine = rhs.line ?? Int.max
        if lhsLine != rhsLine { return lhsLine < rhsLine }
        if (lhs.column ?? 0) != (rhs.column ?? 0) { return (lhs.column ?? 0) < (rhs.column ?? 0) }
        if lhs.path != rhs.path { return lhs.path < rhs.path }
        return lhs.message < rhs.message
    }
}

/// Several errors raised while decoding one value, located later by the decoder that called
/// the value's `init(from:)` (a ``ConfigIssue`` inside is relative to that value's mapping).
struct CollectedErrors: Error {
    var errors: [any Error]
}
