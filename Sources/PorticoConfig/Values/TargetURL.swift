import PorticoCore

/// An upstream target URL: `http://host[:port][/base]`.
struct TargetURL: Hashable {
    /// A name or IP literal, without brackets.
    var host: String
    var port: Int
    /// The path prefix (`/base`), or empty.
    var basePath: String

    init(host: String, port: Int, basePath: String) {
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// Parses a target URL; throws ``ConfigIssue`` with a hint otherwise.
    init(parsing text: String) throws(ConfigIssue) {
        let example = "e.g. http://10.0.0.5:8080 or http://users.internal:3000/api"
        guard let schemeEnd = text.range(of: "://") else {
            throw ConfigIssue("target URL '\(text)' has no scheme", hint: "write http://\(text)")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        if scheme == "https" {
            throw ConfigIssue(
                "https upstreams are not supported yet",
                hint: "use http:// for now; upstream TLS (F-07) is planned"
            )
        }
        guard scheme == "http" else {
            throw ConfigIssue("unsupported scheme '\(scheme)' in target URL '\(text)'", hint: example)
        }
        let rest = text[schemeEnd.upperBound...]
        if rest.contains("?") || rest.contains("#") {
            throw ConfigIssue("target URL '\(text)' may not have a query or fragment", hint: example)
        }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        if authority.contains("@") {
            throw ConfigIssue("target URL '\(text)' may not carry user information", hint: example)
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw ConfigIssue("target URL '\(text)' has '[' without ']'", hint: example)
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw ConfigIssue("target URL '\(text)' is malformed after ']'", hint: example)
                }
                portText = after.dropFirst()
            }
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw ConfigIssue("'\(host)' in target URL '\(text)' is not an IPv6 address", hint: example)
            }
        } else {
            host = authority
            if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            }
            guard HostPort.isValidHostName(host) else {
                throw ConfigIssue(
                    "'\(host)' in target URL '\(text)' is not a valid host name or IP address",
                    hint: example
                )
            }
        }
        var port = 80
        if let portText {
            guard let parsed = HostPort.port(portText), parsed > 0 else {
                throw ConfigIssue(
                    "port '\(portText)' in target URL '\(text)' is not a number from 1 to 65535",
                    hint: example
                )
            }
            port = parsed
        }
        guard path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw ConfigIssue(
                "the path of target URL '\(text)' has spaces or non-ASCII characters",
                hint: "percent-encode them"
            )
        }
        var basePath = String(path)
        while basePath.hasSuffix("/") { basePath.removeLast() }
        self.host = String(host)
        self.port = port
        self.basePath = basePath
    }
}
