import PorticoHTTP

/// How the upstream path is derived from the request path, applied in this order:
/// strip the prefix, then the regex or template rewrite, then add the prefix. The query
/// string is not part of the path and is kept as it was by the caller.
///
/// - `strip_prefix: /api` turns `/api/users` into `/users` and `/api` into `/`; it acts only
///   on a segment boundary, so `/apiary` is left alone.
/// - a regex rewrite replaces the first match in the (stripped) path; `$1`/`${1}` insert a
///   numbered group, `${name}` a named group, `{name}` a path parameter of the route.
/// - a template rewrite builds the whole path from path parameters: `/v2/users/{id}`.
/// - `add_prefix: /v2` turns `/users` into `/v2/users` and `/` into `/v2`.
///
/// The result always starts with `/`.
public struct PathRewrite: Sendable {
    /// A literal prefix removed on a segment boundary (`/api` turns `/api/users` into `/users`).
    public let stripPrefix: String?
    /// A regex (or path template) rewrite of the whole path.
    public let replacement: Replacement?
    /// A literal prefix put in front (`/v2` turns `/users` into `/v2/users`).
    public let addPrefix: String?

    /// The rewrite step between strip and add.
    public enum Replacement: Sendable {
        /// Replace the first match of the regex with the pieces (`$1`, `${name}` refer to
        /// groups; `{name}` to path parameters).
        case regex(CompiledRegex, pieces: [Piece])
        /// Build the path from a template over the route's path parameters: `/users/{id}`.
        case template([Piece])
    }

    /// A part of a replacement string.
    public enum Piece: Sendable, Equatable {
        /// Text copied as is.
        case literal(String)
        /// `$1` or `${1}`: a numbered regex group (`$0` is the whole match).
        case group(Int)
        /// `${name}`: a named regex group.
        case namedGroup(String)
        /// `{name}`: a path parameter captured by the route's matcher.
        case parameter(String)
    }

    /// No rewrite.
    public init() {
        self.stripPrefix = nil
        self.replacement = nil
        self.addPrefix = nil
    }

    /// A rewrite; throws ``ConfigIssue`` for a bad regex or replacement, or for giving both a
    /// regex and a template, or a replacement without a regex.
    ///
    /// Trailing slashes of the prefixes are dropped (`/api/` is the prefix `/api`).
    public init(
        stripPrefix: String? = nil,
        regex: String? = nil,
        replacement: String? = nil,
        template: String? = nil,
        addPrefix: String? = nil
    ) throws {
        if let stripPrefix, !stripPrefix.hasPrefix("/") {
            throw ConfigIssue("strip_prefix must start with '/'", key: "strip_prefix", hint: "e.g. strip_prefix: /api")
        }
        if let addPrefix, !addPrefix.hasPrefix("/") {
            throw ConfigIssue("add_prefix must start with '/'", key: "add_prefix", hint: "e.g. add_prefix: /v2")
        }
        if regex != nil && template != nil {
            throw ConfigIssue("rewrite takes either a regex or a path template, not both", key: "rewrite")
        }
        if regex == nil && replacement != nil {
            throw ConfigIssue("rewrite.replacement needs a regex", key: "rewrite", hint: "add regex: ^/old/(.*)$")
        }
        self.stripPrefix = stripPrefix.map(Self.trimmingTrailingSlashes)
        self.addPrefix = addPrefix.map(Self.trimmingTrailingSlashes)
        if let regex {
            guard let replacement else {
                throw ConfigIssue("rewrite.regex needs a replacement", key: "rewrite", hint: "add replacement: /new/$1")
            }
            let compiled: CompiledRegex
            do {
                compiled = try CompiledRegex(regex)
            } catch {
                throw ConfigIssue("rewrite.regex is not a valid regular expression: \(error)", key: "rewrite")
            }
            self.replacement = .regex(compiled, pieces: try Self.parsePieces(replacement, allowGroups: true))
        } else if let template {
            guard template.hasPrefix("/") else {
                throw ConfigIssue("rewrite.path must start with '/'", key: "rewrite", hint: "e.g. path: /v2/users/{id}")
            }
            self.replacement = .template(try Self.parsePieces(template, allowGroups: false))
        } else {
            self.replacement = nil
        }
    }

