import NIOCore
import PorticoHTTP
import PorticoHTTP1
import Testing

@Suite struct MessageDecoderTests {
    /// Every part the decoder yields for `wire`, fed in pieces of `step` bytes.
    private func requestParts(_ wire: String, step: Int = .max) throws -> [String] {
        var decoder = HTTP1RequestDecoder()
        var buffer = ByteBuffer()
        var parts: [String] = []
        var input = ByteBuffer(string: wire)
        while input.readableBytes > 0 {
            var piece = input.readSlice(length: min(step, input.readableBytes))!
            buffer.writeBuffer(&piece)
            while let part = try decoder.next(&buffer) {
                parts.append(Self.describe(part))
            }
        }
        return parts
    }

    private static func describe(_ part: HTTP1Part) -> String {
        switch part {
        case .head(let head): "head \(head.status == 0 ? RequestHead(head).target : String(head.status))"
        case .body(let bytes): "body \(String(buffer: bytes))"
        case .end: "end"
        }
    }

    @Test(arguments: [1, 3, 1000])
    func pipelinedRequestsWithBodies(step: Int) throws {
        let wire =
            "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
            + "GET /c HTTP/1.1\r\nHost: h\r\n\r\n"
        let parts = try self.requestParts(wire, step: step)
        // Body bytes may come in several slices when the input arrives in pieces.
        let joined = parts.reduce(into: [String]()) { result, part in
            if part.hasPrefix("body "), let last = result.last, last.hasPrefix("body ") {
                result[result.count - 1] = last + part.dropFirst(5)
            } else {
                result.append(part)
            }
        }
        #expect(joined == ["head /a", "body abc", "end", "head /b", "body xy", "end", "head /c", "end"])
    }

