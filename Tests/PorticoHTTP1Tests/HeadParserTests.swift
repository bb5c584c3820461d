import NIOCore
import PorticoHTTP
import Testing

@testable import PorticoHTTP1

@Suite struct HeadParserTests {
    let parser = HTTP1HeadParser(kind: .request)

    private func parse(_ text: String, parser: HTTP1HeadParser? = nil) throws -> ParsedHead? {
        var buffer = ByteBuffer(string: text)
        var scanned = 0
        return try (parser ?? self.parser).parse(&buffer, scanned: &scanned)
    }

    private func error(_ text: String, parser: HTTP1HeadParser? = nil) -> HTTP1ParseError? {
        do {
            _ = try self.parse(text, parser: parser)
            return nil
        } catch {
            return error as? HTTP1ParseError
        }
    }

    @Test func parsesARequestHeadInPlace() throws {
        let text =
            "GET /a/b?c=1 HTTP/1.1\r\nHost: example.com\r\nX-Empty:\r\nContent-Length:  12 \r\nConnection: keep-alive\r\n\r\nBODY"
        var buffer = ByteBuffer(string: text)
        var scanned = 0
        let head = try #require(try self.parser.parse(&buffer, scanned: &scanned))
        #expect(head.string(head.startLine.first) == "GET")
        #expect(head.string(head.startLine.second) == "/a/b?c=1")
        #expect(head.version == .http1_1)
        #expect(head.fields.count == 4)
        #expect(head.string(head.nameRange(head.fields[0])) == "Host")
        #expect(head.string(head.valueRange(head.fields[0])) == "example.com")
        #expect(head.string(head.valueRange(head.fields[1])) == "")
        #expect(head.string(head.valueRange(head.fields[2])) == "12")
        #expect(head.fields.map(\.known) == [.host, nil, .contentLength, .connection])
        #expect(String(buffer: buffer) == "BODY")
    }

    @Test func waitsForTheWholeHeadByteByByte() throws {
        let text = "POST /x HTTP/1.0\r\nHost: h\r\n\r\n"
        var buffer = ByteBuffer()
        var scanned = 0
        for (index, byte) in text.utf8.enumerated() {
            buffer.writeInteger(byte)
            let head = try self.parser.parse(&buffer, scanned: &scanned)
            if index < text.utf8.count - 1 {
                #expect(head == nil)
            } else {
                #expect(head?.version == .http1_0)
            }
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test func ignoresEmptyLinesBeforeTheRequestLine() throws {
        let head = try #require(try self.parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(head.string(head.startLine.second) == "/")
    }

    static let invalid: [(String, String, HTTP1ParseError)] = [
        ("bare LF", "GET / HTTP/1.1\nHost: h\n\n", .invalidLineEnding),
        ("bare LF in a field", "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", .invalidLineEnding),
        ("CR without LF", "GET / HTTP/1.1\r\nHost: h\rX\r\n\r\n", .invalidLineEnding),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", .obsoleteLineFolding),
        ("space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", .invalidFieldName),
        ("empty name", "GET / HTTP/1.1\r\n: h\r\n\r\n", .invalidFieldName),
        ("no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", .invalidFieldName),
        ("control in value", "GET / HTTP/1.1\r\nX: a\u{01}b\r\n\r\n", .invalidFieldValue),
        ("DEL in value", "GET / HTTP/1.1\r\nX: a\u{7F}b\r\n\r\n", .invalidFieldValue),
        ("non-token method", "G(T / HTTP/1.1\r\n\r\n", .invalidMethod),
        ("two spaces", "GET  / HTTP/1.1\r\n\r\n", .invalidTarget),
        ("space in target", "GET /a b HTTP/1.1\r\n\r\n", .invalidStartLine),
        ("control in target", "GET /a\u{01} HTTP/1.1\r\n\r\n", .invalidTarget),
        ("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", .unsupportedVersion),
        ("lowercase version", "GET / http/1.1\r\n\r\n", .invalidStartLine),
        ("missing version", "GET /\r\n\r\n", .invalidStartLine),
    ]

    @Test(arguments: invalid)
    func rejects(name: String, text: String, expected: HTTP1ParseError) {
        #expect(self.error(text) == expected, "\(name)")
    }

    @Test func enforcesLimits() {
        let small = HTTP1HeadParser(kind: .request, limits: .init(maxHeadBytes: 64, maxFields: 2, maxTargetBytes: 10))
        #expect(
            self.error("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 100))\r\n\r\n", parser: small)
                == .headTooLarge)
        // Too large even before the end arrives.
        #expect(
            self.error("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 100))", parser: small) == .headTooLarge)
        #expect(self.error("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", parser: small) == .tooManyFields)
        #expect(self.error("GET /0123456789ab HTTP/1.1\r\n\r\n", parser: small) == .targetTooLong)
    }

    @Test func parsesStatusLines() throws {
        let responses = HTTP1HeadParser(kind: .response)
        let ok = try #require(try self.parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", parser: responses))
        #expect(ok.status == 200)
        #expect(ok.string(ok.startLine.third) == "OK")
        let bare = try #require(try self.parse("HTTP/1.0 204\r\n\r\n", parser: responses))
        #expect(bare.status == 204)
        #expect(bare.version == .http1_0)
        let long = try #require(try self.parse("HTTP/1.1 404 Not Found Here\r\n\r\n", parser: responses))
        #expect(long.string(long.startLine.third) == "Not Found Here")
        #expect(self.error("HTTP/1.1 2x0 OK\r\n\r\n", parser: responses) == .invalidStatus)
        #expect(self.error("HTTP/1.1 099 X\r\n\r\n", parser: responses) == .invalidStatus)
        #expect(self.error("SSH-2.0-OpenSSH\r\n\r\n", parser: responses) == .invalidStartLine)
    }
}

@Suite struct HeadParserByteClassTests {
    @Test func tokenBitmapMatchesTheGrammar() {
        for byte in UInt8.min...UInt8.max {
            #expect(HTTP1HeadParser.isTokenByte(byte) == HTTPSyntax.isTokenByte(byte), "byte \(byte)")
        }
    }

    @Test func fieldValuesAreCheckedEightBytesAtATimeWithoutMissingAByte() {
        // Every byte value at every position of values long enough for the word-wise path.
        for length in [1, 7, 8, 9, 16, 23] {
            for position in 0..<length {
                for byte in UInt8.min...UInt8.max {
                    var value = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    value[position] = byte
                    let expected = HTTPSyntax.isFieldValueByte(byte)
                    let result = value.withUnsafeBytes { HTTP1HeadParser.isFieldValue($0, 0..<length) }
                    if result != expected {
                        Issue.record("byte \(byte) at \(position) of \(length): \(result)")
                        return
                    }
                }
            }
        }
        // Obs-text (high-bit bytes) and tabs pass next to each other.
        let mixed: [UInt8] = [0xC3, 0xA9, 0x09, 0x20, 0xFF, 0x80, 0x7E, 0x21, 0x09]
        #expect(mixed.withUnsafeBytes { HTTP1HeadParser.isFieldValue($0, 0..<mixed.count) })
    }
}
