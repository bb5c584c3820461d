import PorticoCore

extension NodeDecoder {
    /// Gives every error thrown while decoding this value a position and key path.
    ///
    /// Errors from nested values arrive already located (``ConfigErrors``); what is left is
    /// what an `init(from:)` threw itself: a ``ConfigIssue`` (about this mapping, at `key` if
    /// given), a `DecodingError` (at its coding path), or anything else (at this value).
    func locate(_ error: any Error) -> [ConfigError] {
        switch error {
        case let errors as ConfigErrors:
            return errors.errors
        case let error as ConfigError:
            return [error]
        case let collected as CollectedErrors:
            return collected.errors.flatMap(self.locate)
        case let issue as ConfigIssue:
            return [self.locate(issue)]
        case let error as DecodingError:
            return [self.locate(error)]
        default:
            return [self.error("\(error)")]
        }
    }

    func locate(_ issue: ConfigIssue) -> ConfigError {
        guard let key = issue.key, !key.isEmpty else {
            return self.error(issue.message, hint: issue.hint)
        }
        let path = self.path.appending(dottedKey: key)
        // A key with dots may be one key (`a.b`) or a nested path (`rewrite.regex`).
        if case .mapping(let mapping) = self.node, let entry = mapping.entry(key) {
            return self.error(
                at: entry.value.anchor(keyPosition: entry.keyPosition),
                path: self.path.key(key),
                issue.message,
                hint: issue.hint
            )
        }
        if let (node, keyPosition) = self.node.descendant(at: path.components.dropFirst(self.path.components.count)) {
            return self.error(at: node.anchor(keyPosition: keyPosition), path: path, issue.message, hint: issue.hint)
        }
        return self.error(at: self.anchor, path: path, issue.message, hint: issue.hint)
    }

    private func locate(_ error: DecodingError) -> ConfigError {
        switch error {
        case .keyNotFound(let key, let context):
            let (position, path) = self.position(of: context.codingPath)
            return self.error(
                at: position,
                path: path.key(key.stringValue),
                "missing required key '\(key.stringValue)'"
            )
        case .typeMismatch(let type, let context):
            let (position, path) = self.position(of: context.codingPath)
            return self.error(at: position, path: path, "expected a value of type \(type): \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            let (position, path) = self.position(of: context.codingPath)
            return self.error(at: position, path: path, "missing value of type \(type): \(context.debugDescription)")
        case .dataCorrupted(let context):
            let (position, path) = self.position(of: context.codingPath)
            return self.error(at: position, path: path, context.debugDescription)
        @unknown default:
            return self.error("\(error)")
        }
    }

    /// The position of a value by absolute coding path, when it lies inside this value.
    private func position(of codingPath: [any CodingKey]) -> (SourcePosition?, ConfigPath) {
        var path = ConfigPath.root
        for key in codingPath {
            path = key.intValue.map { path.index($0) } ?? path.key(key.stringValue)
        }
        guard path.isWithin(self.path),
            let (node, keyPosition) = self.node.descendant(at: path.components.dropFirst(self.path.components.count))
        else {
            return (self.anchor, self.path)
        }
        return (node.anchor(keyPosition: keyPosition), path)
    }
}
