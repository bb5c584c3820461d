import PorticoCore

extension JSONValue {
    /// The JSON-schema type name of the value (`integer` for whole numbers).
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): number.double.rounded(.towardZero) == number.double ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Short JSON text for messages (long values are cut). Numbers are spelled from their
    /// value (`1.50` as `1.5`), as schema bounds are.
    var summary: String {
        let text: String
        switch self {
        case .null: text = "null"
        case .bool(let value): text = value ? "true" : "false"
        case .number(let number): text = Self.format(number.double)
        case .string(let value):
            var quoted = ""
            JSONTextWriter.appendString(value, to: &quoted)
            text = quoted
        case .array(let items): text = "[" + items.map(\.summary).joined(separator: ",") + "]"
        case .object(let members):
            text = "{" + members.keys.sorted().map { "\"\($0)\":\(members[$0]!.summary)" }.joined(separator: ",") + "}"
        }
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    /// `3` rather than `3.0` for whole numbers.
    static func format(_ value: Double) -> String {
        JSONNumber(value).text
    }
}

/// JSON string literals for messages.
enum JSONTextWriter {
    static func appendString(_ string: String, to output: inout String) {
        output.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case _ where scalar.value < 0x20:
                output.append("\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16))
            default: output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
    }
}

/// Reads an inline schema written in the config file (YAML or JSON) as a ``JSONValue``.
///
/// The config tree does not remember quoting, so a scalar that reads as a boolean or a number
/// is one (`"5"` in `enum` is the number 5): schemas that need such strings go in a
/// `schema_file`, which is parsed as JSON.
struct ConfigJSON: Decodable {
    var value: JSONValue

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: DynamicCodingKey.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys {
                members[key.stringValue] = try object.decode(ConfigJSON.self, forKey: key).value
            }
            self.value = .object(members)
            return
        }
        if var list = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !list.isAtEnd { items.append(try list.decode(ConfigJSON.self).value) }
            self.value = .array(items)
            return
        }
        let scalar = try decoder.singleValueContainer()
        if scalar.decodeNil() {
            self.value = .null
        } else if let bool = try? scalar.decode(Bool.self) {
            self.value = .bool(bool)
        } else if let number = try? scalar.decode(Double.self) {
            self.value = .number(JSONNumber(number))
        } else {
            self.value = .string(try scalar.decode(String.self))
        }
    }
}
