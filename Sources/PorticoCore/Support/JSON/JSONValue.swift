/// A JSON document or a part of one, as read by ``JSONReader`` (or built from config).
///
/// Numbers keep their source text (see ``JSONNumber``), so nothing is lost between reading a
/// document and forwarding parts of it. Not `indirect`: arrays and dictionaries already store
/// their elements out of line, and boxing every scalar would cost an allocation each.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member `name` of an object; nil for a missing member or a value that is no object.
    public subscript(name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[name]
    }

    /// The text of a string value.
    public var string: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// The `Double` of a number value.
    public var double: Double? {
        guard case .number(let number) = self else { return nil }
        return number.double
    }
}
