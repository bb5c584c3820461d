import NIOCore
import PorticoHTTP
import PorticoHTTP1
import Testing

@Suite struct SerializerTests {
    @Test func requestHeadsRoundTrip() throws {
        let head = RequestHead(
            method: .PATCH, target: "/a?b=c", headers: HeaderList([("Host", "h"), ("X-A", "1"), ("X-A", "2")]))
        var buffer = ByteBuffer()
        HTTP1Serializer.writeRequestHead(head, into: &buffer)
        #expect(String(buffer: buffer) == "PATCH /a?b=c HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-A: 2\r\n\r\n")
        var scanned = 0
        let parsed = try #require(try HTTP1HeadParser(kind: .request).parse(&buffer, scanned: &scanned))
        #expect(parsed.fields.count == 3)
    }

    @Test func responseHeadsAndChunks() {
        var buffer = ByteBuffer()
        HTTP1Serializer.writeResponseHead(ResponseHead(status: 404, headers: ["content-length": "0"]), into: &buffer)
        #expect(String(buffer: buffer) == "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
        var custom = ByteBuffer()
        HTTP1Serializer.writeResponseHead(ResponseHead(status: 599, reason: "Odd", version: .http1_0), into: &custom)
        #expect(String(buffer: custom) == "HTTP/1.0 599 Odd\r\n\r\n")
        for (size, text) in [(0, "0\r\n"), (10, "a\r\n"), (255, "ff\r\n"), (65536, "10000\r\n")] {
            var chunk = ByteBuffer()
            HTTP1Serializer.writeChunkHeader(size: size, into: &chunk)
            #expect(String(buffer: chunk) == text)
        }
    }
}
