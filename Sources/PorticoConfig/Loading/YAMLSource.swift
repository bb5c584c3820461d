import Yams

/// Parses configuration text (YAML, or JSON, which Yams reads as YAML) into a Yams node and
/// turns libyaml's errors into ``ConfigError``s with file, line and column.
enum YAMLSource {
    /// The single document in `text`, or the errors that stop it from being read.
    static func parse(_ text: String, file: String) -> Result<Yams.Node, ConfigErrors> {
        var text = text
        // Editors do not count a byte-order mark as a column; libyaml does.
        if text.unicodeScalars.first == "\u{FEFF}" { text = String(text.unicodeScalars.dropFirst()) }
        text = JSONCompatibility.prepare(text)
        do {
            guard let node = try Yams.compose(yaml: text) else {
                return .failure(
                    ConfigErrors([
                        ConfigError(
                            file: file,
                            line: 1,
                            column: 1,
                            path: "",
                            message: "the configuration is empty",
                            hint: "a configuration needs at least a 'listeners:' section"
                        )
                    ])
                )
            }
            return .success(node)
        } catch let error as YamlError {
            return .failure(ConfigErrors([self.configError(error, file: file, text: text)]))
        } catch {
            return .failure(
                ConfigErrors([ConfigError(file: file, line: nil, column: nil, path: "", message: "\(error)")])
            )
        }
    }

    private static func configError(_ error: YamlError, file: String, text: String) -> ConfigError {
        func located(_ mark: Mark, _ message: String, hint: String?) -> ConfigError {
            ConfigError(file: file, line: mark.line, column: mark.column, path: "", message: message, hint: hint)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            var hint = context.map { "\($0.text) starting at line \($0.mark.line), column \($0.mark.column)" }
            if self.character(at: mark, in: text) == "\t" {
                hint = "YAML does not allow tabs for indentation; indent with spaces"
            } else if self.line(mark.line, of: text)?.contains("${") == true {
                hint = "inside { } or [ ], quote values that use ${VAR}: \"${VAR}\""
            }
            return located(mark, "invalid YAML: \(problem)", hint: hint)
        case .composer(let context, let problem, let mark, _):
            if problem == "but found another document" {
                return located(
                    mark,
                    "the file holds more than one YAML document",
                    hint: "remove the '---' line; one file is one configuration"
                )
            }
            if problem == "found undefined alias" {
                return located(mark, "unknown alias", hint: "define the anchor (&name) before using it (*name)")
            }
            return located(mark, "invalid YAML: \(problem)", hint: context.map(\.text))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return self.duplicateKeyError(duplicates, first: context.mark, file: file, text: text)
        case .reader(let problem, let offset, _, _):
            let position = offset.map { self.position(ofUTF8Offset: $0, in: text) }
            return ConfigError(
                file: file,
                line: position?.line,
                column: position?.column,
                path: "",
                message: "cannot read the text: \(problem)",
                hint: "the file must be UTF-8 text without control characters"
            )
        default:
            return ConfigError(file: file, line: nil, column: nil, path: "", message: "invalid YAML: \(error)")
        }
    }

    /// Yams reports a duplicate key at its first occurrence; point at the second, which is the
    /// one to delete, when it can be found (the same column further down the same block, or
    /// later on the same line for flow mappings).
    private static func duplicateKeyError(_ keys: [String], first: Mark, file: String, text: String) -> ConfigError {
        let key = keys.first ?? "?"
        let also = keys.count > 1 ? " (also duplicated: \(keys.dropFirst().joined(separator: ", ")))" : ""
        let firstPosition = SourcePosition(line: first.line, column: first.column)
        let position = self.secondOccurrence(of: key, after: firstPosition, in: text) ?? firstPosition
        return ConfigError(
            file: file,
            line: position.line,
            column: position.column,
            path: "",
            message: "duplicate key '\(key)' in the same mapping\(also)",
            hint: position == firstPosition
                ? "a key may appear once per mapping; remove the other occurrences"
                : "first written at line \(first.line); a key may appear once per mapping"
        )
    }

    private static func secondOccurrence(
        of key: String,
        after first: SourcePosition,
        in text: String
    ) -> SourcePosition? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let spellings = [key, "\"\(key)\"", "'\(key)'"]
        func isKey(_ rest: ArraySlice<Unicode.Scalar>) -> Bool {
            let text = String(String.UnicodeScalarView(rest))
            return spellings.contains { spelling in
                guard text.hasPrefix(spelling) else { return false }
                return text.dropFirst(spelling.count).drop { $0 == " " || $0 == "\t" }.first == ":"
            }
        }
        // Later on the first line: flow mappings such as {"a": 1, "a": 2}.
        let firstLine = Array(lines[first.line - 1].unicodeScalars)
        var column = first.column + key.unicodeScalars.count
        while column < firstLine.count {
            if [",", "{", " "].contains(firstLine[column - 1]), isKey(firstLine[column...]) {
                return SourcePosition(line: first.line, column: column + 1)
            }
            column += 1
        }
        // Further down: the same column, until the block ends (a line starting further left).
        for lineIndex in first.line..<lines.count {
            let scalars = Array(lines[lineIndex].unicodeScalars)
            guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" }) else { continue }
            if scalars[start] == "#" { continue }
            if start + 1 < first.column { return nil }
            if start + 1 == first.column, isKey(scalars[start...]) {
                return SourcePosition(line: lineIndex + 1, column: start + 1)
            }
        }
        return nil
    }

    private static func line(_ number: Int, of text: String) -> Substring? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return number >= 1 && number <= lines.count ? lines[number - 1] : nil
    }

    private static func character(at mark: Mark, in text: String) -> Unicode.Scalar? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        guard mark.column >= 1, mark.column <= scalars.count else { return nil }
        return scalars[mark.column - 1]
    }

    private static func position(ofUTF8Offset offset: Int, in text: String) -> SourcePosition {
        var line = 1
        var column = 1
        var consumed = 0
        for scalar in text.unicodeScalars {
            if consumed >= offset { break }
            consumed += UTF8.width(scalar)
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SourcePosition(line: line, column: column)
    }
}
