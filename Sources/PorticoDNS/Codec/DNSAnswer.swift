/// The answer to one question, with CNAME chains already followed.
public struct DNSAnswer: Sendable, Hashable {
    /// The name that was asked for (after search-domain expansion).
    public var name: DNSName
    /// Where the CNAME chain in the answer ended (``name`` when there was none).
    public var canonicalName: DNSName
    /// The type asked for.
    public var type: RecordType
    /// The records of ``type`` owned by ``canonicalName``; empty means the name exists but has
    /// no such records (NODATA).
    public var records: [DNSRecord]
    /// A and AAAA records from the additional section (addresses of SRV targets, when the
    /// server sends them).
    public var additionalRecords: [DNSRecord]
    /// How long this answer may be used, in seconds: the minimum TTL of ``records`` and of the
    /// CNAMEs leading to them. For NODATA, the negative-caching TTL of the authority section's
    /// SOA (the smaller of its TTL and minimum field, RFC 2308 §5; 0 without one), capped by the CNAMEs.
    public var ttl: UInt32

    public init(
        name: DNSName, canonicalName: DNSName? = nil, type: RecordType, records: [DNSRecord],
        additionalRecords: [DNSRecord] = [], ttl: UInt32
    ) {
        self.name = name
        self.canonicalName = canonicalName ?? name
        self.type = type
        self.records = records
        self.additionalRecords = additionalRecords
        self.ttl = ttl
    }

    /// The addresses of the A and AAAA records, in answer order.
    public var addresses: [IPAddress] { self.records.compactMap(\.data.address) }

    /// The data of the SRV records, in answer order.
    public var services: [SRVData] {
        self.records.compactMap { record in
            if case .srv(let srv) = record.data { return srv }
            return nil
        }
    }

    /// The addresses that the additional section gives for `host`.
    public func additionalAddresses(for host: DNSName) -> [DNSRecord] {
        self.additionalRecords.filter { $0.name == host && $0.data.address != nil }
    }
}

extension DNSMessage {
    /// The longest CNAME chain followed; longer chains are treated as loops.
    public static let maximumCNAMEChain = 16

    /// Extracts the answer to `question` from this response, following CNAMEs within the
    /// answer section (records owned by other names are ignored, which also drops anything a
    /// server adds out of bailiwick). Does not look at the response code.
    /// - Throws: ``DNSResolutionError/cnameLoop(_:)`` for a CNAME loop or an overlong chain.
    public func answer(to question: DNSQuestion) throws -> DNSAnswer {
        var current = question.name
        var visited: Set<DNSName> = [current]
        var ttl = UInt32.max
        let relevant = self.answers.filter { $0.recordClass == question.questionClass }
        var records = relevant.filter { $0.name == current && $0.type == question.type }
        // A CNAME question is answered by the CNAME itself, never chased.
        while records.isEmpty, question.type != .cname,
            let alias = relevant.first(where: { $0.name == current && $0.type == .cname }),
            case .cname(let target) = alias.data
        {
            guard visited.count <= Self.maximumCNAMEChain, visited.insert(target).inserted else {
                throw DNSResolutionError.cnameLoop(question.name.description)
            }
            ttl = min(ttl, alias.ttl)
            current = target
            records = relevant.filter { $0.name == current && $0.type == question.type }
        }
        if records.isEmpty {
            ttl = min(ttl, self.negativeCachingTTL ?? 0)
        } else {
            ttl = records.reduce(ttl) { min($0, $1.ttl) }
        }
        let additional = self.additionals.filter { $0.data.address != nil }
        return DNSAnswer(
            name: question.name, canonicalName: current, type: question.type, records: records,
            additionalRecords: additional, ttl: ttl
        )
    }

    /// The negative-caching TTL from the authority section's SOA (RFC 2308 §5), if any.
    public var negativeCachingTTL: UInt32? {
        for record in self.authorities {
            if case .soa(let soa) = record.data { return min(record.ttl, soa.minimum) }
        }
        return nil
    }
}
