/// Why bytes are not an acceptable HTTP/1.1 message (RFC 9112), strictly: everything that
/// could make two parsers disagree about message boundaries is an error here.
public enum HTTP1ParseError: Error, Sendable, Equatable {
    /// The head is larger than allowed (431 for requests).
    case headTooLarge
    /// More header fields than allowed (431 for requests).
    case tooManyFields
    /// The request line or status line is malformed.
    case invalidStartLine
    /// The method is not a token.
    case invalidMethod
    /// The request target holds a space, a control byte, or is empty.
    case invalidTarget
    /// The request target is longer than allowed (414).
    case targetTooLong
    /// Not HTTP/1.0 or HTTP/1.1 (505 would also do; 400 is what is sent).
    case unsupportedVersion
    /// The status code is not three digits.
    case invalidStatus
    /// A field name is empty or holds a non-token byte (including space before the colon).
    case invalidFieldName
    /// A field value holds a control byte.
    case invalidFieldValue
    /// A field line starts with whitespace (obsolete line folding).
    case obsoleteLineFolding
    /// A line ends in a bare LF (or a CR is not followed by LF).
    case invalidLineEnding
    /// `Content-Length` is not a non-negative decimal, or repeats with different values.
    case invalidContentLength
    /// Both `Content-Length` and `Transfer-Encoding`.
    case contentLengthAndTransferEncoding
    /// `Transfer-Encoding` does not end with `chunked` (request), or is malformed.
    case invalidTransferEncoding
    /// A chunk size line is malformed or too long, or a chunk does not end with CRLF.
    case invalidChunk
    /// Trailer fields are larger than allowed.
    case trailersTooLarge
    /// The connection ended in the middle of a message.
    case truncated
}

extension HTTP1ParseError: CustomStringConvertible {
    /// A short explanation for error bodies and logs.
    public var description: String {
        switch self {
        case .headTooLarge: "head too large"
        case .tooManyFields: "too many header fields"
        case .invalidStartLine: "invalid start line"
        case .invalidMethod: "invalid method"
        case .invalidTarget: "invalid request target"
        case .targetTooLong: "request target too long"
        case .unsupportedVersion: "unsupported HTTP version"
        case .invalidStatus: "invalid status code"
        case .invalidFieldName: "invalid header field name"
        case .invalidFieldValue: "invalid header field value"
        case .obsoleteLineFolding: "obsolete line folding"
        case .invalidLineEnding: "line not ended by CRLF"
        case .invalidContentLength: "invalid or conflicting Content-Length"
        case .contentLengthAndTransferEncoding: "both Content-Length and Transfer-Encoding"
        case .invalidTransferEncoding: "invalid Transfer-Encoding"
        case .invalidChunk: "invalid chunked framing"
        case .trailersTooLarge: "trailer fields too large"
        case .truncated: "message cut short"
        }
    }
}
