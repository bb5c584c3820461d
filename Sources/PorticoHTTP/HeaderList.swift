/// An ordered list of header fields with case-insensitive name lookup.
///
/// This is Portico's own header model, read by routing and filters whatever codec produced
/// it, so the HTTP/1 codec underneath can change without touching them. Order and repeated
/// fields are preserved as received, which a proxy must do (RFC 9110 §5.3).
public struct HeaderList: Sendable {
    /// One header field as received or to be sent.
    public struct Field: Sendable, Hashable {
        /// The field name as received (case preserved).
        public var name: String
        /// The field value with surrounding whitespace removed.
        public var value: String

        /// Creates a field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Name/value pairs in order. Kept as plain tuples because that is NIO's own header
    /// storage: handing a list to the HTTP/1 encoder then copies nothing.
    public private(set) var pairs: [(String, String)]

    /// An empty list.
    public init() {
        self.pairs = []
    }

    /// A list from name/value pairs, kept in order.
    public init(_ pairs: [(String, String)]) {
        self.pairs = pairs
    }

    /// A list from fields, kept in order.
    public init(fields: [Field]) {
        self.pairs = fields.map { ($0.name, $0.value) }
    }

    /// Reserves room for `count` fields.
    public mutating func reserveCapacity(_ count: Int) {
        self.pairs.reserveCapacity(count)
    }

    /// The number of fields.
    public var count: Int { self.pairs.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { self.pairs.isEmpty }

    /// The value of the first field with this name, compared case-insensitively.
    @inlinable
    public subscript(name: String) -> String? {
        for (fieldName, value) in self.pairs where HTTPSyntax.equalsCaseInsensitive(fieldName, name) {
            return value
        }
        return nil
    }

    /// Every value of fields with this name, in order.
    public func values(_ name: String) -> [String] {
        self.pairs.compactMap { HTTPSyntax.equalsCaseInsensitive($0.0, name) ? $0.1 : nil }
    }

    /// How many fields carry this name.
    public func count(of name: String) -> Int {
        var count = 0
        for (fieldName, _) in self.pairs where HTTPSyntax.equalsCaseInsensitive(fieldName, name) { count += 1 }
        return count
    }

    /// Whether a field with this name exists.
    @inlinable
    public func contains(_ name: String) -> Bool {
        self.pairs.contains { HTTPSyntax.equalsCaseInsensitive($0.0, name) }
    }

    /// Whether any comma-separated element of any field with this name equals `token`,
    /// case-insensitively (as for `Connection: keep-alive, Upgrade`).
    public func containsToken(_ token: String, in name: String) -> Bool {
        let lowered = HTTPSyntax.lowercasedASCII(token)
        for (fieldName, value) in self.pairs where HTTPSyntax.equalsCaseInsensitive(fieldName, name) {
            var found = false
            HTTPSyntax.forEachListElement(in: value) { element in
                if ConnectionOptions.equals(element, lowered) { found = true }
            }
            if found { return true }
        }
        return false
    }

    /// Appends a field, keeping any existing ones with the same name.
    public mutating func add(name: String, value: String) {
        self.pairs.append((name, value))
    }

    /// Replaces every field with this name by one field (appended if there was none).
    public mutating func set(name: String, value: String) {
        guard let first = self.pairs.firstIndex(where: { HTTPSyntax.equalsCaseInsensitive($0.0, name) }) else {
            self.pairs.append((name, value))
            return
        }
        self.pairs[first].1 = value
        var index = first + 1
        while index < self.pairs.count {
            if HTTPSyntax.equalsCaseInsensitive(self.pairs[index].0, name) {
                self.pairs.remove(at: index)
            } else {
                index += 1
            }
        }
    }

    /// Removes every field with this name.
    public mutating func remove(name: String) {
        guard self.contains(name) else { return }
        self.pairs.removeAll { HTTPSyntax.equalsCaseInsensitive($0.0, name) }
    }

    /// Removes every field for which `shouldRemove` is true, in one pass.
    public mutating func removeAll(where shouldRemove: (Field) throws -> Bool) rethrows {
        try self.pairs.removeAll { try shouldRemove(Field(name: $0.0, value: $0.1)) }
    }

    /// Renames every field called `old` to `new`, keeping position and value.
    public mutating func rename(_ old: String, to new: String) {
        for index in self.pairs.indices where HTTPSyntax.equalsCaseInsensitive(self.pairs[index].0, old) {
            self.pairs[index].0 = new
        }
    }
}

extension HeaderList: Hashable {
    public static func == (lhs: HeaderList, rhs: HeaderList) -> Bool {
        lhs.pairs.count == rhs.pairs.count && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.pairs.count)
        for (name, value) in self.pairs {
            hasher.combine(name)
            hasher.combine(value)
        }
    }
}

extension HeaderList: Sequence {
    /// Iterates the fields in order.
    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: IndexingIterator<[(String, String)]>

        @inlinable
        public mutating func next() -> Field? {
            guard let (name, value) = self.base.next() else { return nil }
            return Field(name: name, value: value)
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(base: self.pairs.makeIterator())
    }

    public var underestimatedCount: Int { self.pairs.count }
}

extension HeaderList: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }
}

extension Substring {
    /// Drops leading and trailing spaces and tabs (OWS, RFC 9110 §5.6.3).
    public func trimmingHTTPWhitespace() -> Substring {
        var result = self
        while let first = result.utf8.first, first == 0x20 || first == 0x09 { result = result.dropFirst() }
        while let last = result.utf8.last, last == 0x20 || last == 0x09 { result = result.dropLast() }
        return result
    }
}
