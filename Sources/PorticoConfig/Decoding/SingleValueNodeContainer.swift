/// Reads one value. Numbers and booleans are parsed from the scalar's text here, the same way
/// whether it was quoted or came from `${VAR}`, and with no YAML 1.1 surprises (`yes`, `on`,
/// `0x10`, `1_000.0e3`).
struct SingleValueNodeContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder

    var codingPath: [any CodingKey] { self.decoder.codingPath }

    func decodeNil() -> Bool {
        self.decoder.node.isNull
    }

    func decode(_ type: String.Type) throws -> String {
        try self.scalarText(expected: "a string")
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch try self.scalarText(expected: "true or false") {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw self.decoder.mismatch(expected: "true or false")
        }
    }

    func decode(_ type: Double.Type) throws -> Double {
        let text = try self.scalarText(expected: "a number")
        guard let value = Double(text.replacingOccurrences(of: "_", with: "")), value.isFinite, !text.hasPrefix("0x")
        else {
            throw self.decoder.mismatch(expected: "a number")
        }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float {
        let value = try self.decode(Double.self)
        guard Float(value).isFinite else { throw self.decoder.error("\(value) is out of range") }
        return Float(value)
    }

    func decode(_ type: Int.Type) throws -> Int { try self.integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try self.integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try self.integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try self.integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try self.integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try self.integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try self.integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try self.integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try self.integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try self.integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try self.decoder.decodeChild(
            type,
            node: self.decoder.node,
            path: self.decoder.path,
            keyPosition: self.decoder.keyPosition
        )
    }

    /// The scalar's text; null, mappings and lists are type errors.
    private func scalarText(expected: String) throws -> String {
        guard case .scalar(let scalar) = self.decoder.node, !self.decoder.node.isNull else {
            throw self.decoder.mismatch(expected: expected)
        }
        return scalar.text
    }

    /// Decimal digits with an optional sign; `_` may separate digits (`10_000`).
    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let text = try self.scalarText(expected: "an integer")
        let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
        let unsigned = digits.hasPrefix("-") ? digits.dropFirst() : digits[...]
        guard !unsigned.isEmpty, unsigned.first != "_", unsigned.last != "_",
            unsigned.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") })
        else {
            throw self.decoder.mismatch(expected: "an integer")
        }
        guard let value = T(digits.replacingOccurrences(of: "_", with: ""), radix: 10) else {
            throw self.decoder.error("\(text) is out of range (\(T.min)...\(T.max))")
        }
        return value
    }
}
