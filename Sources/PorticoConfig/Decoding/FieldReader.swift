import PorticoCore

/// Decodes the fields of one schema type and keeps going after a bad field, so that one
/// mapping with three mistakes reports three errors.
///
/// Values for fields that failed are placeholders that never escape: ``finish()`` throws as
/// soon as anything was collected.
struct FieldReader<Key: CodingKey> {
    private let container: KeyedDecodingContainer<Key>
    private let nodeDecoder: NodeDecoder?
    private var errors: [any Error] = []

    init(_ decoder: any Decoder, keyedBy type: Key.Type) throws {
        self.container = try decoder.container(keyedBy: type)
        self.nodeDecoder = decoder as? NodeDecoder
    }

    /// Whether `key` is present with a value other than null (an empty `timeouts:` means
    /// "the defaults", as if the key were absent).
    func isPresent(_ key: Key) -> Bool {
        guard self.container.contains(key) else { return false }
        return !((try? self.container.decodeNil(forKey: key)) ?? false)
    }

    /// A required value; `fallback` stands in if it is missing or bad.
    mutating func required<T: Decodable>(_ key: Key, or fallback: T) -> T {
        do {
            return try self.container.decode(T.self, forKey: key)
        } catch {
            self.errors.append(error)
            return fallback
        }
    }

    /// An optional value: nil when absent or null.
    mutating func optional<T: Decodable>(_ key: Key) -> T? {
        guard self.isPresent(key) else { return nil }
        do {
            return try self.container.decode(T.self, forKey: key)
        } catch {
            self.errors.append(error)
            return nil
        }
    }

    /// A value with a default for when it is absent or null.
    mutating func value<T: Decodable>(_ key: Key, default defaultValue: T) -> T {
        self.optional(key) ?? defaultValue
    }

    /// A list whose elements are decoded one by one, so every bad element is reported.
    mutating func list<T: Decodable>(_ key: Key, default defaultValue: [T] = []) -> [T] {
        guard self.isPresent(key) else { return defaultValue }
        do {
            var items = try self.container.nestedUnkeyedContainer(forKey: key)
            var result: [T] = []
            while !items.isAtEnd {
                let index = items.currentIndex
                do {
                    result.append(try items.decode(T.self))
                } catch {
                    self.errors.append(error)
                    // Our container always moves on; a foreign one might not.
                    if items.currentIndex == index { break }
                }
            }
            return result
        } catch {
            self.errors.append(error)
            return defaultValue
        }
    }

    /// A mapping of names to values, each decoded on its own.
    mutating func entries<T: Decodable>(_ key: Key) -> [String: T] {
        guard self.isPresent(key) else { return [:] }
        do {
            let map = try self.container.nestedContainer(keyedBy: PathKey.self, forKey: key)
            var result: [String: T] = [:]
            for name in map.allKeys {
                do {
                    result[name.stringValue] = try map.decode(T.self, forKey: name)
                } catch {
                    self.errors.append(error)
                }
            }
            return result
        } catch {
            self.errors.append(error)
            return [:]
        }
    }

    /// Reports a key that is part of the documented shape but whose feature does not exist
    /// yet: a configured feature that is silently ignored would be worse than an error.
    ///
    /// The rest of the value is still fine, so the error does not stop decoding: the other
    /// checks (references, addresses...) still run and report their problems too.
    mutating func refuse(_ key: Key, _ message: String, hint: String? = nil) {
        guard self.container.contains(key) else { return }
        let issue = ConfigIssue(message, key: key.stringValue, hint: hint)
        if let nodeDecoder = self.nodeDecoder {
            nodeDecoder.reportLater(issue)
        } else {
            self.errors.append(issue)
        }
    }

    /// Accepts keys starting with `x-` (extension keys that only carry YAML anchors, as in
    /// Compose files); every other unknown key stays an error.
    func allowExtensionKeys(_ decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: PathKey.self)
        for key in keys.allKeys where key.stringValue.hasPrefix("x-") {
            _ = keys.contains(key)
        }
    }

    /// Adds a problem found by the type itself.
    mutating func report(_ issue: ConfigIssue) {
        self.errors.append(issue)
    }

    /// Throws everything collected, if anything.
    func finish() throws {
        if !self.errors.isEmpty { throw CollectedErrors(errors: self.errors) }
    }
}
