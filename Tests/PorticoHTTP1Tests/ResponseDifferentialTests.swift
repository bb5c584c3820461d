import NIOCore
import NIOEmbedded
import NIOHTTP1
import PorticoHTTP
import PorticoHTTP1
import Testing

/// On valid responses Portico's response decoder must agree with NIO's (llhttp): the same
/// heads (interim ones included), status, version, header fields, body bytes and end, for GET
/// and HEAD, with fixed-length, chunked (extensions, trailers) and close-delimited bodies, and
/// whether Portico's decoder gets the bytes at once or in pieces.
@Suite struct ResponseDifferentialTests {
    /// What a decoder made of one exchange.
    struct Decoded: Equatable {
        struct Head: Equatable {
            var status: Int
            var version: String
            var fields: [[String]]
        }

        var heads: [Head] = []
        var body: [UInt8] = []
        var ended = false
    }

    /// One generated response and what a correct decoder must see.
    struct Exchange {
        var method: PorticoHTTP.HTTPMethod
        var wire: [UInt8]
        var reasons: [String]
        var expected: Decoded
    }

    struct Generator {
        var state: UInt64

        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ bound: Int) -> Int { Int(self.next() % UInt64(bound)) }

        mutating func pick<T>(_ items: [T]) -> T { items[self.below(items.count)] }

        mutating func token(_ length: Int) -> String {
            let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~")
            return String((0..<max(length, 1)).map { _ in self.pick(alphabet) })
        }

