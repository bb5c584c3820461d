import NIOCore
import PorticoHTTP

/// Splits the bytes an upstream sends into responses, one per request sent
/// (``expectResponse(to:)``), strictly: ambiguous framing is an error, never a guess.
///
/// Interim (1xx) heads come as a head without an end, then the final response follows;
/// `101 Switching Protocols` comes as head and end, after which the decoder stops and the
/// remaining bytes belong to the new protocol.
public struct HTTP1ResponseDecoder: Sendable {
    enum Phase: Sendable {
        /// No request outstanding: bytes now are unexpected.
        case idle
        case head
        case body
        case switchingEnd
        case switched
    }

    private let parser: HTTP1HeadParser
    private var phase = Phase.idle
    private var method = HTTPMethod.GET
    private var body = BodyDecoder(.none)
    private var scanned = 0

    /// A decoder with these limits.
    public init(limits: HTTP1HeadParser.Limits = .init()) {
        self.parser = HTTP1HeadParser(kind: .response, limits: limits)
    }

    /// Whether a response is expected or being received.
    public var isAwaitingResponse: Bool {
        switch self.phase {
        case .head, .body, .switchingEnd: true
        case .idle, .switched: false
        }
    }

    /// Whether the connection switched protocols (after a 101).
    public var hasSwitchedProtocols: Bool {
        if case .switched = self.phase { return true }
        return false
    }

    /// A request with `method` was sent: its response comes next.
    public mutating func expectResponse(to method: HTTPMethod) {
        self.method = method
        self.phase = .head
        self.scanned = 0
    }

    /// The next part in `buffer` (consuming its bytes), or nil when more bytes are needed.
    /// Bytes while no response is expected throw ``HTTP1ParseError/invalidStartLine``.
    public mutating func next(_ buffer: inout ByteBuffer) throws -> HTTP1Part? {
        switch self.phase {
        case .switched:
            return nil
        case .idle:
            if buffer.readableBytes > 0 { throw HTTP1ParseError.invalidStartLine }
            return nil
        case .switchingEnd:
            self.phase = .switched
            return .end
        case .body:
            guard let event = try self.body.next(&buffer) else { return nil }
            switch event {
            case .data(let slice):
                return .body(slice)
            case .end:
                self.phase = .idle
                return .end
            }
        case .head:
            guard let head = try self.parser.parse(&buffer, scanned: &self.scanned) else { return nil }
            if head.status == 101 {
                self.phase = .switchingEnd
            } else if head.status >= 200 {
                self.body = BodyDecoder(try MessageFraming.response(head, requestMethod: self.method))
                self.phase = .body
            }
            // Other 1xx: interim; the final head follows.
            return .head(head)
        }
    }

    /// The connection closed: the end of a close-delimited body, or an error if a response
    /// was cut short.
    public mutating func finish() throws -> HTTP1Part? {
        switch self.phase {
        case .idle, .switched:
            return nil
        case .switchingEnd:
            self.phase = .switched
            return .end
        case .head:
            throw HTTP1ParseError.truncated
        case .body:
            guard let event = try self.body.finish() else { return nil }
            self.phase = .idle
            return event == .end ? .end : nil
        }
    }
}
