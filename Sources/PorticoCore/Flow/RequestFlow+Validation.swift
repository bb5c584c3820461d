import PorticoHTTP

/// What the proxy needs to know about a request's headers, gathered in one pass.
struct RequestHeaderFacts {
    var hostCount = 0
    var host: String?
    var contentLength: Int?
    var contentLengthValid = true
    var transferEncoding: [String] = []
    var expect: String?
    var upgrade: String?
    var forwardedFor: String?
    var connection = ConnectionOptions()

    init(_ headers: HeaderList) {
        for field in headers.pairs {
            guard let known = KnownHeader.classify(field.0) else { continue }
            switch known {
            case .host:
                self.hostCount += 1
                self.host = field.1
            case .contentLength:
                HTTPSyntax.forEachListElement(in: field.1) { element in
                    guard let length = HTTPSyntax.parseDecimal(element) else {
                        self.contentLengthValid = false
                        return
                    }
                    if let declared = self.contentLength, declared != length { self.contentLengthValid = false }
                    self.contentLength = length
                }
            case .transferEncoding:
                self.transferEncoding.append(field.1)
            case .expect:
                self.expect = field.1
            case .upgrade:
                self.upgrade = field.1
            case .connection:
                self.connection.parse(field.1)
            case .xForwardedFor:
                self.forwardedFor = self.forwardedFor.map { $0 + ", " + field.1 } ?? field.1
            default:
                break
            }
        }
    }
}

/// What validation worked out about a request head, once, for routing.
///
/// The head itself is not in here: it travels separately, moved (never copied) into the
/// ``RequestContext``, so the first filter that edits a header finds the field list uniquely
/// owned and edits it in place instead of copying it.
struct ValidatedHead {
    /// Lowercased host without port ("" if the request had no Host).
    var host: Substring
    /// Whether a body follows the head.
    var hasBody: Bool
    /// The header facts.
    var facts: RequestHeaderFacts
}

extension RequestFlow {
    /// Phase 1: checks that make the request unambiguous before anything else looks at it.
    ///
    /// The codec already rejects most malformed input; these checks are the ones every codec
    /// must share (and defence in depth against request smuggling, SPEC "Reliability").
    func validate(_ head: inout RequestHead) -> Result<ValidatedHead, GatewayError> {
        if head.target.utf8.count > self.listener.maxURIBytes {
            return .failure(GatewayError(.uriTooLong, "request target exceeds \(self.listener.maxURIBytes) bytes"))
        }
        guard head.version.major == 1 else {
            return .failure(GatewayError(.badRequest, "unsupported HTTP version"))
        }
        if head.target.utf8.first != UInt8(ascii: "/") {
            // Absolute form (RFC 9112 §3.2.2): its authority replaces any Host header.
            guard let (authority, originForm) = Self.splitAbsoluteForm(head.target) else {
                return .failure(GatewayError(.badRequest, "invalid request target"))
            }
            head.headers.set(name: "host", value: authority)
            head.target = originForm
        }
        let facts = RequestHeaderFacts(head.headers)
        if facts.hostCount > 1 || (facts.hostCount == 0 && head.version.minor >= 1) {
            return .failure(
                GatewayError(.badRequest, facts.hostCount > 1 ? "multiple Host headers" : "missing Host header"))
        }
        guard let host = Self.routingHost(facts.host ?? "") else {
            return .failure(GatewayError(.badRequest, "invalid Host header"))
        }

        // Framing (RFC 9112 §6.1, §6.3): both headers at once, or conflicting lengths, are
        // the classic smuggling vectors; refuse rather than guess.
        guard facts.contentLengthValid else {
            return .failure(GatewayError(.badRequest, "invalid or conflicting Content-Length"))
        }
        let chunked = !facts.transferEncoding.isEmpty
        if chunked {
            if facts.contentLength != nil {
                return .failure(GatewayError(.badRequest, "both Content-Length and Transfer-Encoding"))
            }
            var last: Substring = ""
            HTTPSyntax.forEachListElement(in: facts.transferEncoding.last ?? "") { last = $0 }
            guard ConnectionOptions.equals(last, "chunked") else {
                return .failure(GatewayError(.badRequest, "Transfer-Encoding must end with chunked"))
            }
        }
        if let declaredLength = facts.contentLength, declaredLength > self.listener.maxBodyBytes {
            return .failure(GatewayError(.payloadTooLarge, "request body exceeds \(self.listener.maxBodyBytes) bytes"))
        }
        guard let path = PathNormalizer.normalize(head.path) else {
            return .failure(GatewayError(.badRequest, "invalid request path"))
        }
        if path.endIndex != head.path.endIndex || path.startIndex != head.path.startIndex {
            head.setPath(path)
        }
        return .success(
            ValidatedHead(host: host, hasBody: chunked || (facts.contentLength ?? 0) > 0, facts: facts)
        )
    }

    /// `Example.COM:8080` → `example.com`; `[::1]:80` → `[::1]`; nil if malformed.
    static func routingHost(_ value: String) -> Substring? {
        // Byte offsets over the contiguous UTF-8 (String.Index arithmetic costs far more).
        let bounds: (Int, Int, Bool)?? = value.utf8.withContiguousStorageIfAvailable { bytes in
            var start = 0
            var end = bytes.count
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            func digitsOnly(_ from: Int) -> Bool {
                var index = from
                while index < end {
                    guard bytes[index] >= 0x30 && bytes[index] <= 0x39 else { return false }
                    index += 1
                }
                return true
            }
            if start < end, bytes[start] == UInt8(ascii: "[") {
                var close = start
                while close < end, bytes[close] != UInt8(ascii: "]") { close += 1 }
                guard close < end else { return nil }
                if close + 1 < end {
                    guard bytes[close + 1] == UInt8(ascii: ":"), digitsOnly(close + 2) else { return nil }
                }
                end = close + 1
            } else {
                var colon = end - 1
                while colon >= start, bytes[colon] != UInt8(ascii: ":") { colon -= 1 }
                if colon >= start {
                    guard digitsOnly(colon + 1) else { return nil }
                    end = colon
                }
            }
            var hasUppercase = false
            var index = start
            while index < end {
                let byte = bytes[index]
                if byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "@") { return nil }
                if byte &- UInt8(ascii: "A") < 26 { hasUppercase = true }
                index += 1
            }
            return (start, end, hasUppercase)
        }
        guard let found = bounds else {
            // Not contiguous (never for native strings): make it so and retry.
            var copy = value
            copy.makeContiguousUTF8()
            return Self.routingHost(copy)
        }
        guard let (start, end, hasUppercase) = found else { return nil }
        let utf8 = value.utf8
        let host = Substring(
            utf8[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)])
        return hasUppercase ? Substring(HTTPSyntax.lowercasedASCII(String(host))) : host
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
