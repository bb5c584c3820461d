import NIOCore

extension DNSMessage {
    /// The wire form of the message.
    ///
    /// With `compressingNames`, owner and question names and the names inside CNAME and SOA data
    /// point back to earlier copies of their suffixes (RFC 1035 §4.1.4); SRV targets are written
    /// in full, as RFC 2782 requires. ``edns`` becomes an OPT record at the end of the additional
    /// section and carries the upper bits of ``responseCode``. Section counts above 65535 are a
    /// programmer error.
    public func encoded(compressingNames: Bool = true) -> [UInt8] {
        var writer = DNSWriter(compressing: compressingNames)
        writer.writeUInt16(self.id)
        var flags: UInt16 = 0
        if self.isResponse { flags |= 0x8000 }
        flags |= UInt16(self.opcode & 0x0F) << 11
        if self.isAuthoritative { flags |= 0x0400 }
        if self.isTruncated { flags |= 0x0200 }
        if self.recursionDesired { flags |= 0x0100 }
        if self.recursionAvailable { flags |= 0x0080 }
        if self.authenticData { flags |= 0x0020 }
        if self.checkingDisabled { flags |= 0x0010 }
        flags |= self.responseCode.rawValue & 0x000F
        writer.writeUInt16(flags)
        writer.writeUInt16(UInt16(self.questions.count))
        writer.writeUInt16(UInt16(self.answers.count))
        writer.writeUInt16(UInt16(self.authorities.count))
        writer.writeUInt16(UInt16(self.additionals.count + (self.edns == nil ? 0 : 1)))
        for question in self.questions {
            writer.writeName(question.name, compress: true)
            writer.writeUInt16(question.type.rawValue)
            writer.writeUInt16(question.questionClass.rawValue)
        }
        for record in self.answers { writer.writeRecord(record) }
        for record in self.authorities { writer.writeRecord(record) }
        for record in self.additionals { writer.writeRecord(record) }
        if let edns = self.edns {
            writer.writeUInt8(0)  // root owner
            writer.writeUInt16(RecordType.opt.rawValue)
            writer.writeUInt16(edns.udpPayloadSize)
            var ttl = UInt32(self.responseCode.rawValue >> 4 & 0xFF) << 24 | UInt32(edns.version) << 16
            if edns.dnssecOK { ttl |= 0x8000 }
            writer.writeUInt32(ttl)
            writer.withLengthPrefix { writer in
                for option in edns.options {
                    writer.writeUInt16(option.code)
                    writer.writeUInt16(UInt16(option.data.count))
                    writer.bytes.append(contentsOf: option.data)
                }
            }
        }
        return writer.bytes
    }

    /// The wire form in a `ByteBuffer`.
    public func encodedBuffer(compressingNames: Bool = true) -> ByteBuffer {
        ByteBuffer(bytes: self.encoded(compressingNames: compressingNames))
    }
}

/// Appends wire-format fields, remembering where each name suffix was written for compression.
struct DNSWriter {
    var bytes: [UInt8] = []
    let compressing: Bool
    /// Lower-cased suffix (as labels) → offset of its first copy. Only offsets that fit a
    /// 14-bit pointer are kept.
    private var suffixes: [[[UInt8]]: Int] = [:]

    init(compressing: Bool) {
        self.compressing = compressing
        self.bytes.reserveCapacity(512)
    }

    mutating func writeUInt8(_ value: UInt8) {
        self.bytes.append(value)
    }

    mutating func writeUInt16(_ value: UInt16) {
        self.bytes.append(UInt8(value >> 8))
        self.bytes.append(UInt8(value & 0xFF))
    }

    mutating func writeUInt32(_ value: UInt32) {
        self.writeUInt16(UInt16(value >> 16))
        self.writeUInt16(UInt16(value & 0xFFFF))
    }

    /// Writes `name`, ending in a pointer to an earlier copy of its longest known suffix when
    /// `compress` is on (and compression is enabled).
    mutating func writeName(_ name: DNSName, compress: Bool) {
        let lowered = name.labels.map { $0.map(asciiLower) }
        for index in lowered.indices {
            let suffix = Array(lowered[index...])
            if self.compressing, compress, let offset = self.suffixes[suffix] {
                self.writeUInt16(0xC000 | UInt16(offset))
                return
            }
            if self.compressing, self.bytes.count < 0x4000, self.suffixes[suffix] == nil {
                self.suffixes[suffix] = self.bytes.count
            }
            let label = name.labels[index]
            self.bytes.append(UInt8(label.count))
            self.bytes.append(contentsOf: label)
        }
        self.bytes.append(0)
    }

    /// Writes a 16-bit length, then whatever `body` writes, then patches the length.
    mutating func withLengthPrefix(_ body: (inout DNSWriter) -> Void) {
        let lengthOffset = self.bytes.count
        self.writeUInt16(0)
        body(&self)
        let length = self.bytes.count - lengthOffset - 2
        self.bytes[lengthOffset] = UInt8(length >> 8 & 0xFF)
        self.bytes[lengthOffset + 1] = UInt8(length & 0xFF)
    }

    mutating func writeRecord(_ record: DNSRecord) {
        self.writeName(record.name, compress: true)
        self.writeUInt16(record.type.rawValue)
        self.writeUInt16(record.recordClass.rawValue)
        self.writeUInt32(record.ttl)
        self.withLengthPrefix { writer in
            switch record.data {
            case .a(let address):
                writer.bytes.append(contentsOf: address.bytes)
            case .aaaa(let address):
                writer.bytes.append(contentsOf: address.bytes)
            case .cname(let name):
                writer.writeName(name, compress: true)
            case .srv(let srv):
                writer.writeUInt16(srv.priority)
                writer.writeUInt16(srv.weight)
                writer.writeUInt16(srv.port)
                writer.writeName(srv.target, compress: false)
            case .soa(let soa):
                writer.writeName(soa.primaryServer, compress: true)
                writer.writeName(soa.responsible, compress: true)
                writer.writeUInt32(soa.serial)
                writer.writeUInt32(soa.refresh)
                writer.writeUInt32(soa.retry)
                writer.writeUInt32(soa.expire)
                writer.writeUInt32(soa.minimum)
            case .other(_, let data):
                writer.bytes.append(contentsOf: data)
            }
        }
    }
}
