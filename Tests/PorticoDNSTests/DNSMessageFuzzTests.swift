import PorticoDNS
import Testing

/// Hostile bytes must decode or throw `DNSDecodingError`, never trap or hang. The generator
/// is seeded, so a failure reproduces.
struct DNSMessageFuzzTests {
    private static let sample: [UInt8] = DNSMessage(
        id: 0x4242, isResponse: true, isTruncated: false, recursionDesired: true, recursionAvailable: true,
        questions: [DNSQuestion(name: name("_api._tcp.users.svc.local"), type: .srv)],
        answers: [
            srvRecord("_api._tcp.users.svc.local", priority: 1, weight: 5, port: 8080, target: "a.users.svc.local"),
            srvRecord("_api._tcp.users.svc.local", priority: 1, weight: 5, port: 8081, target: "b.users.svc.local"),
            cnameRecord("x.users.svc.local", "a.users.svc.local"),
        ],
        authorities: [
            DNSRecord(
                name: name("svc.local"), ttl: 30,
                data: .soa(
                    SOAData(
                        primaryServer: name("ns.svc.local"), responsible: name("root.svc.local"), serial: 1,
                        refresh: 2, retry: 3, expire: 4, minimum: 5
                    )
                )
            )
        ],
        additionals: [aRecord("a.users.svc.local", "10.0.0.1"), aaaaRecord("b.users.svc.local", "fd00::2")],
        edns: EDNS(udpPayloadSize: 1232, options: [EDNSOption(code: 8, data: [0, 1, 24, 0, 10, 0, 0])])
    ).encoded()

    /// Decodes, and when that works, checks the result re-encodes into something decodable.
    private func exercise(_ bytes: [UInt8]) {
        guard let message = try? DNSMessage(decoding: bytes) else { return }
        let again = try? DNSMessage(decoding: message.encoded())
        #expect(again != nil)
        for question in message.questions {
            _ = try? message.answer(to: question)
        }
    }

    @Test func randomBytes() {
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<300, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            self.exercise(bytes)
        }
    }

    @Test func randomBytesAfterAPlausibleHeader() {
        // Small counts make the decoder reach names and records instead of failing early.
        var generator = SeededGenerator(seed: 2)
        for _ in 0..<20_000 {
            var bytes: [UInt8] = [0, 1, 0x81, 0x80]
            for _ in 0..<4 { bytes += [0, UInt8.random(in: 0...3, using: &generator)] }
            let length = Int.random(in: 0..<200, using: &generator)
            bytes += (0..<length).map { _ in
                // Bias towards pointers and short labels.
                switch UInt8.random(in: 0...9, using: &generator) {
                case 0: return 0xC0
                case 1: return UInt8.random(in: 0...20, using: &generator)
                case 2: return 0
                default: return UInt8.random(in: .min ... .max, using: &generator)
                }
            }
            self.exercise(bytes)
        }
    }

    @Test func mutatedValidMessages() {
        var generator = SeededGenerator(seed: 3)
        let sample = Self.sample
        #expect((try? DNSMessage(decoding: sample)) != nil)
        for _ in 0..<20_000 {
            var bytes = sample
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0...2, using: &generator) {
                case 0: bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
                case 1: bytes[index] = UInt8.random(in: .min ... .max, using: &generator)
                default: bytes.insert(UInt8.random(in: .min ... .max, using: &generator), at: index)
                }
            }
            self.exercise(bytes)
        }
    }

    @Test func truncatedValidMessages() {
        let sample = Self.sample
        for length in 0...sample.count {
            self.exercise(Array(sample[0..<length]))
            // With the TC bit set the decoder is lenient about records; still no trap.
            var truncated = Array(sample[0..<length])
            if truncated.count > 2 { truncated[2] |= 0x02 }
            self.exercise(truncated)
        }
    }
}
