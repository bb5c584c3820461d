/// A resource record (RFC 1035 §4.1.3).
public struct DNSRecord: Sendable, Hashable, CustomStringConvertible {
    /// The owner name.
    public var name: DNSName
    /// The class; `IN` in practice.
    public var recordClass: RecordClass
    /// Seconds the record may be cached. The decoder reads values with the top bit set as 0
    /// (RFC 2181 §8).
    public var ttl: UInt32
    /// The typed data; its case determines ``type``.
    public var data: RecordData

    public init(name: DNSName, recordClass: RecordClass = .in, ttl: UInt32, data: RecordData) {
        self.name = name
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }

    /// The record type, from the data.
    public var type: RecordType { self.data.type }

    public var description: String { "\(self.name) \(self.ttl) \(self.recordClass) \(self.type) \(self.data)" }
}

/// The data of a resource record. Types without a case here keep their raw bytes.
public enum RecordData: Sendable, Hashable, CustomStringConvertible {
    /// An A record.
    case a(IPv4Address)
    /// An AAAA record (RFC 3596).
    case aaaa(IPv6Address)
    /// A CNAME record: the owner is an alias of this name.
    case cname(DNSName)
    /// An SRV record (RFC 2782).
    case srv(SRVData)
    /// An SOA record.
    case soa(SOAData)
    /// Any other type, with its data as received.
    case other(type: RecordType, data: [UInt8])

    /// The record type this data belongs to.
    public var type: RecordType {
        switch self {
        case .a: return .a
        case .aaaa: return .aaaa
        case .cname: return .cname
        case .srv: return .srv
        case .soa: return .soa
        case .other(let type, _): return type
        }
    }

    /// The address of an A or AAAA record.
    public var address: IPAddress? {
        switch self {
        case .a(let address): return .v4(address)
        case .aaaa(let address): return .v6(address)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .a(let address): return address.description
        case .aaaa(let address): return address.description
        case .cname(let name): return "\(name)."
        case .srv(let srv): return "\(srv.priority) \(srv.weight) \(srv.port) \(srv.target)."
        case .soa(let soa): return "\(soa.primaryServer). \(soa.responsible). \(soa.serial) ... \(soa.minimum)"
        case .other(_, let data): return "\\# \(data.count)"
        }
    }
}

/// SRV record data (RFC 2782).
public struct SRVData: Sendable, Hashable {
    /// Lower is preferred; clients use the lowest-priority group that works.
    public var priority: UInt16
    /// Relative weight within a priority group (0: chosen only when nothing else is available).
    public var weight: UInt16
    /// The service's port on the target.
    public var port: UInt16
    /// The host providing the service; the root name means "no service at this name".
    public var target: DNSName

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// SOA record data (RFC 1035 §3.3.13).
public struct SOAData: Sendable, Hashable {
    public var primaryServer: DNSName
    public var responsible: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// With the SOA record's own TTL, bounds how long a negative answer may be cached (RFC 2308 §5).
    public var minimum: UInt32

    public init(
        primaryServer: DNSName, responsible: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32,
        expire: UInt32, minimum: UInt32
    ) {
        self.primaryServer = primaryServer
        self.responsible = responsible
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}
