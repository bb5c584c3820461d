import NIOCore
import PorticoHTTP
import PorticoHTTP1

/// Heads the codec accepted, turned into Portico's head types and written back out with
/// ``HTTP1Serializer``, must parse again to the same head and the same body framing, and
/// the serializer's "this body is chunked" answer must match the parser's framing (the proxy
/// frames the body it writes by that answer).
public enum RoundTrip {
    /// Limits that never get in the way: a re-serialised head may be longer than the original
    /// (`Name: value` spacing, invalid UTF-8 becoming U+FFFD).
    static let generous = HTTP1HeadParser.Limits(maxHeadBytes: 1 << 30, maxFields: 1 << 30, maxTargetBytes: 1 << 30)

    /// Checks a request head.
    public static func request(_ head: ParsedHead) {
        let request = RequestHead(head)
        var wire = ByteBuffer()
        let saysChunked = HTTP1Serializer.writeRequestHead(request, into: &wire)
        let again = Self.parseAgain(&wire, kind: .request, original: head)
        let reparsed = RequestHead(again)
        let context = "original \(describe(Array(head.bytes.readableBytesView)))"
        invariant(reparsed.method == request.method, "method \(request.method) became \(reparsed.method); \(context)")
        invariant(reparsed.target == request.target, "target \(request.target) became \(reparsed.target); \(context)")
        invariant(reparsed.version == request.version, "version changed; \(context)")
        invariant(Self.pairs(reparsed.headers) == Self.pairs(request.headers), "fields changed; \(context)")

        let framing = try? MessageFraming.request(head)
        let framingAgain = try? MessageFraming.request(again)
        invariant(
            framing == framingAgain,
            "framing \(String(describing: framing)) became \(String(describing: framingAgain)); \(context)")
        if let framing {
            invariant(
                ReferenceFraming.request(request.headers.pairs) == framing,
                "framed as \(framing), RFC 9112 §6.3 says \(String(describing: ReferenceFraming.request(request.headers.pairs))); \(context)"
            )
            invariant(
                saysChunked == (framing == .chunked),
                "the serializer says chunked=\(saysChunked) for a head framed as \(framing); \(context)")
        }
    }

    /// Checks a response head (to a request with `method`).
    public static func response(_ head: ParsedHead, method: HTTPMethod) {
        let response = ResponseHead(head)
        var wire = ByteBuffer()
        let saysChunked = HTTP1Serializer.writeResponseHead(response, into: &wire)
        let again = Self.parseAgain(&wire, kind: .response, original: head)
        let reparsed = ResponseHead(again)
        let context = "original \(describe(Array(head.bytes.readableBytesView)))"
        invariant(reparsed.status == response.status, "status \(response.status) became \(reparsed.status); \(context)")
        invariant(reparsed.version == response.version, "version changed; \(context)")
        invariant(
            reparsed.reason == response.reason,
            "reason \(String(describing: response.reason)) became \(String(describing: reparsed.reason)); \(context)")
        invariant(Self.pairs(reparsed.headers) == Self.pairs(response.headers), "fields changed; \(context)")

        let framing = try? MessageFraming.response(head, requestMethod: method)
        let framingAgain = try? MessageFraming.response(again, requestMethod: method)
        invariant(
            framing == framingAgain,
            "framing \(String(describing: framing)) became \(String(describing: framingAgain)); \(context)")
        if let framing {
            let reference = ReferenceFraming.response(status: response.status, method: method, response.headers.pairs)
            invariant(
                reference == framing,
                "framed as \(framing), RFC 9112 §6.3 says \(String(describing: reference)); \(context)")
        }
        // The serializer's answer is about the fields alone: compare with the framing the
        // fields give a body-carrying response.
        if response.status >= 200, response.status != 204, response.status != 304,
            let fieldFraming = try? MessageFraming.response(head, requestMethod: .GET)
        {
            invariant(
                saysChunked == (fieldFraming == .chunked),
                "the serializer says chunked=\(saysChunked) for a head framed as \(fieldFraming); \(context)")
        }
    }

    private static func parseAgain(_ wire: inout ByteBuffer, kind: HTTP1HeadParser.Kind, original: ParsedHead)
        -> ParsedHead
    {
        let written = describe(Array(wire.readableBytesView))
        let context = "original \(describe(Array(original.bytes.readableBytesView))), written \(written)"
        var scanned = 0
        do {
            let again = try HTTP1HeadParser(kind: kind, limits: Self.generous).parse(&wire, scanned: &scanned)
            invariant(again != nil, "the serializer wrote an incomplete head; \(context)")
            invariant(wire.readableBytes == 0, "the serializer wrote bytes after the head; \(context)")
            return again!
        } catch {
            invariant(false, "a re-serialised head does not parse (\(error)); \(context)")
            fatalError()
        }
    }

    private static func pairs(_ headers: HeaderList) -> [[String]] {
        headers.pairs.map { [$0.0, $0.1] }
    }
}
