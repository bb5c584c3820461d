import PorticoCore
import PorticoHTTP

extension JSONReader {
    /// Deepest nesting of arrays and objects read in a token or key set: real ones use two or
    /// three levels; the bound keeps hostile input from exhausting the stack.
    static let joseMaxDepth = 32

    /// A JOSE document (a token's header or payload, a JWK or a JWKS), or nil unless `bytes`
    /// hold exactly one valid JSON value. Numbers beyond a `Double` are kept, not refused:
    /// claims are forwarded as written.
    static func parseJOSE(_ bytes: [UInt8]) -> JSONValue? {
        try? Self.parse(bytes, maxDepth: Self.joseMaxDepth, outOfRangeNumbers: .keepAsText)
    }

    /// A JOSE document given as text (a `jwk` written in config).
    static func parseJOSE(_ text: String) -> JSONValue? {
        try? Self.parse(text, maxDepth: Self.joseMaxDepth, outOfRangeNumbers: .keepAsText)
    }
}

extension JSONValue {
    /// Strings, numbers and booleans as text (what goes into headers and `jwt.*` values);
    /// numbers as written in the token.
    var scalarText: String? {
        switch self {
        case .string(let text): text
        case .number(let number): number.text
        case .bool(let value): value ? "true" : "false"
        case .null, .array, .object: nil
        }
    }

    /// The value at a claim path: the member named `path` itself if there is one (claim names
    /// may contain dots, e.g. `https://example.com/roles`), else the dotted path walked
    /// through nested objects (`realm_access.roles`).
    func value(at path: ClaimPath) -> JSONValue? {
        if let whole = self[path.name] { return whole }
        guard path.segments.count > 1 else { return nil }
        var current = self
        for segment in path.segments {
            guard let next = current[segment] else { return nil }
            current = next
        }
        return current
    }

    /// Compact JSON text (for forwarding a non-scalar claim).
    var jsonText: String {
        var output = ""
        self.write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let number): output += number.text
        case .string(let text): JSONText.appendString(text, to: &output)
        case .array(let elements):
            output += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output += "," }
                element.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (offset, name) in members.keys.sorted().enumerated() {
                if offset > 0 { output += "," }
                JSONText.appendString(name, to: &output)
                output += ":"
                members[name]!.write(to: &output)
            }
            output += "}"
        }
    }
}

/// A claim named in config: `sub`, or a dotted path into nested objects.
struct ClaimPath: Sendable, Hashable {
    /// The text as written.
    let name: String
    /// The dot-separated parts.
    let segments: [String]

    init(_ name: String) {
        self.name = name
        self.segments = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }
}
