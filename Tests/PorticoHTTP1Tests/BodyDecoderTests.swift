import NIOCore
import PorticoHTTP1
import Testing

@Suite struct BodyDecoderTests {
    /// Decodes `input` fed in pieces of `split` bytes; returns the body and whether it ended.
    private func decode(_ framing: BodyFraming, _ input: String, split: Int) throws -> (String, Bool, String) {
        var decoder = BodyDecoder(framing)
        var body = ""
        var ended = false
        var pending = ByteBuffer()
        let bytes = Array(input.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + split, bytes.count)
            pending.writeBytes(bytes[offset..<end])
            offset = end
            while !ended, let event = try decoder.next(&pending) {
                switch event {
                case .data(let data): body += String(buffer: data)
                case .end: ended = true
                }
            }
            if ended { break }
        }
        return (body, ended, String(buffer: pending))
    }

    @Test func fixedLengthBodies() throws {
        for split in [1, 3, 100] {
            let (body, ended, rest) = try self.decode(.length(5), "hellonext", split: split)
            #expect(body == "hello")
            #expect(ended)
            #expect(rest.hasPrefix("n") || split < 100 && rest.isEmpty || rest == "next")
        }
    }

    @Test func chunkedBodiesInAnySplit() throws {
        let wire = "5\r\nhello\r\n7;ext=1;other\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\nGET /next"
        for split in [1, 2, 5, 13, 1000] {
            let (body, ended, rest) = try self.decode(.chunked, wire, split: split)
            #expect(body == "hello, world")
            #expect(ended)
            if split == 1000 { #expect(rest == "GET /next") }
        }
        let (upper, _, _) = try self.decode(.chunked, "A\r\n0123456789\r\n0\r\n\r\n", split: 4)
        #expect(upper == "0123456789")
    }

    @Test func rejectsBrokenChunks() {
        let broken: [String] = [
            "zz\r\nabc\r\n0\r\n\r\n",  // not hex
            "\r\n",  // empty size
            "5\nhello\r\n0\r\n\r\n",  // bare LF after the size
            "5\r\nhelloXY0\r\n\r\n",  // data not followed by CRLF
            "ffffffffffffffffff\r\n",  // too many digits
            "5;ext\u{01}\r\nhello\r\n0\r\n\r\n",  // control byte in an extension
            "0\r\nBad Trailer: x\r\n\r\n",  // invalid trailer field
            "0\r\nX: y\n\r\n",  // bare LF in the trailers
        ]
        for wire in broken {
            #expect(throws: HTTP1ParseError.self, "\(wire.debugDescription)") {
                try self.decode(.chunked, wire, split: 3)
            }
        }
    }

    @Test func closeDelimitedBodiesEndAtEOF() throws {
        var decoder = BodyDecoder(.untilClose)
        var buffer = ByteBuffer(string: "all of it")
        #expect(try decoder.next(&buffer) == .data(ByteBuffer(string: "all of it")))
        #expect(try decoder.next(&buffer) == nil)
        #expect(try decoder.finish() == .end)
        var truncated = BodyDecoder(.length(10))
        var short = ByteBuffer(string: "abc")
        _ = try truncated.next(&short)
        #expect(throws: HTTP1ParseError.truncated) { try truncated.finish() }
    }
}
