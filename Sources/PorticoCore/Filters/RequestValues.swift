/// Values filters hand to later filters for one request (`jwt.sub` → `alice`), read by header
/// templates and rate-limit keys.
///
/// A request carries a handful of them, so they are kept as pairs and searched in order:
/// hashing a key cost more than the whole search, and this is read on every request of a
/// route that forwards claims.
public struct RequestValues: Sendable, ExpressibleByDictionaryLiteral {
    private var entries: [(key: String, value: String)]

    /// No values.
    public init() {
        self.entries = []
    }

    /// The values of a dictionary (in key order, so the result does not depend on hashing).
    public init(_ dictionary: [String: String]) {
        self.entries = dictionary.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.entries = []
        for (key, value) in elements { self[key] = value }
    }

    /// Whether there are no values.
    public var isEmpty: Bool { self.entries.isEmpty }

    /// How many values there are.
    public var count: Int { self.entries.count }

    /// The value stored under `key`; setting nil removes it.
    public subscript(key: String) -> String? {
        get {
            for entry in self.entries where entry.key == key { return entry.value }
            return nil
        }
        set {
            if let index = self.entries.firstIndex(where: { $0.key == key }) {
                if let newValue {
                    self.entries[index].value = newValue
                } else {
                    self.entries.remove(at: index)
                }
            } else if let newValue {
                self.entries.append((key: key, value: newValue))
            }
        }
    }

    /// Removes the value under `key`, returning it.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> String? {
        guard let index = self.entries.firstIndex(where: { $0.key == key }) else { return nil }
        return self.entries.remove(at: index).value
    }

    /// Adds every value of `other`, replacing those under the same keys.
    public mutating func merge(_ other: RequestValues) {
        for entry in other.entries { self[entry.key] = entry.value }
    }

    /// The values as a dictionary.
    public var dictionary: [String: String] {
        Dictionary(self.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}

extension RequestValues: Equatable {
    /// Equal when they hold the same values, in whatever order.
    public static func == (lhs: RequestValues, rhs: RequestValues) -> Bool {
        lhs.count == rhs.count && lhs.entries.allSatisfy { rhs[$0.key] == $0.value }
    }
}
