/// A resource record type (RFC 1035 §3.2.2); unknown types keep their number.
public struct RecordType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// IPv4 address (RFC 1035).
    public static let a = RecordType(rawValue: 1)
    /// Authoritative name server.
    public static let ns = RecordType(rawValue: 2)
    /// Canonical name (alias).
    public static let cname = RecordType(rawValue: 5)
    /// Start of authority (its minimum field sets negative-caching TTLs, RFC 2308).
    public static let soa = RecordType(rawValue: 6)
    /// Domain name pointer.
    public static let ptr = RecordType(rawValue: 12)
    /// Mail exchange.
    public static let mx = RecordType(rawValue: 15)
    /// Text strings.
    public static let txt = RecordType(rawValue: 16)
    /// IPv6 address (RFC 3596).
    public static let aaaa = RecordType(rawValue: 28)
    /// Service location (RFC 2782).
    public static let srv = RecordType(rawValue: 33)
    /// EDNS(0) pseudo-record (RFC 6891); decoded into ``DNSMessage/edns``, never a record.
    public static let opt = RecordType(rawValue: 41)

    public var description: String {
        switch self {
        case .a: return "A"
        case .ns: return "NS"
        case .cname: return "CNAME"
        case .soa: return "SOA"
        case .ptr: return "PTR"
        case .mx: return "MX"
        case .txt: return "TXT"
        case .aaaa: return "AAAA"
        case .srv: return "SRV"
        case .opt: return "OPT"
        default: return "TYPE\(self.rawValue)"
        }
    }
}

/// A resource record class; only `IN` is used here.
public struct RecordClass: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The Internet class.
    public static let `in` = RecordClass(rawValue: 1)

    public var description: String { self == .in ? "IN" : "CLASS\(self.rawValue)" }
}

/// A response code: the header's 4 bits, extended to 12 by EDNS(0) (RFC 6891 §6.1.3).
public struct ResponseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// No error.
    public static let noError = ResponseCode(rawValue: 0)
    /// FORMERR: the server could not interpret the query.
    public static let formatError = ResponseCode(rawValue: 1)
    /// SERVFAIL: the server failed to answer (often upstream trouble; transient).
    public static let serverFailure = ResponseCode(rawValue: 2)
    /// NXDOMAIN: the name does not exist.
    public static let nameError = ResponseCode(rawValue: 3)
    /// NOTIMP: the query kind is not supported.
    public static let notImplemented = ResponseCode(rawValue: 4)
    /// REFUSED: policy refusal.
    public static let refused = ResponseCode(rawValue: 5)
    /// BADVERS: unsupported EDNS version.
    public static let badVersion = ResponseCode(rawValue: 16)

    public var description: String {
        switch self {
        case .noError: return "NOERROR"
        case .formatError: return "FORMERR"
        case .serverFailure: return "SERVFAIL"
        case .nameError: return "NXDOMAIN"
        case .notImplemented: return "NOTIMP"
        case .refused: return "REFUSED"
        case .badVersion: return "BADVERS"
        default: return "RCODE\(self.rawValue)"
        }
    }
}
