import PorticoHTTP

/// What the proxy needs to know about an upstream response's headers, gathered in the same
/// single pass that builds the header list sent to the client.
struct ResponseHeaderFacts {
    var connection = ConnectionOptions()
    var hasContentLength = false
    var via: String?
    /// Transfer codings other than `chunked` (e.g. `gzip`): they still apply to the body, so
    /// the client must be told when the gateway re-chunks it.
    var otherTransferCodings: [Substring] = []

    /// The fields to forward (hop-by-hop ones and those `Connection` lists removed, `Via`
    /// taken out to be re-added with this hop) and the facts; or why the framing is
    /// ambiguous (RFC 9112 §6.3), so a confused upstream cannot desynchronise the client.
    static func forward(_ headers: HeaderList) -> Result<(HeaderList, ResponseHeaderFacts), FramingProblem> {
        var facts = ResponseHeaderFacts()
        var fields: [(String, String)] = []
        // Room for what this hop and response filters add (Via, rate-limit, CORS, custom
        // fields), so the list is not reallocated on the way out.
        fields.reserveCapacity(headers.count + 8)
        var declaredLength: Int?
        var hasTransferEncoding = false
        for field in headers.pairs {
            guard let known = KnownHeader.classify(field.0) else {
                fields.append(field)
                continue
            }
            switch known {
            case .connection:
                facts.connection.parse(field.1)
            case .contentLength:
                var problem: String?
                HTTPSyntax.forEachListElement(in: field.1) { element in
                    guard let length = HTTPSyntax.parseDecimal(element) else {
                        problem = "invalid Content-Length"
                        return
                    }
                    if let declaredLength, declaredLength != length { problem = "conflicting Content-Length values" }
                    declaredLength = length
                }
                if let problem { return .failure(FramingProblem(problem)) }
                facts.hasContentLength = true
                fields.append(field)
            case .transferEncoding:
                hasTransferEncoding = true
                HTTPSyntax.forEachListElement(in: field.1) { coding in
                    if !coding.isEmpty && !ConnectionOptions.equals(coding, "chunked") {
                        facts.otherTransferCodings.append(coding)
                    }
                }
            case .via:
                facts.via = facts.via.map { $0 + ", " + field.1 } ?? field.1
            default:
                if !known.isHopByHop { fields.append(field) }
            }
        }
        if hasTransferEncoding && facts.hasContentLength {
            return .failure(FramingProblem("both Content-Length and Transfer-Encoding"))
        }
        if !facts.connection.otherFields.isEmpty {
            fields.removeAll { facts.connection.lists($0.0) }
        }
        return .success((HeaderList(fields), facts))
    }
}

/// Why a response's framing cannot be trusted.
struct FramingProblem: Error {
    var reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}
