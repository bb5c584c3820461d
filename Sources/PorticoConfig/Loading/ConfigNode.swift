/// A line and column in the config text (1-based; columns count Unicode scalars, as libyaml does).
struct SourcePosition: Hashable, Sendable {
    var line: Int
    var column: Int
}

/// A parsed configuration value with the position it was written at: the tree the strict
/// decoder reads.
///
/// Yams' `Node` is converted into this once, right after parsing, while merge keys and
/// `${VAR}` substitution are applied. A `Node` is not `Sendable` (and Yams resolves its tags
/// lazily by mutating a shared class on read), but filter settings keep a piece of the tree
/// inside the `Sendable` ``GatewayConfig`` until the compiler decodes them.
indirect enum ConfigNode: Sendable {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Sequence)

    /// A scalar value as written, before any interpretation as number, boolean or duration.
    struct Scalar: Sendable {
        /// The text after unquoting and `${VAR}` substitution.
        var text: String
        /// Written without quotes and without substitution, so it may be YAML's null.
        var isPlain: Bool
        var position: SourcePosition
    }

    /// A mapping with unique string keys, in file order.
    struct Mapping: Sendable {
        /// One key and its value.
        struct Entry: Sendable {
            var key: String
            var keyPosition: SourcePosition
            var value: ConfigNode
        }

        private(set) var entries: [Entry]
        var position: SourcePosition
        private var indexByKey: [String: Int]

        init(entries: [Entry], position: SourcePosition) {
            self.entries = entries
            self.position = position
            self.indexByKey = Dictionary(
                entries.enumerated().map { ($1.key, $0) },
                uniquingKeysWith: { first, _ in first }
            )
        }

        /// The entry for `key`.
        func entry(_ key: String) -> Entry? {
            self.indexByKey[key].map { self.entries[$0] }
        }
    }

    /// A list, in file order.
    struct Sequence: Sendable {
        var items: [ConfigNode]
        var position: SourcePosition
    }

    /// Where the value starts.
    var position: SourcePosition {
        switch self {
        case .scalar(let scalar): scalar.position
        case .mapping(let mapping): mapping.position
        case .sequence(let sequence): sequence.position
        }
    }

    /// Whether this is YAML's null: an empty plain value, `~` or `null`.
    var isNull: Bool {
        guard case .scalar(let scalar) = self, scalar.isPlain else { return false }
        switch scalar.text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// How a message names this value: `'abc'`, `null`, `a mapping`, `a list`.
    var kindDescription: String {
        switch self {
        case .scalar(let scalar):
            if self.isNull { return "null" }
            let text = scalar.text.count > 40 ? String(scalar.text.prefix(40)) + "…" : scalar.text
            return "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// The node at a path below this one (keys in mappings, indices in lists).
    func descendant(
        at components: ArraySlice<ConfigPath.Component>
    ) -> (node: ConfigNode, keyPosition: SourcePosition?)? {
        var node = self
        var keyPosition: SourcePosition?
        for component in components {
            switch (component, node) {
            case (.key(let key), .mapping(let mapping)):
                guard let entry = mapping.entry(key) else { return nil }
                node = entry.value
                keyPosition = entry.keyPosition
            case (.index(let index), .sequence(let sequence)):
                guard sequence.items.indices.contains(index) else { return nil }
                node = sequence.items[index]
                keyPosition = nil
            default:
                return nil
            }
        }
        return (node, keyPosition)
    }

    /// Where errors about this value point: a scalar at itself, a mapping or list at the key
    /// that holds it (its own position is the line of its first child, which reads wrong).
    func anchor(keyPosition: SourcePosition?) -> SourcePosition {
        if case .scalar = self { return self.position }
        return keyPosition ?? self.position
    }
}
