import NIOCore
import PorticoHTTP
import PorticoHTTP1
import Testing

@Suite struct FramingTests {
    private func head(_ text: String, kind: HTTP1HeadParser.Kind = .request) throws -> ParsedHead {
        var buffer = ByteBuffer(string: text)
        var scanned = 0
        return try #require(try HTTP1HeadParser(kind: kind).parse(&buffer, scanned: &scanned))
    }

    private func requestFraming(_ fields: String) throws -> BodyFraming {
        try MessageFraming.request(self.head("POST / HTTP/1.1\r\nHost: h\r\n\(fields)\r\n"))
    }

    private func requestError(_ fields: String) -> HTTP1ParseError? {
        do {
            _ = try self.requestFraming(fields)
            return nil
        } catch {
            return error as? HTTP1ParseError
        }
    }

    @Test func requestFramingRules() throws {
        #expect(try self.requestFraming("") == .none)
        #expect(try self.requestFraming("Content-Length: 0\r\n") == .none)
        #expect(try self.requestFraming("Content-Length: 42\r\n") == .length(42))
        #expect(try self.requestFraming("Content-Length: 42\r\nContent-Length: 42\r\n") == .length(42))
        #expect(try self.requestFraming("Content-Length: 42, 42\r\n") == .length(42))
        #expect(try self.requestFraming("Transfer-Encoding: chunked\r\n") == .chunked)
        #expect(try self.requestFraming("Transfer-Encoding: gzip, Chunked\r\n") == .chunked)
        #expect(try self.requestFraming("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n") == .chunked)
        #expect(self.requestError("Content-Length: 4\r\nContent-Length: 5\r\n") == .invalidContentLength)
        #expect(self.requestError("Content-Length: 4, 5\r\n") == .invalidContentLength)
        #expect(self.requestError("Content-Length: -1\r\n") == .invalidContentLength)
        #expect(self.requestError("Content-Length: +1\r\n") == .invalidContentLength)
        #expect(self.requestError("Content-Length: 0x10\r\n") == .invalidContentLength)
        #expect(self.requestError("Content-Length: 99999999999999999999\r\n") == .invalidContentLength)
        #expect(self.requestError("Content-Length:\r\n") == .invalidContentLength)
        #expect(
            self.requestError("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n")
                == .contentLengthAndTransferEncoding)
        #expect(self.requestError("Transfer-Encoding: chunked, gzip\r\n") == .invalidTransferEncoding)
        #expect(self.requestError("Transfer-Encoding: chunked, chunked\r\n") == .invalidTransferEncoding)
        #expect(self.requestError("Transfer-Encoding: xchunked\r\n") == .invalidTransferEncoding)
        #expect(self.requestError("Transfer-Encoding:\r\n") == .invalidTransferEncoding)
    }

    @Test func responseFramingRules() throws {
        func framing(_ text: String, method: HTTPMethod = .GET) throws -> BodyFraming {
            try MessageFraming.response(self.head(text, kind: .response), requestMethod: method)
        }
        #expect(try framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n") == .length(5))
        #expect(try framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", method: .HEAD) == .none)
        #expect(try framing("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n") == .none)
        #expect(try framing("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n") == .none)
        #expect(try framing("HTTP/1.1 100 Continue\r\n\r\n") == .none)
        #expect(try framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") == .chunked)
        #expect(try framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n") == .untilClose)
        #expect(try framing("HTTP/1.1 200 OK\r\n\r\n") == .untilClose)
        #expect(throws: HTTP1ParseError.contentLengthAndTransferEncoding) {
            try framing("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
        }
    }
}
