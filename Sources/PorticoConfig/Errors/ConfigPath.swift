/// A position in the configuration tree: `routes[0].match.path_prefix`.
struct ConfigPath: Hashable, Sendable, CustomStringConvertible {
    /// One step down the tree.
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    /// The steps from the root.
    var components: [Component]

    /// The root of the document.
    static let root = ConfigPath(components: [])

    /// The path one mapping key further down.
    func key(_ key: String) -> ConfigPath {
        ConfigPath(components: self.components + [.key(key)])
    }

    /// The path of a list element.
    func index(_ index: Int) -> ConfigPath {
        ConfigPath(components: self.components + [.index(index)])
    }

    /// The path of a dotted key relative to this one (`rewrite.regex`), as ``ConfigIssue``
    /// keys may name nested values.
    func appending(dottedKey: String) -> ConfigPath {
        var path = self
        for part in dottedKey.split(separator: ".", omittingEmptySubsequences: false) {
            path = path.key(String(part))
        }
        return path
    }

    /// Whether this path is `other` or lies inside it.
    func isWithin(_ other: ConfigPath) -> Bool {
        self.components.starts(with: other.components)
    }

    /// The path without its last step (the root stays the root).
    var parent: ConfigPath {
        ConfigPath(components: Array(self.components.dropLast()))
    }

    /// The steps as `CodingKey`s, for `Decoder.codingPath`.
    var codingKeys: [any CodingKey] {
        self.components.map { component in
            switch component {
            case .key(let key): PathKey(stringValue: key)
            case .index(let index): PathKey(intValue: index)
            }
        }
    }

    /// `routes[0].match.path_prefix`; keys that are not plain words are quoted:
    /// `upstreams["svc.internal"]`.
    var description: String {
        var text = ""
        for component in self.components {
            switch component {
            case .index(let index):
                text += "[\(index)]"
            case .key(let key):
                if Self.isPlainKey(key) {
                    text += text.isEmpty ? key : ".\(key)"
                } else {
                    let escaped = key.replacingOccurrences(of: "\\", with: "\\\\")
                        .replacingOccurrences(of: "\"", with: "\\\"")
                    text += "[\"\(escaped)\"]"
                }
            }
        }
        return text
    }

    private static func isPlainKey(_ key: String) -> Bool {
        !key.isEmpty
            && key.unicodeScalars.allSatisfy { scalar in
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
            }
    }
}

/// A coding key made from a path component.
struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "[\(intValue)]"
        self.intValue = intValue
    }
}
