import NIOCore

/// Why bytes are not a valid DNS message. Decoding is total: any input either decodes or
/// throws this; nothing traps.
public struct DNSDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Sendable, Hashable {
        /// The message ends inside a header, name, record or record data.
        case truncated
        /// A label length byte with the reserved top bits `01` or `10`.
        case badLabelType
        /// A compression pointer that does not point strictly before the name it is part of
        /// (which is how loops are ruled out), or too many pointers in one name.
        case badPointer
        /// A name longer than 255 bytes once decompressed.
        case nameTooLong
        /// Record data whose length does not fit its type (an A record that is not 4 bytes...).
        case badRecordData
        /// An OPT pseudo-record that is not owned by the root, is repeated, or has bad options.
        case badOPT
    }

    public var reason: Reason
    /// The byte offset where the problem was found.
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "malformed DNS message (\(self.reason) at byte \(self.offset))" }
}

extension DNSMessage {
    /// Decodes a message.
    ///
    /// Names may be compressed anywhere (RFC 1035 §4.1.4) as long as every pointer points before
    /// the start of the name fragment that contains it; this always terminates and accepts what
    /// real servers send. When the TC bit is set, record sections are decoded as far as they go
    /// (a truncated response only matters for its header and question).
    /// - Throws: ``DNSDecodingError``.
    public init(decoding bytes: [UInt8]) throws {
        var reader = DNSReader(bytes: bytes)
        let id = try reader.readUInt16()
        let flags = try reader.readUInt16()
        let questionCount = try reader.readUInt16()
        let answerCount = try reader.readUInt16()
        let authorityCount = try reader.readUInt16()
        let additionalCount = try reader.readUInt16()

        self.init(
            id: id,
            isResponse: flags & 0x8000 != 0,
            opcode: UInt8(flags >> 11 & 0x0F),
            isAuthoritative: flags & 0x0400 != 0,
            isTruncated: flags & 0x0200 != 0,
            recursionDesired: flags & 0x0100 != 0,
            recursionAvailable: flags & 0x0080 != 0,
            authenticData: flags & 0x0020 != 0,
            checkingDisabled: flags & 0x0010 != 0,
            responseCode: ResponseCode(rawValue: flags & 0x000F)
        )

        for _ in 0..<questionCount {
            let name = try reader.readName()
            let type = RecordType(rawValue: try reader.readUInt16())
            let questionClass = RecordClass(rawValue: try reader.readUInt16())
            self.questions.append(DNSQuestion(name: name, type: type, questionClass: questionClass))
        }

        // Records go to locals first: a truncated message keeps the sections read so far.
        var sections: [[DNSRecord]] = [[], [], []]
        var edns: EDNS?
        var extendedResponseCode: UInt8 = 0
        do {
            for (section, count) in [answerCount, authorityCount, additionalCount].enumerated() {
                for _ in 0..<count {
                    switch try reader.readRecord() {
                    case .record(let record):
                        sections[section].append(record)
                    case .opt(let options, let extendedCode, let offset):
                        guard edns == nil else { throw DNSDecodingError(.badOPT, at: offset) }
                        edns = options
                        extendedResponseCode = extendedCode
                    }
                }
            }
        } catch let error as DNSDecodingError where self.isTruncated && error.reason == .truncated {
            // Keep what was decoded: the caller retries over TCP anyway.
        }
        self.answers = sections[0]
        self.authorities = sections[1]
        self.additionals = sections[2]
        self.edns = edns
        if edns != nil {
            self.responseCode.rawValue |= UInt16(extendedResponseCode) << 4
        }
    }

    /// Decodes a message from the readable bytes of `buffer` (which is not consumed).
    /// - Throws: ``DNSDecodingError``.
    public init(decoding buffer: ByteBuffer) throws {
        try self.init(decoding: Array(buffer.readableBytesView))
    }
}

/// A bounds-checked cursor over a whole message (names may point anywhere before them).
struct DNSReader {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The most pointers followed in one name; 127 already exceeds any valid 255-byte name.
    static let maximumPointers = 127

    mutating func readUInt8() throws -> UInt8 {
        guard self.position < self.bytes.count else { throw DNSDecodingError(.truncated, at: self.position) }
        defer { self.position += 1 }
        return self.bytes[self.position]
    }

    mutating func readUInt16() throws -> UInt16 {
        guard self.bytes.count - self.position >= 2 else { throw DNSDecodingError(.truncated, at: self.position) }
        defer { self.position += 2 }
        return UInt16(self.bytes[self.position]) << 8 | UInt16(self.bytes[self.position + 1])
    }