    /// `/api//` → `/api`; `/` and `//` → `/`.
    private static func trimmingTrailingSlashes(_ prefix: String) -> String {
        var bytes = prefix.utf8[...]
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes = bytes.dropLast() }
        return String(Substring(bytes))
    }

    /// Whether the rewrite changes nothing.
    public var isIdentity: Bool { self.stripPrefix == nil && self.replacement == nil && self.addPrefix == nil }

    /// The path parameter names a template or replacement refers to.
    public var referencedParameters: [String] {
        switch self.replacement {
        case .regex(_, let pieces), .template(let pieces):
            return pieces.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
        case nil:
            return []
        }
    }

    /// The upstream path for a request path; `parameters` are the route's captures.
    public func apply(to path: Substring, parameters: PathParameters) -> String {
        var result = String(path)
        // Bytes, not Characters: a prefix must never match canonically-equivalent other bytes.
        if let stripPrefix, stripPrefix != "/", path.utf8.starts(with: stripPrefix.utf8) {
            let rest = path.utf8.dropFirst(stripPrefix.utf8.count)
            if rest.isEmpty {
                result = "/"
            } else if rest.first == UInt8(ascii: "/") {
                result = String(Substring(rest))
            }
        }
        switch self.replacement {
        case .regex(let compiled, let pieces):
            if let match = compiled.firstMatch(in: result[...]) {
                var replaced = String(result[..<match.range.lowerBound])
                for piece in pieces {
                    switch piece {
                    case .literal(let text): replaced += text
                    case .group(let index):
                        if index >= 0, index < match.output.count, let value = match.output[index].substring {
                            replaced += value
                        }
                    case .namedGroup(let name):
                        if let value = match.output[name]?.substring { replaced += value }
                    case .parameter(let name):
                        if let value = parameters[name] { replaced += value }
                    }
                }
                replaced += result[match.range.upperBound...]
                result = replaced
            }
        case .template(let pieces):
            result = Self.render(pieces, parameters: parameters)
        case nil:
            break
        }
        if let addPrefix, addPrefix != "/" {
            result = result == "/" ? addPrefix : addPrefix + result
        }
        if !result.hasPrefix("/") { result = "/" + result }
        return result
    }

    private static func render(_ pieces: [Piece], parameters: PathParameters) -> String {
        var result = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): result += text
            case .parameter(let name): result += parameters[name] ?? ""
            case .group, .namedGroup: break
            }
        }
        return result
    }

    /// Parses `/v2/$1/{id}/${name}` into pieces.
    static func parsePieces(_ text: String, allowGroups: Bool) throws -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        func flush() {
            if !literal.isEmpty {
                pieces.append(.literal(literal))
                literal = ""
            }
        }
        while index < text.endIndex {
            let character = text[index]
            if character == "$" && allowGroups {
                let next = text.index(after: index)
                if next < text.endIndex, text[next] == "{" {
                    guard let close = text[next...].firstIndex(of: "}") else {
                        throw ConfigIssue("unclosed ${ in replacement '\(text)'", key: "rewrite")
                    }
                    let name = String(text[text.index(after: next)..<close])
                    guard !name.isEmpty else { throw ConfigIssue("empty ${} in replacement '\(text)'", key: "rewrite") }
                    flush()
                    // `${-1}` would otherwise become a negative group index.
                    if name.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                        guard let number = Int(name) else {
                            throw ConfigIssue("group number '\(name)' is too large in '\(text)'", key: "rewrite")
                        }
                        pieces.append(.group(number))
                    } else {
                        pieces.append(.namedGroup(name))
                    }
                    index = text.index(after: close)
                    continue
                }
                var end = next
                while end < text.endIndex, text[end].isASCII, text[end].isNumber { end = text.index(after: end) }
                if end > next, let number = Int(text[next..<end]) {
                    flush()
                    pieces.append(.group(number))
                    index = end
                    continue
                }
                literal.append(character)
                index = next
            } else if character == "{" {
                guard let close = text[index...].firstIndex(of: "}") else {
                    throw ConfigIssue("unclosed { in '\(text)'", key: "rewrite")
                }
                let name = String(text[text.index(after: index)..<close])
                guard !name.isEmpty else { throw ConfigIssue("empty {} in '\(text)'", key: "rewrite") }
                flush()
                pieces.append(.parameter(name))
                index = text.index(after: close)
            } else {
                literal.append(character)
                index = text.index(after: index)
            }
        }
        flush()
        return pieces
    }
}
