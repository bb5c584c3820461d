/// An error the gateway answers itself, with the status it maps to.
///
/// Anything the network can cause becomes a `GatewayError` (never a crash or a trap). Each
/// records where it came from and whether replaying the request elsewhere is safe, which is
/// what the retry logic needs to know.
public struct GatewayError: Error, Sendable, Equatable {
    /// Who caused the error.
    public enum Source: String, Sendable {
        /// The client sent something invalid or too large, or went away.
        case downstream
        /// The upstream failed, timed out, or answered something invalid.
        case upstream
        /// Portico itself (configuration, a filter, a bug caught at runtime).
        case `internal`
    }

    /// What went wrong; each kind maps to one status code.
    public enum Kind: String, Sendable {
        case badRequest = "bad_request"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case requestTimeout = "request_timeout"
        case payloadTooLarge = "payload_too_large"
        case expectationFailed = "expectation_failed"
        case unprocessableContent = "unprocessable_content"
        case notImplemented = "not_implemented"
        case uriTooLong = "uri_too_long"
        case tooManyRequests = "too_many_requests"
        case headersTooLarge = "request_header_fields_too_large"
        case internalError = "internal_error"
        case badGateway = "bad_gateway"
        case serviceUnavailable = "service_unavailable"
        case gatewayTimeout = "gateway_timeout"

        /// The HTTP status for this kind.
        public var status: Int {
            switch self {
            case .badRequest: 400
            case .unauthorized: 401
            case .forbidden: 403
            case .notFound: 404
            case .methodNotAllowed: 405
            case .requestTimeout: 408
            case .payloadTooLarge: 413
            case .expectationFailed: 417
            case .unprocessableContent: 422
            case .notImplemented: 501
            case .uriTooLong: 414
            case .tooManyRequests: 429
            case .headersTooLarge: 431
            case .internalError: 500
            case .badGateway: 502
            case .serviceUnavailable: 503
            case .gatewayTimeout: 504
            }
        }
    }

    /// What went wrong.
    public var kind: Kind
    /// A short human-readable explanation, sent to the client in the JSON body.
    public var message: String
    /// Who caused it.
    public var source: Source
    /// True when the request provably never reached the upstream, so it may be replayed
    /// whatever its method (connect failure, pooled connection closed before any response byte).
    public var neverReachedUpstream: Bool
    /// Extra response headers (`Allow`, `Retry-After`, `WWW-Authenticate`, ...).
    public var headers: HeaderList

    /// Creates an error.
    public init(
        _ kind: Kind,
        _ message: String,
        source: Source = .downstream,
        neverReachedUpstream: Bool = false,
        headers: HeaderList = HeaderList()
    ) {
        self.kind = kind
        self.message = message
        self.source = source
        self.neverReachedUpstream = neverReachedUpstream
        self.headers = headers
    }

    /// The HTTP status for this error.
    public var status: Int { self.kind.status }

    /// The response the client gets: `{"error": ..., "status": ..., "request_id": ...}`.
    public func response(requestID: String?) -> LocalResponse {
        var body = "{\"error\":"
        JSONText.appendString(self.message, to: &body)
        body += ",\"status\":\(self.status)"
        if let requestID {
            body += ",\"request_id\":"
            JSONText.appendString(requestID, to: &body)
        }
        body += "}\n"
        var headers = self.headers
        headers.add(name: "content-type", value: "application/json")
        return LocalResponse(status: self.status, headers: headers, body: body)
    }
}

/// Minimal JSON text writing for hot-path output (error bodies, access log lines), where
/// `JSONEncoder` would allocate a whole encoder per call.
public enum JSONText {
    /// Appends `string` as a JSON string literal with quotes and escapes.
    public static func appendString<S: StringProtocol>(_ string: S, to output: inout String) {
        output.append("\"")
        var needsEscaping = false
        for byte in string.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            needsEscaping = true
            break
        }
        if !needsEscaping {
            output.append(contentsOf: string)
        } else {
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": output.append("\\\"")
                case "\\": output.append("\\\\")
                case "\n": output.append("\\n")
                case "\r": output.append("\\r")
                case "\t": output.append("\\t")
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                default: output.unicodeScalars.append(scalar)
                }
            }
        }
        output.append("\"")
    }
}
