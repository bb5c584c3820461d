import NIOCore
import NIOEmbedded
import NIOHTTP1
import PorticoHTTP
import PorticoHTTP1
import Testing

/// On valid input Portico's parser must agree with NIO's (llhttp); on garbage it must fail
/// cleanly, never crash.
@Suite struct DifferentialTests {
    struct Generator {
        var state: UInt64

        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func pick<T>(_ items: [T]) -> T { items[Int(self.next() % UInt64(items.count))] }

        mutating func token(_ length: Int) -> String {
            let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~")
            return String((0..<max(length, 1)).map { _ in self.pick(alphabet) })
        }

        mutating func value(_ length: Int) -> String {
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789;=,/:\"()[]{}?@")
            var text = String((0..<length).map { _ in self.pick(alphabet) })
            while text.hasPrefix(" ") { text.removeFirst() }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
    }

    private func nioParse(_ bytes: String) throws -> HTTPRequestHead? {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder()))
        defer { _ = try? channel.finish() }
        try channel.writeInbound(ByteBuffer(string: bytes))
        guard case .head(let head) = try channel.readInbound(as: HTTPServerRequestPart.self) else { return nil }
        return head
    }

    @Test func agreesWithNIOOnValidRequests() throws {
        var random = Generator(state: 42)
        for _ in 0..<500 {
            let method = random.pick(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
            let target =
                "/" + random.token(Int(random.next() % 20)) + (random.next() % 2 == 0 ? "?q=" + random.token(5) : "")
            var fields: [(String, String)] = [("Host", "example.com")]
            for _ in 0..<(random.next() % 8) {
                fields.append((random.token(Int(random.next() % 12) + 1), random.value(Int(random.next() % 30))))
            }
            let wire = "\(method) \(target) HTTP/1.1\r\n" + fields.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
            let expected = try #require(try self.nioParse(wire), "\(wire.debugDescription)")
            var buffer = ByteBuffer(string: wire)
            var scanned = 0
            let ours = try #require(try HTTP1HeadParser(kind: .request).parse(&buffer, scanned: &scanned))
            #expect(ours.string(ours.startLine.first) == expected.method.rawValue)
            #expect(ours.string(ours.startLine.second) == expected.uri)
            let parsedFields = ours.fields.map { (ours.string(ours.nameRange($0)), ours.string(ours.valueRange($0))) }
            let nioFields = expected.headers.map { ($0.name, $0.value) }
            #expect(parsedFields.map(\.0) == nioFields.map(\.0))
            #expect(parsedFields.map(\.1) == nioFields.map(\.1), "\(wire.debugDescription)")
        }
    }

    @Test func garbageNeverCrashes() {
        var random = Generator(state: 7)
        let seed = Array(
            "GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                .utf8)
        for _ in 0..<5000 {
            var bytes = seed
            for _ in 0..<(1 + random.next() % 6) {
                let position = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: position)
                default: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                }
            }
            var buffer = ByteBuffer(bytes: bytes)
            var scanned = 0
            guard let head = try? HTTP1HeadParser(kind: .request).parse(&buffer, scanned: &scanned),
                let framing = try? MessageFraming.request(head)
            else { continue }
            var decoder = BodyDecoder(framing)
            while let event = try? decoder.next(&buffer) {
                if case .end = event { break }
            }
        }
    }
}
