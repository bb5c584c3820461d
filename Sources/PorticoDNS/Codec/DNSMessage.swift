/// A DNS message (RFC 1035 §4.1), query or response.
///
/// Decode with ``init(decoding:)``, encode with ``encoded(compressingNames:)``; build a
/// stub-resolver query with ``query(name:type:id:recursionDesired:udpPayloadSize:)``.
public struct DNSMessage: Sendable, Hashable {
    /// Matches a response to its query.
    public var id: UInt16
    /// QR: set in responses.
    public var isResponse: Bool
    /// The operation; 0 is a standard query.
    public var opcode: UInt8
    /// AA: the answer comes from an authoritative server.
    public var isAuthoritative: Bool
    /// TC: the message was cut to fit a UDP datagram; ask again over TCP.
    public var isTruncated: Bool
    /// RD: the client asks the server to resolve recursively.
    public var recursionDesired: Bool
    /// RA: the server offers recursion.
    public var recursionAvailable: Bool
    /// AD (RFC 4035): the data was validated by the server.
    public var authenticData: Bool
    /// CD (RFC 4035): the client asks the server not to validate.
    public var checkingDisabled: Bool
    /// The response code, 12 bits when ``edns`` is present (the upper 8 bits travel in OPT).
    public var responseCode: ResponseCode
    /// Questions; exactly one in practice.
    public var questions: [DNSQuestion]
    /// The answer section.
    public var answers: [DNSRecord]
    /// The authority section (an SOA here gives the negative-caching TTL).
    public var authorities: [DNSRecord]
    /// The additional section, without the OPT pseudo-record (see ``edns``).
    public var additionals: [DNSRecord]
    /// EDNS(0) parameters from the OPT pseudo-record, if the message has one.
    public var edns: EDNS?

    public init(
        id: UInt16, isResponse: Bool = false, opcode: UInt8 = 0, isAuthoritative: Bool = false,
        isTruncated: Bool = false, recursionDesired: Bool = false, recursionAvailable: Bool = false,
        authenticData: Bool = false, checkingDisabled: Bool = false, responseCode: ResponseCode = .noError,
        questions: [DNSQuestion] = [], answers: [DNSRecord] = [], authorities: [DNSRecord] = [],
        additionals: [DNSRecord] = [], edns: EDNS? = nil
    ) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.isAuthoritative = isAuthoritative
        self.isTruncated = isTruncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.responseCode = responseCode
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
        self.edns = edns
    }

    /// The UDP payload size advertised in queries by default: 1232 bytes fits the IPv6
    /// minimum MTU without fragmentation (DNS Flag Day 2020).
    public static let defaultUDPPayloadSize: UInt16 = 1232

    /// A recursive query for one question, with a random id from the system's CSPRNG.
    ///
    /// - Parameters:
    ///   - udpPayloadSize: adds an EDNS(0) OPT record advertising this size; `nil` sends a
    ///     plain RFC 1035 query (answers above 512 bytes then arrive truncated).
    public static func query(
        name: DNSName, type: RecordType, id: UInt16 = .random(in: .min ... .max), recursionDesired: Bool = true,
        udpPayloadSize: UInt16? = DNSMessage.defaultUDPPayloadSize
    ) -> DNSMessage {
        DNSMessage(
            id: id, recursionDesired: recursionDesired,
            questions: [DNSQuestion(name: name, type: type)],
            edns: udpPayloadSize.map { EDNS(udpPayloadSize: $0) }
        )
    }
}

/// A question: name, type and class.
public struct DNSQuestion: Sendable, Hashable, CustomStringConvertible {
    public var name: DNSName
    public var type: RecordType
    public var questionClass: RecordClass

    public init(name: DNSName, type: RecordType, questionClass: RecordClass = .in) {
        self.name = name
        self.type = type
        self.questionClass = questionClass
    }

    public var description: String { "\(self.name). \(self.questionClass) \(self.type)" }
}

/// EDNS(0) parameters (RFC 6891) carried by the OPT pseudo-record.
public struct EDNS: Sendable, Hashable {
    /// The largest UDP payload the sender can receive (values below 512 mean 512).
    public var udpPayloadSize: UInt16
    /// EDNS version; 0.
    public var version: UInt8
    /// DO: the sender wants DNSSEC records.
    public var dnssecOK: Bool
    /// Options (code, data) in order.
    public var options: [EDNSOption]

    public init(udpPayloadSize: UInt16, version: UInt8 = 0, dnssecOK: Bool = false, options: [EDNSOption] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }
}

/// One EDNS option, kept opaque.
public struct EDNSOption: Sendable, Hashable {
    public var code: UInt16
    public var data: [UInt8]

    public init(code: UInt16, data: [UInt8]) {
        self.code = code
        self.data = data
    }
}
