/// Reads one list.
struct UnkeyedNodeContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let sequence: ConfigNode.Sequence
    private(set) var currentIndex = 0

    init(decoder: NodeDecoder, sequence: ConfigNode.Sequence) {
        self.decoder = decoder
        self.sequence = sequence
    }

    var codingPath: [any CodingKey] { self.decoder.codingPath }
    var count: Int? { self.sequence.items.count }
    var isAtEnd: Bool { self.currentIndex >= self.sequence.items.count }

    mutating func decodeNil() throws -> Bool {
        guard !self.isAtEnd else { throw self.pastEnd() }
        if self.sequence.items[self.currentIndex].isNull {
            self.currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try self.decodeNext(type)
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try self.decodeNext(type) }
    mutating func decode(_ type: String.Type) throws -> String { try self.decodeNext(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try self.decodeNext(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try self.decodeNext(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try self.decodeNext(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try self.decodeNext(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try self.decodeNext(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try self.decodeNext(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try self.decodeNext(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try self.decodeNext(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try self.decodeNext(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try self.decodeNext(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try self.decodeNext(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try self.decodeNext(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try self.nextNestedDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try self.nextNestedDecoder().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        try self.nextNestedDecoder()
    }

    /// Decodes the next element. The index moves on even when decoding fails, so callers that
    /// collect errors element by element always make progress.
    private mutating func decodeNext<T: Decodable>(_ type: T.Type) throws -> T {
        guard !self.isAtEnd else { throw self.pastEnd() }
        let index = self.currentIndex
        self.currentIndex += 1
        return try self.decoder.decodeChild(
            type,
            node: self.sequence.items[index],
            path: self.decoder.path.index(index),
            keyPosition: nil
        )
    }

    private mutating func nextNestedDecoder() throws -> NodeDecoder {
        guard !self.isAtEnd else { throw self.pastEnd() }
        let index = self.currentIndex
        self.currentIndex += 1
        return self.decoder.nestedDecoder(
            node: self.sequence.items[index],
            path: self.decoder.path.index(index),
            keyPosition: nil
        )
    }

    private func pastEnd() -> ConfigError {
        self.decoder.error("expected more elements in this list (it has \(self.sequence.items.count))")
    }
}
