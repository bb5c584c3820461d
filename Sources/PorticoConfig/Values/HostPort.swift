import PorticoCore

/// A `host:port` socket address as written in config: `0.0.0.0:8080`, `[::]:8080`,
/// `localhost:9901`. IPv6 literals go in brackets; the port is 0...65535 (0: any free port).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// The host: a name or IP literal, without brackets.
    public var host: String
    /// The port.
    public var port: Int

    /// An address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with brackets around IPv6 literals.
    public var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    /// Whether the host is a wildcard address (all interfaces).
    var isWildcard: Bool { self.host == "0.0.0.0" || self.host == "::" }

    /// Parses `host:port`; throws ``ConfigIssue`` with a hint otherwise.
    public init(parsing text: String) throws(ConfigIssue) {
        let example = "e.g. 0.0.0.0:8080, [::]:8080 or localhost:9901"
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConfigIssue("address '\(text)' has '[' without ']'", hint: example)
            }
            host = text[text.index(after: text.startIndex)..<close]
            let afterBracket = text[text.index(after: close)...]
            guard afterBracket.hasPrefix(":") else {
                throw ConfigIssue("address '\(text)' has no port", hint: example)
            }
            portText = afterBracket.dropFirst()
            guard !host.isEmpty, host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw ConfigIssue("'\(host)' in address '\(text)' is not an IPv6 address", hint: example)
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ConfigIssue("address '\(text)' has no port", hint: "write host:port, \(example)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                throw ConfigIssue("IPv6 address '\(text)' needs brackets", hint: "write [\(host)]:\(portText)")
            }
            guard !host.isEmpty else {
                throw ConfigIssue("address '\(text)' has no host", hint: "write 0.0.0.0\(text) for all interfaces")
            }
            guard Self.isValidHostName(host) else {
                throw ConfigIssue(
                    "'\(host)' in address '\(text)' is not a valid host name or IP address",
                    hint: example
                )
            }
        }
        guard let port = Self.port(portText) else {
            throw ConfigIssue("port '\(portText)' in address '\(text)' is not a number from 0 to 65535", hint: example)
        }
        self.host = String(host)
        self.port = port
    }

    /// Letters, digits, `-`, `.` and `_` (IPv4 literals included).
    static func isValidHostName(_ host: Substring) -> Bool {
        !host.isEmpty && host.utf8.count <= 253
            && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }
    }

    /// A decimal port 0...65535.
    static func port(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(text),
            (0...65535).contains(port)
        else { return nil }
        return port
    }
}

extension HostPort: Decodable {
    /// Decodes the text form (`0.0.0.0:8080`).
    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }
}
