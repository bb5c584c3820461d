import PorticoCore

/// Problems found while decoding that leave the decoded value well-formed.
final class DecodingReport {
    var errors: [ConfigError] = []
}

/// A strict `Decoder` over ``ConfigNode``: the part of the loader that turns the parsed tree
/// into the Codable schema types.
///
/// Stricter than Yams' own decoder in the ways that matter for configuration:
/// - every mapping key must be asked about by the type being decoded; any other key is an
///   error with a "did you mean" suggestion (keys of `CaseIterable` coding-key types count as
///   known even if decoding stopped early, so one error does not make later keys "unknown"),
/// - numbers and booleans are read from the text as written (`10s` is never an integer),
/// - every error carries the position of the value it is about and its key path, and a
///   ``ConfigIssue`` thrown by an `init(from:)` is placed at the key it names.
final class NodeDecoder: Decoder {
    /// The value being decoded.
    let node: ConfigNode
    /// Its path from the document root.
    let path: ConfigPath
    /// The position of the key holding it, if it is a mapping value.
    let keyPosition: SourcePosition?
    /// The file name for errors.
    let file: String
    /// Problems that do not stop decoding, shared by all decoders of one document.
    let report: DecodingReport

    /// Keys a container was asked about (`decode`, `contains`, `decodeNil`...).
    private var askedKeys: Set<String>
    /// Every key of the `CaseIterable` coding-key types containers were made with.
    private var declaredKeys: Set<String> = []
    private var madeKeyedContainer = false
    /// Set for filter entries: keys other than `type` are checked later by the filter's own type.
    var acceptsAnyKey = false
    /// Decoders of nested containers, whose mappings are checked for unknown keys too.
    private var nestedDecoders: [NodeDecoder] = []

    init(
        node: ConfigNode,
        path: ConfigPath,
        keyPosition: SourcePosition?,
        file: String,
        report: DecodingReport,
        knownKeys: Set<String> = []
    ) {
        self.node = node
        self.path = path
        self.keyPosition = keyPosition
        self.file = file
        self.report = report
        self.askedKeys = knownKeys
    }

    var codingPath: [any CodingKey] { self.path.codingKeys }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Where errors about this value as a whole point.
    var anchor: SourcePosition { self.node.anchor(keyPosition: self.keyPosition) }

    // MARK: Entry points

    /// Decodes the document root (or a filter's settings) as `T`, with every problem found.
    ///
    /// The value is nil when decoding failed. It may come with errors anyway: problems that
    /// leave the value well-formed (a refused feature) do not stop the later checks.
    static func decode<T: Decodable>(
        _ type: T.Type,
        from node: ConfigNode,
        path: ConfigPath = .root,
        keyPosition: SourcePosition? = nil,
        file: String,
        knownKeys: Set<String> = []
    ) -> (value: T?, errors: [ConfigError]) {
        let report = DecodingReport()
        let decoder = NodeDecoder(
            node: node,
            path: path,
            keyPosition: keyPosition,
            file: file,
            report: report,
            knownKeys: knownKeys
        )
        do {
            let value = try decoder.decodeSelf(type)
            return (value, report.errors)
        } catch {
            return (nil, report.errors + decoder.locate(error))
        }
    }

    /// Decodes a child value: the one place `init(from:)` is called, so the one place where
    /// thrown errors get their position and unknown keys are found.
    func decodeChild<T: Decodable>(
        _ type: T.Type,
        node: ConfigNode,
        path: ConfigPath,
        keyPosition: SourcePosition?
    ) throws -> T {
        let child = NodeDecoder(node: node, path: path, keyPosition: keyPosition, file: self.file, report: self.report)
        return try child.decodeSelf(type)
    }

