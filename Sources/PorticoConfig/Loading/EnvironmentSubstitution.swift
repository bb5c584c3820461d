/// `${VAR}`, `${VAR:-default}` and `$$` in scalar values.
///
/// Environment variable names are upper case (`[A-Z_][A-Z0-9_]*`). A reference starting with a
/// lower-case letter (`${client_ip}`, `${jwt.sub}`) is a request-data placeholder that some
/// filter values understand (the `headers` filter); it is kept as written.
///
/// Substitution runs on values after parsing, never on the text, so a variable can only ever
/// produce a string: it cannot inject keys, lists or YAML syntax, and every position in the
/// file stays where the parser saw it. A `$` not followed by `{` or `$` is kept, so regexes
/// (`^/v1/$`) and rewrite replacements (`/v2/$1`) need no escaping.
enum EnvironmentSubstitution {
    /// A problem in one scalar.
    enum Problem: Equatable {
        /// `${NAME}` without a default, and `NAME` is not set.
        case unset(String)
        /// `${` without its `}`.
        case unterminated
        /// `${...}` whose inside is not `NAME` or `NAME:-default`.
        case invalidReference(String)

        var message: String {
            switch self {
            case .unset(let name): "environment variable '\(name)' is not set"
            case .unterminated: "unterminated '${' in value"
            case .invalidReference(let text): "'${\(text)}' is not a valid environment variable reference"
            }
        }

        var hint: String {
            switch self {
            case .unset(let name):
                "set \(name), give a default with ${\(name):-value}, or write $${\(name)} for a literal '${\(name)}'"
            case .unterminated:
                "write ${NAME} or ${NAME:-default}; write $$ for a literal '$'"
            case .invalidReference:
                "environment variable names are upper-case letters, digits and '_', not starting with a digit; write $${...} for a literal '${...}'"
            }
        }
    }

    /// The outcome for one scalar.
    struct Outcome {
        /// The value with every reference replaced (references with problems are kept as written).
        var text: String
        /// Whether the value contained a reference or `$$`, i.e. was not taken literally.
        var changed: Bool
        var problems: [Problem]
    }

    /// Substitutes the references in `text`.
    static func apply(to text: String, environment: [String: String]) -> Outcome {
        // Fast path: most values have no `$` at all.
        guard text.utf8.contains(UInt8(ascii: "$")) else { return Outcome(text: text, changed: false, problems: []) }
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var problems: [Problem] = []
        var changed = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            guard scalar == "$", next == "$" || next == "{" else {
                output.append(scalar)
                index += 1
                continue
            }
            changed = true
            if next == "$" {
                output.append("$")
                index += 2
                continue
            }
            guard let close = scalars[(index + 2)...].firstIndex(of: "}") else {
                problems.append(.unterminated)
                output.append(contentsOf: scalars[index...])
                break
            }
            let inside = String(String.UnicodeScalarView(scalars[(index + 2)..<close]))
            if let first = inside.unicodeScalars.first, ("a"..."z").contains(first) {
                output.append(contentsOf: scalars[index...close])
                index = close + 1
                continue
            }
            switch self.resolve(inside, environment: environment) {
            case .success(let value):
                output.append(contentsOf: value.unicodeScalars)
            case .failure(let problem):
                problems.append(problem)
                output.append(contentsOf: scalars[index...close])
            }
            index = close + 1
        }
        return Outcome(text: String(output), changed: changed, problems: problems)
    }

    private static func resolve(_ reference: String, environment: [String: String]) -> Result<String, Problem> {
        let name: Substring
        let fallback: Substring?
        if let range = reference.range(of: ":-") {
            name = reference[..<range.lowerBound]
            fallback = reference[range.upperBound...]
        } else {
            name = reference[...]
            fallback = nil
        }
        guard self.isValidName(name) else { return .failure(.invalidReference(reference)) }
        // As in the shell, `:-` also applies when the variable is set but empty.
        if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
            return .success(value)
        }
        if let fallback { return .success(String(fallback)) }
        return .failure(.unset(String(name)))
    }

    private static func isValidName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, ("A"..."Z").contains(first) || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}

extension EnvironmentSubstitution.Problem: Error {}
