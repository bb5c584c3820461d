import PorticoHTTP

/// A request head that passed validation, with what routing needs worked out once.
struct ValidatedHead {
    var head: RequestHead
    /// Lowercased host without port ("" if the request had no Host).
    var host: Substring
    /// Whether a body follows the head.
    var hasBody: Bool
}

extension RequestFlow {
    /// Phase 1: checks that make the request unambiguous before anything else looks at it.
    ///
    /// The codec already rejects most malformed input; these checks are the ones every codec
    /// must share (and defence in depth against request smuggling, SPEC "Reliability").
    func validate(_ received: RequestHead) -> Result<ValidatedHead, GatewayError> {
        var head = received
        if head.target.utf8.count > self.listener.maxURIBytes {
            return .failure(GatewayError(.uriTooLong, "request target exceeds \(self.listener.maxURIBytes) bytes"))
        }
        guard head.version.major == 1 else {
            return .failure(GatewayError(.badRequest, "unsupported HTTP version"))
        }
        if !head.target.hasPrefix("/") {
            // Absolute form (RFC 9112 §3.2.2): its authority replaces any Host header.
            guard let (authority, originForm) = Self.splitAbsoluteForm(head.target) else {
                return .failure(GatewayError(.badRequest, "invalid request target"))
            }
            head.headers.set(name: "host", value: authority)
            head.target = originForm
        }
        let hostCount = head.headers.count(of: "host")
        if hostCount > 1 || (hostCount == 0 && head.version.minor >= 1) {
            return .failure(GatewayError(.badRequest, hostCount > 1 ? "multiple Host headers" : "missing Host header"))
        }
        let hostValue = head.headers["host"] ?? ""
        guard let host = Self.routingHost(hostValue) else {
            return .failure(GatewayError(.badRequest, "invalid Host header"))
        }

        // Framing (RFC 9112 §6.1, §6.3): both headers at once, or conflicting lengths, are
        // the classic smuggling vectors; refuse rather than guess.
        let chunked = head.headers.contains("transfer-encoding")
        var declaredLength: Int?
        for value in head.headers.values("content-length") {
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = element.trimmingHTTPWhitespace()
                guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(trimmed)
                else {
                    return .failure(GatewayError(.badRequest, "invalid Content-Length"))
                }
                if let declared = declaredLength, declared != length {
                    return .failure(GatewayError(.badRequest, "conflicting Content-Length values"))
                }
                declaredLength = length
            }
        }
        if chunked {
            if declaredLength != nil {
                return .failure(GatewayError(.badRequest, "both Content-Length and Transfer-Encoding"))
            }
            let codings = head.headers.values("transfer-encoding").joined(separator: ",")
            let last = codings.split(separator: ",").last.map { String($0.trimmingHTTPWhitespace()) } ?? ""
            guard HTTPSyntax.equalsCaseInsensitive(last, "chunked") else {
                return .failure(GatewayError(.badRequest, "Transfer-Encoding must end with chunked"))
            }
        }
        if let declaredLength, declaredLength > self.listener.maxBodyBytes {
            return .failure(GatewayError(.payloadTooLarge, "request body exceeds \(self.listener.maxBodyBytes) bytes"))
        }
        guard let path = PathNormalizer.normalize(head.path) else {
            return .failure(GatewayError(.badRequest, "invalid request path"))
        }
        if path.endIndex != head.path.endIndex || path.startIndex != head.path.startIndex {
            head.setPath(path)
        }
        return .success(ValidatedHead(head: head, host: host, hasBody: chunked || (declaredLength ?? 0) > 0))
    }

    /// `Example.COM:8080` → `example.com`; `[::1]:80` → `[::1]`; nil if malformed.
    static func routingHost(_ value: String) -> Substring? {
        var host = value[...].trimmingHTTPWhitespace()
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isASCII)) else { return nil }
            host = host[...close]
        } else if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            host = host[..<colon]
        }
        for byte in host.utf8
        where byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "@") {
            return nil
        }
        if host.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
            return Substring(HTTPSyntax.lowercasedASCII(String(host)))
        }
        return host
    }

    /// `http://host:port/path?q` → (`host:port`, `/path?q`).
    static func splitAbsoluteForm(_ target: String) -> (String, String)? {
        let lowered = target.prefix(8).lowercased()
        let schemeLength: Int
        if lowered.hasPrefix("http://") {
            schemeLength = 7
        } else if lowered.hasPrefix("https://") {
            schemeLength = 8
        } else {
            return nil
        }
        let rest = target.dropFirst(schemeLength)
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = String(rest[..<end])
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var originForm = String(rest[end...])
        if originForm.isEmpty {
            originForm = "/"
        } else if originForm.hasPrefix("?") {
            originForm = "/" + originForm
        }
        return (authority, originForm)
    }
}