        mutating func value(_ length: Int) -> String {
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789;=,/:\"()[]{}?@\t")
            var text = String((0..<length).map { _ in self.pick(alphabet) })
            while text.hasPrefix(" ") || text.hasPrefix("\t") { text.removeFirst() }
            while text.hasSuffix(" ") || text.hasSuffix("\t") { text.removeLast() }
            return text
        }

        mutating func bytes(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in UInt8(truncatingIfNeeded: self.next()) }
        }
    }

    enum Body: CaseIterable {
        case length
        case chunked
        case untilClose
    }

    static func generate(_ random: inout Generator) -> Exchange {
        let method: PorticoHTTP.HTTPMethod = random.below(4) == 0 ? .HEAD : .GET
        let http10 = random.below(6) == 0
        let version = http10 ? "HTTP/1.0" : "HTTP/1.1"
        var wire: [UInt8] = []
        var expected = Decoded()
        var reasons: [String] = []

        // Interim responses first (HTTP/1.1 only).
        for _ in 0..<(http10 ? 0 : random.pick([0, 0, 0, 1, 2])) {
            let (status, reason, fields) =
                random.below(2) == 0
                ? (100, "Continue", [[String]]())
                : (103, "Early Hints", [["Link", "</style.css>; rel=preload"]])
            wire += Array("\(version) \(status) \(reason)\r\n".utf8)
            for field in fields { wire += Array("\(field[0]): \(field[1])\r\n".utf8) }
            wire += Array("\r\n".utf8)
            expected.heads.append(.init(status: status, version: version, fields: fields))
            reasons.append(reason)
        }

        let status = random.pick([
            200, 200, 200, 201, 202, 203, 206, 226, 299, 301, 302, 304, 307, 400, 404, 418, 500, 503,
        ])
        let reason = random.pick(["", "OK", "Fine", "Not Quite", "Custom\tReason"])
        wire += Array("\(version) \(status)\(reason.isEmpty ? "" : " " + reason)\r\n".utf8)
        reasons.append(reason)
        var fields: [[String]] = []
        for _ in 0..<random.below(8) {
            fields.append([random.token(random.below(12) + 1), random.value(random.below(30))])
        }
        if random.below(3) == 0 { fields.append(["Connection", random.pick(["keep-alive", "close"])]) }

        let bodiless = method == .HEAD || status == 304
        let framing: Body =
            status == 304 ? .length : (http10 ? random.pick([.length, .untilClose]) : random.pick(Body.allCases))
        let body = random.bytes(random.pick([0, 1, 5, 17, 100, 300]))
        var payload: [UInt8] = []
        switch framing {
        case .length:
            if status != 304 || random.below(2) == 0 {
                fields.insert(["Content-Length", String(body.count)], at: random.below(fields.count + 1))
            }
            payload = body
        case .chunked:
            fields.insert(
                ["Transfer-Encoding", random.pick(["chunked", "Chunked"])], at: random.below(fields.count + 1))
            var offset = 0
            while offset < body.count {
                let length = min(body.count - offset, 1 + random.below(64))
                let size = String(length, radix: 16, uppercase: random.below(2) == 0)
                payload += Array((size + random.pick(["", "", ";a=b", ";name=\"q v\";flag"]) + "\r\n").utf8)
                payload += body[offset..<(offset + length)]
                payload += Array("\r\n".utf8)
                offset += length
            }
            payload += Array("0\r\n".utf8)
            if random.below(3) == 0 { payload += Array("X-Trailer: \(random.token(5))\r\n".utf8) }
            payload += Array("\r\n".utf8)
        case .untilClose:
            payload = body
        }
        for field in fields { wire += Array("\(field[0]): \(field[1])\r\n".utf8) }
        wire += Array("\r\n".utf8)
        if !bodiless { wire += payload }
        expected.heads.append(.init(status: status, version: version, fields: fields))
        expected.body = bodiless ? [] : body
        expected.ended = true
        return Exchange(method: method, wire: wire, reasons: reasons, expected: expected)
    }

    /// NIO's client-side decoder, told the request's method by an outbound request head (as
    /// in a real client pipeline: encoder, then the decoder that watches what is written).
    static func nioDecode(_ exchange: Exchange) throws -> Decoded {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        try channel.pipeline.syncOperations.addHandler(HTTPRequestEncoder())
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(HTTPResponseDecoder(informationalResponseStrategy: .forward)))
        let method: NIOHTTP1.HTTPMethod = exchange.method == .HEAD ? .HEAD : .GET
        try channel.writeOutbound(
            HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: "/")))
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        while try channel.readOutbound(as: ByteBuffer.self) != nil {}

        try channel.writeInbound(ByteBuffer(bytes: exchange.wire))
        channel.pipeline.fireChannelInactive()  // the end of a close-delimited body
        var decoded = Decoded()
        while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
            switch part {
            case .head(let head):
                decoded.heads.append(
                    .init(
                        status: Int(head.status.code),
                        version: "HTTP/\(head.version.major).\(head.version.minor)",
                        fields: head.headers.map { [$0.name, $0.value] }
                    ))
            case .body(let bytes):
                decoded.body += bytes.readableBytesView
            case .end:
                decoded.ended = true
            }
        }
        return decoded
    }

    /// Portico's decoder, fed `pieces`, then the end of input.
    static func porticoDecode(_ exchange: Exchange, pieces: [ArraySlice<UInt8>]) throws -> (Decoded, [String?]) {
        var decoder = HTTP1ResponseDecoder()
        decoder.expectResponse(to: exchange.method)
        var buffer = ByteBuffer()
        var decoded = Decoded()
        var reasons: [String?] = []
        func take(_ part: HTTP1Part) {
            switch part {
            case .head(let parsed):
                let head = ResponseHead(parsed)
                decoded.heads.append(
                    .init(
                        status: head.status,
                        version: "HTTP/\(head.version.major).\(head.version.minor)",
                        fields: head.headers.pairs.map { [$0.0, $0.1] }
                    ))
                reasons.append(head.reason)
            case .body(let bytes):
                decoded.body += bytes.readableBytesView
            case .end:
                decoded.ended = true
            }
        }
        for piece in pieces {
            buffer.writeBytes(piece)
            while let part = try decoder.next(&buffer) { take(part) }
        }
        if let part = try decoder.finish() { take(part) }
        #expect(buffer.readableBytes == 0)
        return (decoded, reasons)
    }

    @Test func agreesWithNIOOnValidResponses() throws {
        var random = Generator(state: 2024)
        for _ in 0..<600 {
            let exchange = Self.generate(&random)
            let wire = String(decoding: exchange.wire, as: UTF8.self).debugDescription
            let nio = try Self.nioDecode(exchange)
            #expect(nio == exchange.expected, "NIO disagrees with the generator on \(exchange.method) \(wire)")

            var pieces: [ArraySlice<UInt8>] = []
            var offset = 0
            while offset < exchange.wire.count {
                let length = min(exchange.wire.count - offset, 1 + random.below(16))
                pieces.append(exchange.wire[offset..<(offset + length)])
                offset += length
            }
            for input in [[exchange.wire[...]], pieces] {
                let (ours, reasons) = try Self.porticoDecode(exchange, pieces: input)
                #expect(ours == nio, "\(exchange.method) \(wire)")
                // A standard reason phrase (or none) is not kept; any other is, verbatim.
                let expectedReasons = zip(exchange.reasons, ours.heads).map { reason, head -> String? in
                    reason.isEmpty || HTTP1Serializer.reasonPhrase(head.status).description == reason ? nil : reason
                }
                #expect(reasons == expectedReasons, "\(wire)")
            }
        }
    }
}
