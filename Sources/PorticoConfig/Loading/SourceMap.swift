/// Where each value of a loaded configuration was written, so the compiler, which works on
/// the typed ``GatewayConfig``, can still point at lines: `routes[3].upstream` → 41:15.
struct SourceMap: Sendable {
    /// The file name errors carry.
    var file: String
    private var positions: [ConfigPath: SourcePosition]

    /// An empty map, for configurations built in code.
    init(file: String = "<code>") {
        self.file = file
        self.positions = [:]
    }

    /// The map of every value in a document.
    init(file: String, root: ConfigNode) {
        self.file = file
        self.positions = [:]
        self.record(root, keyPosition: nil, path: .root)
    }

    private mutating func record(_ node: ConfigNode, keyPosition: SourcePosition?, path: ConfigPath) {
        self.positions[path] = node.anchor(keyPosition: keyPosition)
        switch node {
        case .scalar:
            break
        case .mapping(let mapping):
            for entry in mapping.entries {
                self.record(entry.value, keyPosition: entry.keyPosition, path: path.key(entry.key))
            }
        case .sequence(let sequence):
            for (index, item) in sequence.items.enumerated() {
                self.record(item, keyPosition: nil, path: path.index(index))
            }
        }
    }

    /// The position of the value at `path`, or of its nearest written ancestor (a defaulted
    /// value was not written, but the section holding it was).
    func position(of path: ConfigPath) -> SourcePosition? {
        var path = path
        while true {
            if let position = self.positions[path] { return position }
            if path.components.isEmpty { return nil }
            path = path.parent
        }
    }

    /// Whether the value at `path` itself was written (not defaulted).
    func isWritten(_ path: ConfigPath) -> Bool {
        self.positions[path] != nil
    }

    /// An error located at `path`.
    func error(at path: ConfigPath, _ message: String, hint: String? = nil) -> ConfigError {
        let position = self.position(of: path)
        return ConfigError(
            file: self.file,
            line: position?.line,
            column: position?.column,
            path: path.description,
            message: message,
            hint: hint
        )
    }
}
