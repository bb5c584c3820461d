import PorticoCore

/// A compiled JSON schema for the documented subset (docs/configuration.md, `json_schema`).
///
/// Hand-written because no JSON-schema library is available to this project, and because a
/// gateway needs what general validators do not promise: compile once at config time (regexes
/// included), no Foundation per request, bounded recursion, and a hard error for every keyword
/// it does not implement, so a schema never silently validates less than its author meant.
///
/// Supported: `type` (string or list), `enum`, `const`, `properties`, `required`,
/// `additionalProperties` (boolean or schema), `minProperties`/`maxProperties`, `items`
/// (one schema for every item), `minItems`/`maxItems`, `uniqueItems`, `minLength`/`maxLength`
/// (in Unicode code points), `pattern` (unanchored, Swift `Regex` syntax), `minimum`/`maximum`,
/// `exclusiveMinimum`/`exclusiveMaximum` (numbers), `multipleOf`, `allOf`/`anyOf`/`oneOf`/`not`,
/// `$ref` to a local JSON pointer (`#`, `#/$defs/name`, `#/definitions/name`, ...), `$defs` /
/// `definitions`, boolean schemas. Annotations are accepted and ignored: `$schema`, `$id`,
/// `$comment`, `title`, `description`, `default`, `examples`, `deprecated`, `readOnly`,
/// `writeOnly`.
struct JSONSchema: Sendable {
    struct Node: Sendable {
        var alwaysFails = false
        var types: UInt8?
        var enumValues: [JSONValue]?
        var constValue: JSONValue?
        var properties: [(name: String, node: Int)] = []
        var required: [String] = []
        var additionalProperties: Additional = .any
        var minProperties: Int?
        var maxProperties: Int?
        var items: Int?
        var minItems: Int?
        var maxItems: Int?
        var uniqueItems = false
        var minLength: Int?
        var maxLength: Int?
        var pattern: CompiledRegex?
        var minimum: Double?
        var maximum: Double?
        var exclusiveMinimum: Double?
        var exclusiveMaximum: Double?
        var multipleOf: Double?
        var allOf: [Int] = []
        var anyOf: [Int] = []
        var oneOf: [Int] = []
        var not: Int?
        var ref: Int?
    }

    enum Additional: Sendable {
        case any
        case forbidden
        case schema(Int)
    }

    /// A schema problem found at config time, at a JSON pointer into the schema.
    struct CompileError: Error {
        var message: String
        var hint: String?
    }

    /// Why a value does not match: the JSON pointer of the failing value and what is wrong.
    struct Violation: Error, Equatable {
        var path: String
        var message: String

        var description: String { "\(self.path.isEmpty ? "(root)" : self.path): \(self.message)" }
    }

    static let typeBits: [String: UInt8] = [
        "null": 1, "boolean": 2, "object": 4, "array": 8, "number": 16, "integer": 32, "string": 64,
    ]

