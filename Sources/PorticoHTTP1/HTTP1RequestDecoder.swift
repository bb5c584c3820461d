import NIOCore
import PorticoHTTP

/// A part of a decoded HTTP/1 message.
public enum HTTP1Part: Sendable {
    /// The head, parsed in place.
    case head(ParsedHead)
    /// Body bytes: a slice of the received buffer, not a copy.
    case body(ByteBuffer)
    /// The message ended.
    case end
}

/// Splits the bytes a client sends into requests: heads, body slices and ends, strictly
/// (RFC 9112 and the smuggling rules of ``MessageFraming``).
///
/// Pure and incremental: the caller keeps one cumulation buffer, appends what it reads, and
/// calls ``next(_:)`` until it returns nil. Errors are final; the caller answers and closes.
///
/// After a request that asks to switch protocols (`Upgrade`) it pauses: the bytes that follow
/// belong to the new protocol if the server agrees. The caller either hands them over (the
/// switch happened) or calls ``resume()``.
public struct HTTP1RequestDecoder: Sendable {
    private let parser: HTTP1HeadParser
    private var body = BodyDecoder(.none)
    private var inBody = false
    private var pauseAfterBody = false
    /// Whether decoding stopped after an upgrade request.
    public private(set) var isPaused = false
    private var scanned = 0

    /// A decoder with these limits.
    public init(limits: HTTP1HeadParser.Limits = .init()) {
        self.parser = HTTP1HeadParser(kind: .request, limits: limits)
    }

    /// Whether the decoder is between requests (no head or body under way).
    public var isBetweenMessages: Bool { !self.inBody }

    /// The next part in `buffer` (consuming its bytes), or nil when more bytes are needed
    /// or decoding is paused. Errors thrown are ``HTTP1ParseError``s.
    public mutating func next(_ buffer: inout ByteBuffer) throws -> HTTP1Part? {
        if self.isPaused { return nil }
        if self.inBody {
            guard let event = try self.body.next(&buffer) else { return nil }
            switch event {
            case .data(let slice):
                return .body(slice)
            case .end:
                self.inBody = false
                self.isPaused = self.pauseAfterBody
                return .end
            }
        }
        guard let head = try self.parser.parse(&buffer, scanned: &self.scanned) else { return nil }
        self.body = BodyDecoder(try MessageFraming.request(head))
        self.inBody = true
        self.pauseAfterBody = head.fields.contains { $0.known == .upgrade }
        return .head(head)
    }

    /// Continues with the next request after an upgrade request the server declined.
    public mutating func resume() {
        self.isPaused = false
    }

    /// The connection's input ended: an error if a request was cut short.
    public func finish(_ buffer: ByteBuffer) throws {
        if self.inBody || (!self.isPaused && buffer.readableBytes > 0) { throw HTTP1ParseError.truncated }
    }
}