    @Test func pausesAfterAnUpgradeRequestUntilResumed() throws {
        var decoder = HTTP1RequestDecoder()
        var buffer = ByteBuffer(
            string: "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"
                + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
        guard case .head = try decoder.next(&buffer) else {
            Issue.record("no head")
            return
        }
        guard case .end = try decoder.next(&buffer) else {
            Issue.record("no end")
            return
        }
        #expect(try decoder.next(&buffer) == nil)
        #expect(decoder.isPaused)
        #expect(buffer.readableBytes == 31)  // kept: the new protocol's, if the switch happens
        decoder.resume()  // it did not: they are the next request
        guard case .head(let next) = try decoder.next(&buffer) else {
            Issue.record("no next head")
            return
        }
        #expect(RequestHead(next).target == "/next")
    }

    @Test func smugglingAttemptsAreRefused() {
        let attacks = [
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            "GET / HTTP/1.1\nHost: h\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n",
        ]
        for attack in attacks {
            #expect(throws: HTTP1ParseError.self, "\(attack.debugDescription)") { try self.requestParts(attack) }
        }
    }

    @Test func truncatedRequestsAreReportedAtEndOfInput() throws {
        var decoder = HTTP1RequestDecoder()
        var buffer = ByteBuffer(string: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
        _ = try decoder.next(&buffer)
        _ = try decoder.next(&buffer)
        #expect(throws: HTTP1ParseError.truncated) { try decoder.finish(buffer) }
        var idle = HTTP1RequestDecoder()
        #expect(throws: Never.self) { try idle.finish(ByteBuffer()) }
        var partial = ByteBuffer(string: "GET / HT")
        #expect(try idle.next(&partial) == nil)
        #expect(throws: HTTP1ParseError.truncated) { try idle.finish(partial) }
    }

    @Test func responsesFollowTheRequestMethod() throws {
        var decoder = HTTP1ResponseDecoder()
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        decoder.expectResponse(to: .HEAD)
        guard case .head(let head) = try decoder.next(&buffer) else {
            Issue.record("no head")
            return
        }
        #expect(ResponseHead(head).reason == nil)  // the standard phrase is not kept
        guard case .end = try decoder.next(&buffer) else {
            Issue.record("HEAD response has no body")
            return
        }
        #expect(!decoder.isAwaitingResponse)
    }

    @Test func interimResponsesThenTheFinalOne() throws {
        var decoder = HTTP1ResponseDecoder()
        decoder.expectResponse(to: .GET)
        var buffer = ByteBuffer(
            string: "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 Fine\r\nContent-Length: 2\r\n\r\nok")
        var statuses: [Int] = []
        var reasons: [String?] = []
        var body = ""
        var ended = false
        while let part = try decoder.next(&buffer) {
            switch part {
            case .head(let head):
                statuses.append(head.status)
                reasons.append(ResponseHead(head).reason)
            case .body(let bytes): body += String(buffer: bytes)
            case .end: ended = true
            }
        }
        #expect(statuses == [103, 200])
        #expect(reasons == [nil, "Fine"])
        #expect(body == "ok" && ended)
    }

    @Test func switchingProtocolsLeavesTheRestForTheTunnel() throws {
        var decoder = HTTP1ResponseDecoder()
        decoder.expectResponse(to: .GET)
        var buffer = ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nTUNNEL")
        guard case .head = try decoder.next(&buffer) else {
            Issue.record("no head")
            return
        }
        guard case .end = try decoder.next(&buffer) else {
            Issue.record("no end")
            return
        }
        #expect(decoder.hasSwitchedProtocols)
        #expect(try decoder.next(&buffer) == nil)
        #expect(String(buffer: buffer) == "TUNNEL")
    }

    @Test func closeDelimitedBodiesEndWithTheConnection() throws {
        var decoder = HTTP1ResponseDecoder()
        decoder.expectResponse(to: .GET)
        var buffer = ByteBuffer(string: "HTTP/1.0 200 OK\r\n\r\nuntil close")
        _ = try decoder.next(&buffer)
        guard case .body(let bytes) = try decoder.next(&buffer) else {
            Issue.record("no body")
            return
        }
        #expect(String(buffer: bytes) == "until close")
        guard case .end = try decoder.finish() else {
            Issue.record("no end at close")
            return
        }

        var cut = HTTP1ResponseDecoder()
        cut.expectResponse(to: .GET)
        var short = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc")
        _ = try cut.next(&short)
        _ = try cut.next(&short)
        #expect(throws: HTTP1ParseError.truncated) { try cut.finish() }
    }

    @Test func unexpectedBytesOnAnIdleConnectionAreAnError() {
        var decoder = HTTP1ResponseDecoder()
        var buffer = ByteBuffer(string: "HTTP/1.1 408 Request Timeout\r\n\r\n")
        #expect(throws: HTTP1ParseError.self) { try decoder.next(&buffer) }
    }

    @Test func methodsFromBytes() {
        for token in ["GET", "PUT", "POST", "HEAD", "PATCH", "TRACE", "DELETE", "OPTIONS", "CONNECT", "PURGE", "get"] {
            let method = Array(token.utf8).withUnsafeBytes { HTTPMethod(bytes: $0) }
            #expect(method == HTTPMethod(token), "\(token)")
        }
    }

    /// Heads are written into buffers of exactly their encoded size: the size must be exact.
    @Test func encodedSizeIsExact() {
        let request = RequestHead(
            method: .other("PURGE"), target: "/a?b=c", version: .http1_0,
            headers: HeaderList([("Host", "h"), ("Authorization", "Bearer " + String(repeating: "t", count: 300))]))
        #expect(
            HTTP1Serializer.encode(request, allocator: .init()).bytes.readableBytes
                == HTTP1Serializer.encodedSize(of: request))
        for response in [
            ResponseHead(status: 200, headers: HeaderList([("Content-Length", "2")])),
            ResponseHead(status: 299, headers: HeaderList()),  // no standard phrase
            ResponseHead(status: 404, reason: "Gone Fishing", headers: HeaderList([("X", "")])),
        ] {
            var buffer = ByteBuffer()
            HTTP1Serializer.writeResponseHead(response, into: &buffer)
            #expect(buffer.readableBytes == HTTP1Serializer.encodedSize(of: response), "\(response.status)")
        }
    }

    @Test func serializerReportsChunkedBodies() {
        var buffer = ByteBuffer()
        let chunked = ResponseHead(status: 200, headers: HeaderList([("Transfer-Encoding", "gzip, Chunked")]))
        #expect(HTTP1Serializer.writeResponseHead(chunked, into: &buffer))
        let fixed = RequestHead(method: .POST, target: "/", headers: HeaderList([("Content-Length", "3")]))
        #expect(!HTTP1Serializer.writeRequestHead(fixed, into: &buffer))
        let notLast = RequestHead(
            method: .POST, target: "/", headers: HeaderList([("transfer-encoding", "chunked, gzip")]))
        #expect(!HTTP1Serializer.writeRequestHead(notLast, into: &buffer))
    }
}

extension HTTP1Part: Equatable {
    public static func == (lhs: HTTP1Part, rhs: HTTP1Part) -> Bool {
        switch (lhs, rhs) {
        case (.end, .end): true
        case (.body(let a), .body(let b)): a == b
        case (.head(let a), .head(let b)): a.bytes == b.bytes
        default: false
        }
    }
}