    static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly",
        "writeOnly",
    ]

    static let supportedKeywords =
        "type, enum, const, properties, required, additionalProperties, minProperties, maxProperties, items, minItems, maxItems, uniqueItems, minLength, maxLength, pattern, minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, allOf, anyOf, oneOf, not, $ref, $defs, definitions"

    private(set) var nodes: [Node] = []
    /// Recursion through `$ref` without consuming data stops here.
    static let maxValidationDepth = 256

    /// Compiles `document`; throws for unsupported keywords and malformed values.
    init(_ document: JSONValue) throws(CompileError) {
        var compiler = Compiler(document: document)
        _ = try compiler.compile(document, pointer: "#")
        self.nodes = compiler.nodes
    }

    // MARK: Compiling

    private struct Compiler {
        let document: JSONValue
        var nodes: [Node] = []
        var byPointer: [String: Int] = [:]

        mutating func compile(_ schema: JSONValue, pointer: String) throws(CompileError) -> Int {
            if let index = self.byPointer[pointer] { return index }
            let index = self.nodes.count
            self.nodes.append(Node())
            self.byPointer[pointer] = index
            var node = Node()
            switch schema {
            case .bool(let value):
                node.alwaysFails = !value
            case .object(let members):
                for key in members.keys.sorted() {
                    try self.keyword(key, members[key]!, into: &node, pointer: pointer)
                }
            default:
                throw CompileError(message: "\(pointer): a schema must be an object or a boolean")
            }
            self.nodes[index] = node
            return index
        }

        private static func escape(_ key: String) -> String {
            key.replacing("~", with: "~0").replacing("/", with: "~1")
        }

        private mutating func keyword(_ key: String, _ value: JSONValue, into node: inout Node, pointer: String)
            throws(CompileError)
        {
            let here = pointer + "/" + Self.escape(key)
            func count() throws(CompileError) -> Int {
                guard let number = value.double, number >= 0, number.rounded() == number, number < 1e15 else {
                    throw CompileError(message: "\(here): must be a non-negative integer")
                }
                return Int(number)
            }
            func number() throws(CompileError) -> Double {
                guard let number = value.double else { throw CompileError(message: "\(here): must be a number") }
                return number
            }
            func schemas() throws(CompileError) -> [Int] {
                guard case .array(let items) = value, !items.isEmpty else {
                    throw CompileError(message: "\(here): must be a non-empty list of schemas")
                }
                var result: [Int] = []
                for (offset, item) in items.enumerated() {
                    result.append(try self.compile(item, pointer: here + "/\(offset)"))
                }
                return result
            }
            switch key {
            case "type":
                var names: [JSONValue] = []
                if case .array(let list) = value { names = list } else { names = [value] }
                var bits: UInt8 = 0
                for name in names {
                    guard case .string(let text) = name, let bit = JSONSchema.typeBits[text] else {
                        throw CompileError(
                            message: "\(here): unknown type \(name.summary)",
                            hint: "null, boolean, object, array, number, integer or string")
                    }
                    bits |= bit
                }
                guard bits != 0 else { throw CompileError(message: "\(here): must name at least one type") }
                node.types = bits
            case "enum":
                guard case .array(let values) = value, !values.isEmpty else {
                    throw CompileError(message: "\(here): must be a non-empty list")
                }
                node.enumValues = values
            case "const":
                node.constValue = value
            case "properties":
                guard case .object(let members) = value else {
                    throw CompileError(message: "\(here): must be an object of schemas")
                }
                for name in members.keys.sorted() {
                    node.properties.append(
                        (name, try self.compile(members[name]!, pointer: here + "/" + Self.escape(name))))
                }
            case "required":
                guard case .array(let names) = value else {
                    throw CompileError(message: "\(here): must be a list of property names")
                }
                for name in names {
                    guard case .string(let text) = name else {
                        throw CompileError(message: "\(here): must be a list of property names")
                    }
                    node.required.append(text)
                }
            case "additionalProperties":
                switch value {
                case .bool(true): node.additionalProperties = .any
                case .bool(false): node.additionalProperties = .forbidden
                default: node.additionalProperties = .schema(try self.compile(value, pointer: here))
                }
            case "minProperties": node.minProperties = try count()
            case "maxProperties": node.maxProperties = try count()
            case "items":
                if case .array = value {
                    throw CompileError(
                        message: "\(here): a list of item schemas (tuple validation) is not supported",
                        hint: "give one schema that every item must match")
                }
                node.items = try self.compile(value, pointer: here)
            case "minItems": node.minItems = try count()
            case "maxItems": node.maxItems = try count()
            case "uniqueItems":
                guard case .bool(let flag) = value else {
                    throw CompileError(message: "\(here): must be true or false")
                }
                node.uniqueItems = flag
            case "minLength": node.minLength = try count()
            case "maxLength": node.maxLength = try count()
            case "pattern":
                guard case .string(let text) = value else { throw CompileError(message: "\(here): must be a string") }
                do {
                    node.pattern = try CompiledRegex(text)
                } catch {
                    throw CompileError(message: "\(here): invalid regular expression '\(text)': \(error)")
                }
            case "minimum": node.minimum = try number()
            case "maximum": node.maximum = try number()
            case "exclusiveMinimum", "exclusiveMaximum":
                if case .bool = value {
                    throw CompileError(
                        message: "\(here): the boolean form (draft 4) is not supported",
                        hint: "give the bound itself, e.g. exclusiveMinimum: 0")
                }
                if key == "exclusiveMinimum" {
                    node.exclusiveMinimum = try number()
                } else {
                    node.exclusiveMaximum = try number()
                }
            case "multipleOf":
                let divisor = try number()
                guard divisor > 0 else { throw CompileError(message: "\(here): must be greater than 0") }
                node.multipleOf = divisor
            case "allOf": node.allOf = try schemas()
            case "anyOf": node.anyOf = try schemas()
            case "oneOf": node.oneOf = try schemas()
            case "not": node.not = try self.compile(value, pointer: here)
            case "$ref":
                guard case .string(let reference) = value else {
                    throw CompileError(message: "\(here): must be a string")
                }
                node.ref = try self.resolve(reference, at: here)
            case "$defs", "definitions":
                guard case .object(let members) = value else {
                    throw CompileError(message: "\(here): must be an object of schemas")
                }
                // Compiled even when unused, so their mistakes are reported too.
                for name in members.keys.sorted() {
                    _ = try self.compile(members[name]!, pointer: here + "/" + Self.escape(name))
                }
            default:
                if JSONSchema.annotations.contains(key) { return }
                throw CompileError(
                    message: "\(here): unsupported JSON-schema keyword '\(key)'",
                    hint: "supported: \(JSONSchema.supportedKeywords)")
            }
        }

        /// A local reference (`#` or `#/json/pointer`) to the node it names.
        private mutating func resolve(_ reference: String, at here: String) throws(CompileError) -> Int {
            guard reference == "#" || reference.hasPrefix("#/") else {
                throw CompileError(
                    message: "\(here): only local references are supported, not '\(reference)'",
                    hint: "e.g. $ref: \"#/$defs/address\"")
            }
            var target = self.document
            var pointer = "#"
            for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false)
            where reference != "#" {
                let name = token.replacing("~1", with: "/").replacing("~0", with: "~")
                switch target {
                case .object(let members):
                    guard let next = members[String(name)] else {
                        throw CompileError(message: "\(here): '\(reference)' does not exist in the schema")
                    }
                    target = next
                case .array(let items):
                    guard let offset = Int(name), items.indices.contains(offset) else {
                        throw CompileError(message: "\(here): '\(reference)' does not exist in the schema")
                    }
                    target = items[offset]
                default:
                    throw CompileError(message: "\(here): '\(reference)' does not exist in the schema")
                }
                pointer += "/" + Self.escape(String(name))
            }
            return try self.compile(target, pointer: pointer)
        }
    }

    // MARK: Validating

    /// Checks `value` against the root schema.
    func validate(_ value: JSONValue) throws(Violation) {
        var path: [String] = []
        try self.check(value, node: 0, path: &path, depth: 0)
    }

    private func fail(_ path: [String], _ message: String) -> Violation {
        Violation(
            path: path.map { "/" + $0.replacing("~", with: "~0").replacing("/", with: "~1") }.joined(), message: message
        )
    }

    private func matches(_ value: JSONValue, node: Int, path: [String], depth: Int) -> Bool {
        var path = path
        do {
            try self.check(value, node: node, path: &path, depth: depth)
            return true
        } catch {
            return false
        }
    }

    private func check(_ value: JSONValue, node index: Int, path: inout [String], depth: Int) throws(Violation) {
        guard depth < Self.maxValidationDepth else { throw self.fail(path, "schema recursion too deep") }
        let node = self.nodes[index]
        if node.alwaysFails { throw self.fail(path, "no value is allowed here") }
        if let ref = node.ref { try self.check(value, node: ref, path: &path, depth: depth + 1) }
        if let types = node.types, !Self.hasType(value, types) {
            let expected = Self.typeBits.filter { types & $0.value != 0 }.map(\.key).sorted().joined(separator: " or ")
            throw self.fail(path, "expected \(expected), found \(value.typeName)")
        }
        if let values = node.enumValues, !values.contains(value) {
            throw self.fail(path, "must be one of \(JSONValue.array(values).summary)")
        }
        if let constant = node.constValue, constant != value {
            throw self.fail(path, "must be \(constant.summary)")
        }
        switch value {
        case .object(let members): try self.checkObject(members, node, path: &path, depth: depth)
        case .array(let items): try self.checkArray(items, node, path: &path, depth: depth)
        case .string(let text): try self.checkString(text, node, path: path)
        case .number(let number): try self.checkNumber(number.double, node, path: path)
        case .null, .bool: break
        }
        for sub in node.allOf { try self.check(value, node: sub, path: &path, depth: depth + 1) }
        if !node.anyOf.isEmpty,
            !node.anyOf.contains(where: { self.matches(value, node: $0, path: path, depth: depth + 1) })
        {
            throw self.fail(path, "does not match any schema of anyOf")
        }
        if !node.oneOf.isEmpty {
            let matching = node.oneOf.filter { self.matches(value, node: $0, path: path, depth: depth + 1) }.count
            if matching == 0 { throw self.fail(path, "does not match any schema of oneOf") }
            if matching > 1 { throw self.fail(path, "matches more than one schema of oneOf") }
        }
        if let not = node.not, self.matches(value, node: not, path: path, depth: depth + 1) {
            throw self.fail(path, "must not match the schema in not")
        }
    }

    private static func hasType(_ value: JSONValue, _ types: UInt8) -> Bool {
        switch value {
        case .null: types & 1 != 0
        case .bool: types & 2 != 0
        case .object: types & 4 != 0
        case .array: types & 8 != 0
        case .number(let number):
            types & 16 != 0 || (types & 32 != 0 && number.double.rounded(.towardZero) == number.double)
        case .string: types & 64 != 0
        }
    }

    private func checkObject(_ members: [String: JSONValue], _ node: Node, path: inout [String], depth: Int)
        throws(Violation)
    {
        for name in node.required where members[name] == nil {
            throw self.fail(path, "missing required property '\(name)'")
        }
        if let minimum = node.minProperties, members.count < minimum {
            throw self.fail(path, "expected at least \(minimum) properties")
        }
        if let maximum = node.maxProperties, members.count > maximum {
            throw self.fail(path, "expected at most \(maximum) properties")
        }
        for (name, child) in node.properties {
            guard let member = members[name] else { continue }
            path.append(name)
            try self.check(member, node: child, path: &path, depth: depth + 1)
            path.removeLast()
        }
        switch node.additionalProperties {
        case .any: break
        case .forbidden:
            for name in members.keys.sorted() where !node.properties.contains(where: { $0.name == name }) {
                throw self.fail(path, "property '\(name)' is not allowed")
            }
        case .schema(let child):
            for name in members.keys.sorted() where !node.properties.contains(where: { $0.name == name }) {
                path.append(name)
                try self.check(members[name]!, node: child, path: &path, depth: depth + 1)
                path.removeLast()
            }
        }
    }

    private func checkArray(_ items: [JSONValue], _ node: Node, path: inout [String], depth: Int) throws(Violation) {
        if let minimum = node.minItems, items.count < minimum {
            throw self.fail(path, "expected at least \(minimum) items")
        }
        if let maximum = node.maxItems, items.count > maximum {
            throw self.fail(path, "expected at most \(maximum) items")
        }
        if node.uniqueItems {
            for first in items.indices {
                for second in items.index(after: first)..<items.endIndex where items[first] == items[second] {
                    throw self.fail(path, "items \(first) and \(second) are equal; items must be unique")
                }
            }
        }
        if let child = node.items {
            for (offset, item) in items.enumerated() {
                path.append(String(offset))
                try self.check(item, node: child, path: &path, depth: depth + 1)
                path.removeLast()
            }
        }
    }

    private func checkString(_ text: String, _ node: Node, path: [String]) throws(Violation) {
        if node.minLength != nil || node.maxLength != nil {
            let length = text.unicodeScalars.count
            if let minimum = node.minLength, length < minimum {
                throw self.fail(path, "expected at least \(minimum) characters")
            }
            if let maximum = node.maxLength, length > maximum {
                throw self.fail(path, "expected at most \(maximum) characters")
            }
        }
        if let pattern = node.pattern, pattern.firstMatch(in: text[...]) == nil {
            throw self.fail(path, "does not match the pattern '\(pattern.pattern)'")
        }
    }

    private func checkNumber(_ number: Double, _ node: Node, path: [String]) throws(Violation) {
        if let minimum = node.minimum, number < minimum {
            throw self.fail(path, "must be at least \(JSONValue.format(minimum))")
        }
        if let maximum = node.maximum, number > maximum {
            throw self.fail(path, "must be at most \(JSONValue.format(maximum))")
        }
        if let minimum = node.exclusiveMinimum, number <= minimum {
            throw self.fail(path, "must be greater than \(JSONValue.format(minimum))")
        }
        if let maximum = node.exclusiveMaximum, number >= maximum {
            throw self.fail(path, "must be less than \(JSONValue.format(maximum))")
        }
        if let divisor = node.multipleOf {
            let quotient = number / divisor
            // Tolerates the binary rounding of decimal divisors (0.1, 0.01).
            if !quotient.isFinite || abs(quotient - quotient.rounded()) > 1e-9 * max(1, abs(quotient)) {
                throw self.fail(path, "must be a multiple of \(JSONValue.format(divisor))")
            }
        }
    }
}
