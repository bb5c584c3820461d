import NIOCore
import PorticoHTTP
import PorticoHTTP1
import Testing

/// Regression tests for what the fuzzers found (docs/fuzzing.md); each reproducer is also in
/// Fuzz/Corpus, so the fuzzers replay it on every run.
@Suite struct FuzzFindingsTests {
    enum Outcome: Equatable {
        case parsed
        case needsMore
        case error(HTTP1ParseError)
    }

    /// What a request decoder with a 64-byte head limit makes of `text` fed `step` bytes at
    /// a time.
    private func outcome(_ text: String, step: Int) -> Outcome {
        var decoder = HTTP1RequestDecoder(limits: .init(maxHeadBytes: 64, maxFields: 100, maxTargetBytes: 64))
        var buffer = ByteBuffer()
        let bytes = Array(text.utf8)
        var offset = 0
        do {
            while offset < bytes.count {
                let end = min(offset + step, bytes.count)
                buffer.writeBytes(bytes[offset..<end])
                offset = end
                if case .head = try decoder.next(&buffer) { return .parsed }
            }
            return .needsMore
        } catch {
            return .error(error as! HTTP1ParseError)
        }
    }

    /// Found by the request fuzzer (whole and piecewise decoding disagreed): the head limit
    /// used to look past `maxHeadBytes`, so a head up to two bytes over it passed when it
    /// arrived at once but not in pieces, and a bare LF past the limit was reported instead of
    /// the size. Now the verdict depends only on the bytes.
    @Test func headLimitIsTheSameWholeAndInPieces() {
        for size in 60...68 {
            // `GET / HTTP/1.1\r\nX: vvv...\r\n\r\n`, `size` bytes in all.
            let head = "GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: size - 23) + "\r\n\r\n"
            let expected: Outcome = size <= 64 ? .parsed : .error(.headTooLarge)
            #expect(self.outcome(head, step: .max) == expected, "\(size) bytes at once")
            #expect(self.outcome(head, step: 1) == expected, "\(size) bytes one by one")
            #expect(self.outcome(head, step: size - 1) == expected, "\(size) bytes, the last one apart")
        }
        let bareLFPastTheLimit = "GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 60) + "\nY: z\r\n\r\n"
        for step in [1, 7, 70, .max] {
            #expect(self.outcome(bareLFPastTheLimit, step: step) == .error(.headTooLarge), "step \(step)")
        }
    }

    /// Empty lines before a request count toward the head limit: they used to be skipped
    /// without limit, and kept in the buffer while more arrived.
    @Test func emptyLinesBeforeARequestCountTowardTheLimit() {
        #expect(self.outcome(String(repeating: "\r\n", count: 40), step: .max) == .error(.headTooLarge))
        #expect(self.outcome(String(repeating: "\r\n", count: 40), step: 3) == .error(.headTooLarge))
        #expect(self.outcome("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", step: 1) == .parsed)
        #expect(self.outcome("\r\n\r\n\r\n", step: .max) == .needsMore)
    }

    /// Found by the request fuzzer (round trip): `Transfer-Encoding: chunked,` parses as
    /// chunked (empty list elements are ignored, RFC 9110 §5.6.1), but the serializer said
    /// "not chunked" for the same fields, so the proxy would have written the body of such a
    /// head unframed. Both now skip empty elements, and a field naming no coding.
    @Test(arguments: [
        ["chunked,"], ["chunked , "], ["gzip, chunked,,"], ["chunked", ""], ["chunked", " , "], ["gzip", "Chunked,"],
    ])
    func serializerAndParserAgreeOnChunked(values: [String]) throws {
        let fields = [("Host", "h")] + values.map { ("Transfer-Encoding", $0) }
        var wire = ByteBuffer()
        let saysChunked = HTTP1Serializer.writeRequestHead(
            RequestHead(method: .POST, target: "/", headers: HeaderList(fields)), into: &wire)
        var scanned = 0
        let parsed = try #require(try HTTP1HeadParser(kind: .request).parse(&wire, scanned: &scanned))
        #expect(try MessageFraming.request(parsed) == .chunked)
        #expect(saysChunked)

        var response = ByteBuffer()
        #expect(
            HTTP1Serializer.writeResponseHead(ResponseHead(status: 200, headers: HeaderList(fields)), into: &response))
    }

    @Test func serializerStillSeesCodingsAfterChunked() {
        var wire = ByteBuffer()
        for value in ["chunked, gzip", "gzip", "chunkedx", ""] {
            let head = ResponseHead(status: 200, headers: HeaderList([("Transfer-Encoding", value)]))
            #expect(!HTTP1Serializer.writeResponseHead(head, into: &wire), "\(value)")
        }
    }
}
