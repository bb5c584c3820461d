/// Reads one mapping, recording every key it is asked about for the unknown-key check.
struct KeyedNodeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    let mapping: ConfigNode.Mapping

    var codingPath: [any CodingKey] { self.decoder.codingPath }

    var allKeys: [Key] {
        self.mapping.entries.compactMap { Key(stringValue: $0.key) }
    }

    func contains(_ key: Key) -> Bool {
        self.decoder.markAsked(key.stringValue)
        return self.mapping.entry(key.stringValue) != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try self.entry(key).value.isNull
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try self.decodeValue(type, forKey: key)
    }

    // The protocol's concrete overloads all go through the generic path: the scalar rules
    // live in one place, `SingleValueNodeContainer`.
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try self.decodeValue(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try self.decodeValue(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try self.decodeValue(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try self.decodeValue(type, forKey: key) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let entry = try self.entry(key)
        return try self.decoder.nestedDecoder(
            node: entry.value,
            path: self.decoder.path.key(key.stringValue),
            keyPosition: entry.keyPosition
        ).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let entry = try self.entry(key)
        return try self.decoder.nestedDecoder(
            node: entry.value,
            path: self.decoder.path.key(key.stringValue),
            keyPosition: entry.keyPosition
        ).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        guard let key = Key(stringValue: "super") else { throw self.decoder.error("this type has no 'super' key") }
        return try self.superDecoder(forKey: key)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        let entry = try self.entry(key)
        return self.decoder.nestedDecoder(
            node: entry.value,
            path: self.decoder.path.key(key.stringValue),
            keyPosition: entry.keyPosition
        )
    }

    private func decodeValue<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let entry = try self.entry(key)
        return try self.decoder.decodeChild(
            type,
            node: entry.value,
            path: self.decoder.path.key(key.stringValue),
            keyPosition: entry.keyPosition
        )
    }

    /// The entry for `key`, or a "missing required key" error at this mapping.
    private func entry(_ key: Key) throws -> ConfigNode.Mapping.Entry {
        self.decoder.markAsked(key.stringValue)
        guard let entry = self.mapping.entry(key.stringValue) else {
            throw self.decoder.error(
                at: self.decoder.anchor,
                path: self.decoder.path.key(key.stringValue),
                "missing required key '\(key.stringValue)'"
            )
        }
        return entry
    }
}
