import PorticoCore
import PorticoHTTP

/// Errors found by the compiler, located through the configuration's source map.
struct Diagnostics {
    let sourceMap: SourceMap
    private(set) var errors: [ConfigError] = []

    init(sourceMap: SourceMap) {
        self.sourceMap = sourceMap
    }

    /// An error about the value at `path`.
    mutating func error(_ path: ConfigPath, _ message: String, hint: String? = nil) {
        self.errors.append(self.sourceMap.error(at: path, message, hint: hint))
    }

    /// A ``ConfigIssue`` raised for the value at `base`; its `key` is relative to `base`.
    mutating func issue(_ issue: ConfigIssue, at base: ConfigPath) {
        let path = issue.key.map { base.appending(dottedKey: $0) } ?? base
        self.error(path, issue.message, hint: issue.hint)
    }

    /// Errors located elsewhere (a filter's own decoding).
    mutating func append(_ errors: [ConfigError]) {
        self.errors.append(contentsOf: errors)
    }

    /// "first defined at line 12" for duplicate-name hints, or a path when there is no file.
    func whereIs(_ path: ConfigPath) -> String {
        if let position = self.sourceMap.position(of: path) { return "line \(position.line)" }
        return path.description
    }
}

/// Checks shared by the sections.
enum Validation {
    /// Names of listeners, upstreams, routes and filters appear in metrics labels, logs and
    /// admin URLs, so they are kept to a safe alphabet.
    static func checkName(
        _ name: String,
        kind: String,
        at path: ConfigPath,
        into diagnostics: inout Diagnostics
    ) -> Bool {
        let valid =
            !name.isEmpty && name.utf8.count <= 128
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
            }
        if !valid {
            diagnostics.error(
                path,
                name.isEmpty ? "\(kind) name is empty" : "invalid \(kind) name '\(name)'",
                hint: "names use letters, digits, '-', '_' and '.' (at most 128)"
            )
        }
        return valid
    }

    /// A duration that must be longer than zero.
    static func checkPositive(_ duration: ConfigDuration, at path: ConfigPath, into diagnostics: inout Diagnostics) {
        if duration.nanoseconds <= 0 {
            diagnostics.error(path, "must be longer than 0 (is \(duration))", hint: "e.g. 10s")
        }
    }

    /// A count or size that must be at least `minimum`.
    static func checkAtLeast(_ value: Int, _ minimum: Int, at path: ConfigPath, into diagnostics: inout Diagnostics) {
        if value < minimum {
            diagnostics.error(path, "must be at least \(minimum) (is \(value))")
        }
    }

    /// A header name (RFC 9110 token).
    static func checkHeaderName(_ name: String, at path: ConfigPath, into diagnostics: inout Diagnostics) -> Bool {
        guard HTTPSyntax.isValidFieldName(name) else {
            diagnostics.error(
                path,
                "'\(name)' is not a valid header name",
                hint: "header names are tokens: letters, digits and !#$%&'*+-.^_`|~"
            )
            return false
        }
        return true
    }

    /// A header value without CR, LF or NUL.
    static func checkHeaderValue(_ value: String, at path: ConfigPath, into diagnostics: inout Diagnostics) -> Bool {
        guard HTTPSyntax.isValidFieldValue(value) else {
            diagnostics.error(path, "header value contains control characters (CR, LF or NUL)")
            return false
        }
        return true
    }

    /// Two addresses that cannot both be bound: the same port on the same host, or on a
    /// wildcard that covers the other (port 0 asks for any free port and never conflicts).
    static func conflict(_ lhs: HostPort, _ rhs: HostPort) -> Bool {
        lhs.port == rhs.port && lhs.port != 0
            && (lhs.host.lowercased() == rhs.host.lowercased() || lhs.isWildcard || rhs.isWildcard)
    }
}
