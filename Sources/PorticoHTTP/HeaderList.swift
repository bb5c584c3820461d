/// An ordered list of header fields with case-insensitive name lookup.
///
/// This is Portico's own header model, read by routing and filters whatever codec produced
/// it, so the HTTP/1 codec underneath can change without touching them. Order and repeated
/// fields are preserved as received, which a proxy must do (RFC 9110 §5.3).
public struct HeaderList: Sendable, Hashable {
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

    @usableFromInline
    var fields: [Field]

    /// An empty list.
    public init() {
        self.fields = []
    }

    /// A list from name/value pairs, kept in order.
    public init(_ pairs: [(String, String)]) {
        self.fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    /// A list from fields, kept in order.
    public init(fields: [Field]) {
        self.fields = fields
    }

    /// Reserves room for `count` fields.
    public mutating func reserveCapacity(_ count: Int) {
        self.fields.reserveCapacity(count)
    }

    /// The number of fields.
    public var count: Int { self.fields.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { self.fields.isEmpty }

    /// The value of the first field with this name, compared case-insensitively.
    @inlinable
    public subscript(name: String) -> String? {
        for field in self.fields where HTTPSyntax.equalsCaseInsensitive(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Every value of fields with this name, in order.
    public func values(_ name: String) -> [String] {
        self.fields.lazy.filter { HTTPSyntax.equalsCaseInsensitive($0.name, name) }.map(\.value)
    }

    /// How many fields carry this name.
    public func count(of name: String) -> Int {
        var count = 0
        for field in self.fields where HTTPSyntax.equalsCaseInsensitive(field.name, name) { count += 1 }
        return count
    }

    /// Whether a field with this name exists.
    @inlinable
    public func contains(_ name: String) -> Bool {
        self.fields.contains { HTTPSyntax.equalsCaseInsensitive($0.name, name) }
    }

    /// Whether any comma-separated element of any field with this name equals `token`,
    /// case-insensitively (as for `Connection: keep-alive, Upgrade`).
    public func containsToken(_ token: String, in name: String) -> Bool {
        for field in self.fields where HTTPSyntax.equalsCaseInsensitive(field.name, name) {
            for element in field.value.split(separator: ",") {
                if HTTPSyntax.equalsCaseInsensitive(String(element.trimmingHTTPWhitespace()), token) { return true }
            }
        }
        return false
    }

    /// Appends a field, keeping any existing ones with the same name.
    public mutating func add(name: String, value: String) {
        self.fields.append(Field(name: name, value: value))
    }

    /// Replaces every field with this name by one field (appended if there was none).
    public mutating func set(name: String, value: String) {
        if let first = self.fields.firstIndex(where: { HTTPSyntax.equalsCaseInsensitive($0.name, name) }) {
            self.fields[first].value = value
            if self.fields[(first + 1)...].contains(where: { HTTPSyntax.equalsCaseInsensitive($0.name, name) }) {
                var index = first + 1
                while index < self.fields.count {
                    if HTTPSyntax.equalsCaseInsensitive(self.fields[index].name, name) {
                        self.fields.remove(at: index)
                    } else {
                        index += 1
                    }
                }
            }
        } else {
            self.fields.append(Field(name: name, value: value))
        }
    }

    /// Removes every field with this name.
    public mutating func remove(name: String) {
        guard self.contains(name) else { return }
        self.fields.removeAll { HTTPSyntax.equalsCaseInsensitive($0.name, name) }
    }

    /// Removes every field for which `shouldRemove` is true, in one pass.
    public mutating func removeAll(where shouldRemove: (Field) throws -> Bool) rethrows {
        try self.fields.removeAll(where: shouldRemove)
    }

    /// Renames every field called `old` to `new`, keeping position and value.
    public mutating func rename(_ old: String, to new: String) {
        for index in self.fields.indices where HTTPSyntax.equalsCaseInsensitive(self.fields[index].name, old) {
            self.fields[index].name = new
        }
    }
}

extension HeaderList: Sequence {
    public func makeIterator() -> IndexingIterator<[Field]> {
        self.fields.makeIterator()
    }
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
