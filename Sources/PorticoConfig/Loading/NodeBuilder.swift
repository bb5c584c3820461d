import Yams

/// Converts Yams' node tree into ``ConfigNode``s: applies YAML merge keys (`<<: *defaults`),
/// substitutes `${VAR}` in scalar values, and enforces limits so that no input (an alias
/// "billion laughs", absurd nesting) can make loading hang or overflow the stack.
struct NodeBuilder {
    /// Deeper than any sensible configuration; keeps every recursive walk shallow.
    static let maxDepth = 100
    /// Values after alias expansion; aliases let a small file describe an exponential tree.
    static let maxNodes = 1_000_000

    let file: String
    let environment: [String: String]
    private(set) var errors: [ConfigError] = []
    private var nodeCount = 0
    private var gaveUp = false

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    /// The converted tree; problems are collected in ``errors``.
    mutating func build(_ node: Yams.Node) -> ConfigNode? {
        self.convert(node, path: .root, depth: 0)
    }

    private mutating func convert(_ node: Yams.Node, path: ConfigPath, depth: Int) -> ConfigNode? {
        guard !self.gaveUp else { return nil }
        self.nodeCount += 1
        if self.nodeCount > Self.maxNodes {
            self.gaveUp = true
            self.error(
                node.mark,
                path,
                "the document is too large (more than \(Self.maxNodes) values after expanding aliases)"
            )
            return nil
        }
        if depth > Self.maxDepth {
            self.error(node.mark, path, "values are nested too deeply (more than \(Self.maxDepth) levels)")
            return nil
        }
        switch node {
        case .scalar(let scalar):
            return .scalar(self.convertScalar(scalar, path: path))
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            for (index, item) in sequence.enumerated() {
                if let converted = self.convert(item, path: path.index(index), depth: depth + 1) {
                    items.append(converted)
                }
            }
            return .sequence(ConfigNode.Sequence(items: items, position: Self.position(sequence.mark)))
        case .mapping(let mapping):
            return self.convertMapping(mapping, path: path, depth: depth).map(ConfigNode.mapping)
        case .alias(let alias):
            // Yams resolves aliases while composing; this is only reached if that changes.
            self.error(alias.mark, path, "unresolved alias")
            return nil
        }
    }

    private mutating func convertScalar(_ scalar: Yams.Node.Scalar, path: ConfigPath) -> ConfigNode.Scalar {
        let substitution = EnvironmentSubstitution.apply(to: scalar.string, environment: self.environment)
        for problem in substitution.problems {
            self.error(scalar.mark, path, problem.message, hint: problem.hint)
        }
        // Only an untagged (or `!!null`) unquoted scalar can be YAML's null. `scalar.tag` is
        // read as stored: Yams' `resolvedTag` would mutate it.
        let tag = scalar.tag.rawValue
        let untagged = tag.isEmpty || tag == Tag.Name.null.rawValue
        return ConfigNode.Scalar(
            text: substitution.text,
            isPlain: scalar.style == .plain && untagged && !substitution.changed,
            position: Self.position(scalar.mark)
        )
    }

    private mutating func convertMapping(
        _ mapping: Yams.Node.Mapping,
        path: ConfigPath,
        depth: Int
    ) -> ConfigNode.Mapping? {
        var entries: [ConfigNode.Mapping.Entry] = []
        var seen: [String: SourcePosition] = [:]
        var merges: [Yams.Node] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                self.error(
                    keyNode.mark,
                    path,
                    "mapping keys must be strings, not \(keyNode.mapping != nil ? "mappings" : "lists")"
                )
                continue
            }
            if keyScalar.style == .plain && keyScalar.string == "<<" {
                merges.append(valueNode)
                continue
            }
            let key = keyScalar.string
            let keyPosition = Self.position(keyScalar.mark)
            // Yams already rejects most duplicates, but compares typed values: `1` and "1" differ there.
            if let first = seen[key] {
                self.error(
                    keyScalar.mark,
                    path.key(key),
                    "duplicate key '\(key)' in the same mapping",
                    hint: "first written at line \(first.line)"
                )
                continue
            }
            seen[key] = keyPosition
            if let value = self.convert(valueNode, path: path.key(key), depth: depth + 1) {
                entries.append(.init(key: key, keyPosition: keyPosition, value: value))
            }
        }
        // Merge keys: explicit keys win, then earlier merged mappings over later ones.
        for merge in merges {
            let sources: [Yams.Node]
            switch merge {
            case .mapping: sources = [merge]
            case .sequence(let sequence) where sequence.allSatisfy({ $0.mapping != nil }): sources = Array(sequence)
            default:
                self.error(
                    merge.mark,
                    path,
                    "a merge key ('<<') needs a mapping or a list of mappings",
                    hint: "e.g. <<: *defaults"
                )
                continue
            }
            for source in sources {
                guard case .mapping(let merged)? = self.convert(source, path: path, depth: depth + 1) else { continue }
                for entry in merged.entries where seen[entry.key] == nil {
                    seen[entry.key] = entry.keyPosition
                    entries.append(entry)
                }
            }
        }
        return ConfigNode.Mapping(entries: entries, position: Self.position(mapping.mark))
    }

    private mutating func error(_ mark: Mark?, _ path: ConfigPath, _ message: String, hint: String? = nil) {
        let position = Self.position(mark)
        self.errors.append(
            ConfigError(
                file: self.file,
                line: position.line,
                column: position.column,
                path: path.description,
                message: message,
                hint: hint
            )
        )
    }

    private static func position(_ mark: Mark?) -> SourcePosition {
        mark.map { SourcePosition(line: $0.line, column: $0.column) } ?? SourcePosition(line: 1, column: 1)
    }
}