    private func decodeSelf<T: Decodable>(_ type: T.Type) throws -> T {
        let value: T
        do {
            value = try T(from: self)
        } catch {
            throw ConfigErrors(self.locate(error) + self.unknownKeyErrors(decodingSucceeded: false))
        }
        let unknown = self.unknownKeyErrors(decodingSucceeded: true)
        if !unknown.isEmpty { throw ConfigErrors(unknown) }
        return value
    }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let mapping) = self.node else {
            throw self.mismatch(expected: "a mapping")
        }
        self.madeKeyedContainer = true
        if let caseIterable = Key.self as? any CaseIterable.Type {
            self.declaredKeys.formUnion(Self.keyNames(caseIterable))
        }
        return KeyedDecodingContainer(KeyedNodeContainer<Key>(decoder: self, mapping: mapping))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let sequence) = self.node else {
            var hint: String?
            if case .scalar(let scalar) = self.node, !self.node.isNull { hint = "write a list: [\(scalar.text)]" }
            throw self.mismatch(expected: "a list", hint: hint)
        }
        return UnkeyedNodeContainer(decoder: self, sequence: sequence)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueNodeContainer(decoder: self)
    }

    // MARK: Key tracking

    func markAsked(_ key: String) {
        self.askedKeys.insert(key)
    }

    /// A decoder for a nested container of this one, remembered for the unknown-key check.
    func nestedDecoder(node: ConfigNode, path: ConfigPath, keyPosition: SourcePosition?) -> NodeDecoder {
        let decoder = NodeDecoder(
            node: node,
            path: path,
            keyPosition: keyPosition,
            file: self.file,
            report: self.report
        )
        self.nestedDecoders.append(decoder)
        return decoder
    }

    private static func keyNames<K: CaseIterable>(_ type: K.Type) -> [String] {
        K.allCases.compactMap { ($0 as? any CodingKey)?.stringValue }
    }

    /// Reports a problem that leaves the value usable, so decoding and later checks go on.
    func reportLater(_ issue: ConfigIssue) {
        self.report.errors.append(self.locate(issue))
    }

    /// Errors for keys of this mapping no container asked about.
    ///
    /// After a failed decode, keys after the failure were never asked about, which does not
    /// make them unknown. Then only keys outside the declared (`CaseIterable`) key set are
    /// reported or, for types whose keys cannot be listed, keys that look like a misspelling
    /// of a key that was asked about (`limt` for `limit`).
    private func unknownKeyErrors(decodingSucceeded: Bool) -> [ConfigError] {
        var errors = self.nestedDecoders.flatMap { $0.unknownKeyErrors(decodingSucceeded: decodingSucceeded) }
        guard case .mapping(let mapping) = self.node, self.madeKeyedContainer, !self.acceptsAnyKey else {
            return errors
        }
        let known = self.declaredKeys.union(self.askedKeys)
        let onlyMisspellings = !decodingSucceeded && self.declaredKeys.isEmpty
        for entry in mapping.entries where !known.contains(entry.key) {
            let suggestion = Suggestion.didYouMean(entry.key, among: known)
            if onlyMisspellings && suggestion.isEmpty { continue }
            errors.append(
                ConfigError(
                    file: self.file,
                    line: entry.keyPosition.line,
                    column: entry.keyPosition.column,
                    path: self.path.key(entry.key).description,
                    message: "unknown key '\(entry.key)'\(suggestion)",
                    hint: known.isEmpty
                        ? "this mapping takes no keys" : "valid keys here: \(Suggestion.list(known.sorted()))"
                )
            )
        }
        return errors
    }

    // MARK: Errors

    /// An error about this value as a whole.
    func error(_ message: String, hint: String? = nil) -> ConfigError {
        self.error(at: self.anchor, path: self.path, message, hint: hint)
    }

    func error(at position: SourcePosition?, path: ConfigPath, _ message: String, hint: String? = nil) -> ConfigError {
        ConfigError(
            file: self.file,
            line: position?.line,
            column: position?.column,
            path: path.description,
            message: message,
            hint: hint
        )
    }

    /// "expected a list, found 'abc'".
    func mismatch(expected: String, hint: String? = nil) -> ConfigError {
        self.error("expected \(expected), found \(self.node.kindDescription)", hint: hint)
    }
}
