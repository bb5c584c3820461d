import PorticoDNS
import Testing

/// A header with the given counts (id 0x1234, QR set).
private func header(qd: UInt16 = 0, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0, flags: UInt16 = 0x8180) -> [UInt8] {
    [0x12, 0x34] + [flags, qd, an, ns, ar].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
}

private func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
private func u32(_ value: UInt32) -> [UInt8] { u16(UInt16(value >> 16)) + u16(UInt16(value & 0xFFFF)) }

/// `example.com` in wire form.
private let exampleCom: [UInt8] = [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]

/// A question for example.com A at offset 12, then one answer whose data is `rdata`.
private func response(type: UInt16, rdata: [UInt8], rdlength: UInt16? = nil) -> [UInt8] {
    header(qd: 1, an: 1) + exampleCom + u16(1) + u16(1)
        + [0xC0, 0x0C] + u16(type) + u16(1) + u32(300) + u16(rdlength ?? UInt16(rdata.count)) + rdata
}

private func decodingError(_ bytes: [UInt8]) -> DNSDecodingError.Reason? {
    do {
        _ = try DNSMessage(decoding: bytes)
        return nil
    } catch let error as DNSDecodingError {
        return error.reason
    } catch {
        return nil
    }
}

struct DNSMessageCodecTests {
    @Test func buildsAStubQuery() throws {
        let query = DNSMessage.query(name: name("users.svc.local"), type: .srv, id: 0xBEEF)
        let bytes = query.encoded()
        #expect(
            Array(bytes[0..<12]) == [0xBE, 0xEF, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]
        )
        let question: [UInt8] = [5] + Array("users".utf8) + [3] + Array("svc".utf8) + [5] + Array("local".utf8) + [0]
        #expect(Array(bytes[12..<(12 + question.count)]) == question)
        #expect(
            Array(bytes[(12 + question.count)...]) == u16(33) + u16(1) + [0] + u16(41) + u16(1232) + u32(0) + u16(0))

        let plain = DNSMessage.query(name: name("a.b"), type: .a, id: 1, udpPayloadSize: nil)
        #expect(plain.encoded().count == 12 + 5 + 4)
        #expect(plain.edns == nil)
    }

    @Test func queryIdsAreRandom() {
        let ids = Set((0..<64).map { _ in DNSMessage.query(name: name("a"), type: .a).id })
        #expect(ids.count > 50)
    }

    @Test func roundTripsEveryRecordKind() throws {
        let soa = SOAData(
            primaryServer: name("ns1.example.com"), responsible: name("hostmaster.example.com"), serial: 2024,
            refresh: 7200, retry: 900, expire: 1_209_600, minimum: 30
        )
        let message = DNSMessage(
            id: 0xABCD, isResponse: true, opcode: 0, isAuthoritative: true, isTruncated: false,
            recursionDesired: true, recursionAvailable: true, authenticData: true, checkingDisabled: false,
            responseCode: .noError,
            questions: [DNSQuestion(name: name("_http._tcp.Example.com"), type: .srv)],
            answers: [
                srvRecord("_http._tcp.example.com", priority: 1, weight: 10, port: 8080, target: "a.example.com"),
                srvRecord("_http._tcp.example.com", priority: 2, weight: 0, port: 8081, target: "b.example.com"),
                cnameRecord("www.example.com", "a.example.com", ttl: 5),
            ],
            authorities: [DNSRecord(name: name("example.com"), ttl: 3600, data: .soa(soa))],
            additionals: [
                aRecord("a.example.com", "192.0.2.1"),
                aaaaRecord("a.example.com", "2001:db8::1"),
                DNSRecord(name: name("example.com"), ttl: 1, data: .other(type: .txt, data: [3, 0x61, 0x62, 0x63])),
            ],
            edns: EDNS(udpPayloadSize: 4096, version: 0, dnssecOK: true, options: [EDNSOption(code: 10, data: [1, 2])])
        )
        for compressing in [true, false] {
            let decoded = try DNSMessage(decoding: message.encoded(compressingNames: compressing))
            #expect(decoded == message)
            #expect(decoded.questions[0].name.description == "_http._tcp.Example.com")
        }
        #expect(message.encoded(compressingNames: true).count < message.encoded(compressingNames: false).count)
    }

    @Test func compressesOwnerNamesToTheQuestion() throws {
        let message = DNSMessage(
            id: 1, isResponse: true, questions: [DNSQuestion(name: name("example.com"), type: .a)],
            answers: [aRecord("example.com", "1.2.3.4"), aRecord("EXAMPLE.com", "1.2.3.5")]
        )
        let bytes = message.encoded()
        let firstAnswer = 12 + exampleCom.count + 4
        #expect(Array(bytes[firstAnswer..<firstAnswer + 2]) == [0xC0, 0x0C])
        let decoded = try DNSMessage(decoding: bytes)
        #expect(decoded.answers.map(\.data) == [.a(IPv4Address(1, 2, 3, 4)), .a(IPv4Address(1, 2, 3, 5))])
    }

    @Test func srvTargetsAreWrittenInFull() throws {
        let message = DNSMessage(
            id: 1, isResponse: true, questions: [DNSQuestion(name: name("example.com"), type: .srv)],
            answers: [srvRecord("example.com", port: 80, target: "example.com")]
        )
        let bytes = message.encoded()
        // The target repeats example.com's bytes instead of pointing at offset 12.
        #expect(Array(bytes.suffix(exampleCom.count)) == exampleCom)
    }

    @Test func decodesAHandWrittenResponse() throws {
        let bytes = response(type: 1, rdata: [93, 184, 216, 34])
        let message = try DNSMessage(decoding: bytes)
        #expect(message.id == 0x1234)
        #expect(message.isResponse && message.recursionDesired && message.recursionAvailable)
        #expect(!message.isTruncated)
        #expect(message.responseCode == .noError)
        #expect(message.questions == [DNSQuestion(name: name("example.com"), type: .a)])
        #expect(message.answers == [aRecord("example.com", "93.184.216.34", ttl: 300)])
    }

    @Test func decodesResponseCodesAndExtendedCodes() throws {
        var nx = header(qd: 1, flags: 0x8183) + exampleCom + u16(1) + u16(1)
        #expect(try DNSMessage(decoding: nx).responseCode == .nameError)
        nx[3] = 0x82
        #expect(try DNSMessage(decoding: nx).responseCode == .serverFailure)

        // BADVERS (16): header code 0, OPT carries the upper bits (1 << 4).
        let badVersion = DNSMessage(id: 9, isResponse: true, responseCode: .badVersion, edns: EDNS(udpPayloadSize: 512))
        let encoded = badVersion.encoded()
        #expect(encoded[3] & 0x0F == 0)
        #expect(try DNSMessage(decoding: encoded).responseCode == .badVersion)
    }

    @Test func treatsTTLsWithTheTopBitAsZero() throws {
        var bytes = response(type: 1, rdata: [1, 2, 3, 4])
        let ttlOffset = 12 + exampleCom.count + 4 + 2 + 4
        bytes.replaceSubrange(ttlOffset..<ttlOffset + 4, with: u32(0x8000_0001))
        #expect(try DNSMessage(decoding: bytes).answers[0].ttl == 0)
    }

    @Test func keepsUnknownTypesOpaque() throws {
        let bytes = response(type: 99, rdata: [9, 8, 7])
        #expect(
            try DNSMessage(decoding: bytes).answers[0].data == .other(type: RecordType(rawValue: 99), data: [9, 8, 7]))
    }

    @Test func truncatedResponsesKeepWhatDecodes() throws {
        // TC set, two answers announced, the second cut off.
        var bytes = header(qd: 1, an: 2, flags: 0x8380) + exampleCom + u16(1) + u16(1)
        bytes += [0xC0, 0x0C] + u16(1) + u16(1) + u32(60) + u16(4) + [1, 1, 1, 1]
        bytes += [0xC0, 0x0C] + u16(1) + u16(1)
        let message = try DNSMessage(decoding: bytes)
        #expect(message.isTruncated)
        #expect(message.answers.count == 1)
        // Without TC the same bytes are an error.
        bytes[2] = 0x81
        #expect(decodingError(bytes) == .truncated)
    }

    // MARK: - Malformed input

    @Test func rejectsEveryStrictPrefix() throws {
        let message = DNSMessage(
            id: 7, isResponse: true, questions: [DNSQuestion(name: name("svc.example.com"), type: .srv)],
            answers: [srvRecord("svc.example.com", port: 443, target: "a.example.com")],
            authorities: [
                DNSRecord(
                    name: name("example.com"), ttl: 60,
                    data: .soa(
                        SOAData(
                            primaryServer: name("ns.example.com"), responsible: name("h.example.com"), serial: 1,
                            refresh: 2, retry: 3, expire: 4, minimum: 5
                        )
                    )
                )
            ],
            additionals: [aRecord("a.example.com", "10.0.0.1"), aaaaRecord("a.example.com", "fd00::1")],
            edns: EDNS(udpPayloadSize: 1232)
        )
        let bytes = message.encoded()
        #expect(try DNSMessage(decoding: bytes) == message)
        for length in 0..<bytes.count {
            #expect(decodingError(Array(bytes[0..<length])) != nil, "prefix of \(length) bytes decoded")
        }
    }

    @Test func rejectsPointerLoops() {
        // The question name is a pointer to itself.
        #expect(decodingError(header(qd: 1) + [0xC0, 0x0C] + u16(1) + u16(1)) == .badPointer)
        // A label, then a pointer back to that label: a loop through the label.
        #expect(decodingError(header(qd: 1) + [1, 0x61, 0xC0, 0x0C] + u16(1) + u16(1)) == .badPointer)
        // A forward pointer.
        #expect(decodingError(header(qd: 1) + [0xC0, 0x0E, 0x00] + u16(1) + u16(1)) == .badPointer)
        // Two names pointing at each other: the first points forward to the second.
        var mutual = header(qd: 2) + [0xC0, 0x12] + u16(1) + u16(1)
        mutual += [0xC0, 0x0C] + u16(1) + u16(1)
        #expect(decodingError(mutual) == .badPointer)
        // A pointer past the end.
        #expect(decodingError(header(qd: 1) + [0xFF, 0xFF]) == .badPointer)
        // A pointer cut in half.
        #expect(decodingError(header(qd: 1) + [0xC0]) == .truncated)
    }

    @Test func limitsPointerChains() {
        // Question 0 is the root at offset 12; question k's name is a pointer to question
        // k-1's, so decoding question k follows k pointers, each strictly backwards.
        var bytes = header(qd: 201) + [0] + u16(1) + u16(1)
        var previous = 12
        for _ in 1...200 {
            let start = bytes.count
            bytes += [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xFF)] + u16(1) + u16(1)
            previous = start
        }
        #expect(decodingError(bytes) == .badPointer)
        // 127 pointers in one name are still accepted.
        var accepted = header(qd: 128) + [0] + u16(1) + u16(1)
        previous = 12
        for _ in 1...127 {
            let start = accepted.count
            accepted += [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xFF)] + u16(1) + u16(1)
            previous = start
        }
        #expect(decodingError(accepted) == nil)
    }

    @Test func rejectsOverlongDecompressedNames() {
        // Four 63-byte labels reached through pointers: 257 bytes once decompressed.
        let label = [63] + [UInt8](repeating: 0x78, count: 63)
        var bytes = header(qd: 4) + label + [0] + u16(1) + u16(1)
        var previous = 12
        for _ in 0..<3 {
            let start = bytes.count
            bytes += label + [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xFF)] + u16(1) + u16(1)
            previous = start
        }
        #expect(decodingError(bytes) == .nameTooLong)
    }

    @Test func rejectsReservedLabelTypes() {
        #expect(decodingError(header(qd: 1) + [0x40, 0x00] + u16(1) + u16(1)) == .badLabelType)
        #expect(decodingError(header(qd: 1) + [0x80, 0x00] + u16(1) + u16(1)) == .badLabelType)
    }

    @Test func rejectsRecordDataOfTheWrongLength() {
        #expect(decodingError(response(type: 1, rdata: [1, 2, 3, 4, 5])) == .badRecordData)
        #expect(decodingError(response(type: 1, rdata: [1, 2, 3])) == .badRecordData)
        #expect(decodingError(response(type: 28, rdata: [1, 2, 3, 4])) == .badRecordData)
        #expect(decodingError(response(type: 33, rdata: [0, 1, 0, 1, 0, 80])) == .badRecordData)
        // A CNAME whose name runs past the declared length.
        #expect(decodingError(response(type: 5, rdata: exampleCom, rdlength: 3)) == .badRecordData)
        // A CNAME followed by junk inside its data.
        #expect(decodingError(response(type: 5, rdata: [0xC0, 0x0C, 0xFF])) == .badRecordData)
        // SRV with trailing bytes after the target.
        #expect(decodingError(response(type: 33, rdata: u16(1) + u16(1) + u16(80) + [0, 0])) == .badRecordData)
        // SOA with missing counters.
        #expect(decodingError(response(type: 6, rdata: [0, 0] + u32(1))) == .badRecordData)
        // Declared data length beyond the end.
        #expect(decodingError(response(type: 1, rdata: [1, 2, 3, 4], rdlength: 40)) == .truncated)
    }

    @Test func rejectsBadOPTRecords() throws {
        let opt: [UInt8] = [0] + u16(41) + u16(1232) + u32(0) + u16(0)
        #expect(decodingError(header(ar: 2) + opt + opt) == .badOPT)
        #expect(decodingError(header(ar: 1) + [1, 0x61, 0] + u16(41) + u16(1232) + u32(0) + u16(0)) == .badOPT)
        // An option claiming 10 bytes with 2 present.
        let badOption: [UInt8] = [0] + u16(41) + u16(1232) + u32(0) + u16(6) + u16(10) + u16(10) + [1, 2]
        #expect(decodingError(header(ar: 1) + badOption) == .badOPT)
        #expect(try DNSMessage(decoding: header(ar: 1) + opt).edns == EDNS(udpPayloadSize: 1232))
    }
}