    mutating func readUInt32() throws -> UInt32 {
        guard self.bytes.count - self.position >= 4 else { throw DNSDecodingError(.truncated, at: self.position) }
        defer { self.position += 4 }
        return self.bytes[self.position..<self.position + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func readBytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, self.bytes.count - self.position >= count else {
            throw DNSDecodingError(.truncated, at: self.position)
        }
        defer { self.position += count }
        return Array(self.bytes[self.position..<self.position + count])
    }

    /// Reads a possibly compressed name; the cursor ends after the name's bytes at this place
    /// (after the first pointer, if any).
    mutating func readName() throws -> DNSName {
        var labels: [[UInt8]] = []
        var wireLength = 1
        var cursor = self.position
        // Start of the fragment being read: every pointer must target strictly before it, so
        // fragment starts strictly decrease and decompression terminates.
        var fragmentStart = self.position
        var resumePosition: Int?
        var pointers = 0
        while true {
            guard cursor < self.bytes.count else { throw DNSDecodingError(.truncated, at: cursor) }
            let length = self.bytes[cursor]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    self.position = resumePosition ?? cursor + 1
                    return try Self.makeName(labels, at: fragmentStart)
                }
                let count = Int(length)
                guard self.bytes.count - (cursor + 1) >= count else {
                    throw DNSDecodingError(.truncated, at: cursor)
                }
                wireLength += count + 1
                guard wireLength <= DNSName.maximumWireLength else {
                    throw DNSDecodingError(.nameTooLong, at: cursor)
                }
                labels.append(Array(self.bytes[(cursor + 1)..<(cursor + 1 + count)]))
                cursor += 1 + count
            case 0xC0:
                guard cursor + 1 < self.bytes.count else { throw DNSDecodingError(.truncated, at: cursor) }
                let target = Int(length & 0x3F) << 8 | Int(self.bytes[cursor + 1])
                pointers += 1
                guard target < fragmentStart, pointers <= Self.maximumPointers else {
                    throw DNSDecodingError(.badPointer, at: cursor)
                }
                if resumePosition == nil { resumePosition = cursor + 2 }
                fragmentStart = target
                cursor = target
            default:
                throw DNSDecodingError(.badLabelType, at: cursor)
            }
        }
    }

    private static func makeName(_ labels: [[UInt8]], at offset: Int) throws -> DNSName {
        do {
            return try DNSName(labels: labels)
        } catch {
            // Unreachable given the checks above; mapped rather than trapped all the same.
            throw DNSDecodingError(.nameTooLong, at: offset)
        }
    }

    /// What ``readRecord()`` found.
    enum RecordOrOPT {
        case record(DNSRecord)
        /// The OPT pseudo-record: EDNS parameters, the upper response-code bits, its offset.
        case opt(EDNS, UInt8, Int)
    }

    /// Reads one resource record, or the OPT pseudo-record.
    mutating func readRecord() throws -> RecordOrOPT {
        let recordStart = self.position
        let name = try self.readName()
        let type = RecordType(rawValue: try self.readUInt16())
        let recordClass = RecordClass(rawValue: try self.readUInt16())
        let rawTTL = try self.readUInt32()
        let dataLength = Int(try self.readUInt16())
        let dataStart = self.position
        guard self.bytes.count - dataStart >= dataLength else { throw DNSDecodingError(.truncated, at: dataStart) }
        let dataEnd = dataStart + dataLength
        defer { self.position = dataEnd }

        if type == .opt {
            guard name.isRoot else { throw DNSDecodingError(.badOPT, at: recordStart) }
            let edns = try self.readOPT(payloadSize: recordClass.rawValue, flags: rawTTL, end: dataEnd)
            return .opt(edns, UInt8(rawTTL >> 24), recordStart)
        }

        let data: RecordData
        switch type {
        case .a:
            guard dataLength == 4, let address = IPv4Address(bytes: self.bytes[dataStart..<dataEnd]) else {
                throw DNSDecodingError(.badRecordData, at: dataStart)
            }
            data = .a(address)
        case .aaaa:
            guard dataLength == 16, let address = IPv6Address(bytes: self.bytes[dataStart..<dataEnd]) else {
                throw DNSDecodingError(.badRecordData, at: dataStart)
            }
            data = .aaaa(address)
        case .cname:
            data = .cname(try self.readNameInData(end: dataEnd))
            try self.requirePosition(dataEnd, dataStart)
        case .srv:
            guard dataLength >= 7 else { throw DNSDecodingError(.badRecordData, at: dataStart) }
            let priority = try self.readUInt16()
            let weight = try self.readUInt16()
            let port = try self.readUInt16()
            let target = try self.readNameInData(end: dataEnd)
            try self.requirePosition(dataEnd, dataStart)
            data = .srv(SRVData(priority: priority, weight: weight, port: port, target: target))
        case .soa:
            let primary = try self.readNameInData(end: dataEnd)
            let responsible = try self.readNameInData(end: dataEnd)
            guard dataEnd - self.position == 20 else { throw DNSDecodingError(.badRecordData, at: self.position) }
            data = .soa(
                SOAData(
                    primaryServer: primary, responsible: responsible, serial: try self.readUInt32(),
                    refresh: try self.readUInt32(), retry: try self.readUInt32(), expire: try self.readUInt32(),
                    minimum: try self.readUInt32()
                )
            )
        default:
            data = .other(type: type, data: Array(self.bytes[dataStart..<dataEnd]))
        }
        // RFC 2181 §8: a TTL with the top bit set is treated as zero.
        let ttl = rawTTL & 0x8000_0000 != 0 ? 0 : rawTTL
        return .record(DNSRecord(name: name, recordClass: recordClass, ttl: ttl, data: data))
    }

    /// Data holding names must be exactly as long as declared.
    private func requirePosition(_ end: Int, _ dataStart: Int) throws {
        guard self.position == end else { throw DNSDecodingError(.badRecordData, at: dataStart) }
    }

    /// A name inside record data: its uncompressed part must end within the data.
    private mutating func readNameInData(end: Int) throws -> DNSName {
        let start = self.position
        let name = try self.readName()
        guard self.position <= end else { throw DNSDecodingError(.badRecordData, at: start) }
        return name
    }

    private mutating func readOPT(payloadSize: UInt16, flags: UInt32, end: Int) throws -> EDNS {
        var options: [EDNSOption] = []
        while self.position < end {
            guard end - self.position >= 4 else { throw DNSDecodingError(.badOPT, at: self.position) }
            let code = try self.readUInt16()
            let length = Int(try self.readUInt16())
            guard end - self.position >= length else { throw DNSDecodingError(.badOPT, at: self.position) }
            options.append(EDNSOption(code: code, data: try self.readBytes(length)))
        }
        return EDNS(
            udpPayloadSize: payloadSize, version: UInt8(flags >> 16 & 0xFF), dnssecOK: flags & 0x8000 != 0,
            options: options
        )
    }
}
