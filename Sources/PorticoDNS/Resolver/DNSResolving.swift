/// Something that answers DNS questions; ``DNSResolver`` on the network, fakes in tests.
public protocol DNSResolving: Sendable {
    /// Resolves `name` to its records of `type`, CNAMEs followed.
    ///
    /// Returns an empty answer when the name exists without such records (NODATA).
    /// - Throws: ``DNSResolutionError`` (``DNSResolutionError/nameNotFound(_:)`` for NXDOMAIN).
    func resolve(_ name: String, type: RecordType) async throws -> DNSAnswer
}

/// Which address records to ask for.
public struct AddressFamilies: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// A records.
    public static let ipv4 = AddressFamilies(rawValue: 1)
    /// AAAA records.
    public static let ipv6 = AddressFamilies(rawValue: 2)
    /// Both (the default).
    public static let all: AddressFamilies = [.ipv4, .ipv6]
}

/// The addresses of one host name, from its A and AAAA answers.
public struct AddressAnswer: Sendable, Hashable {
    /// IPv4 addresses first, each family in answer order.
    public var addresses: [IPAddress]
    /// Seconds the addresses may be used: the smallest TTL among the non-empty answers, or
    /// among all answers when every one is empty.
    public var ttl: UInt32

    public init(addresses: [IPAddress], ttl: UInt32) {
        self.addresses = addresses
        self.ttl = ttl
    }
}

extension DNSResolving {
    /// Resolves `name`'s A and/or AAAA records concurrently.
    ///
    /// NXDOMAIN for one family while the other exists counts as "no records of that family";
    /// NXDOMAIN for every family throws it. Any other failure of either query throws: a
    /// half answer would silently drop the other family's addresses.
    /// - Throws: ``DNSResolutionError``.
    public func resolveAddresses(_ name: String, families: AddressFamilies = .all) async throws -> AddressAnswer {
        async let v4 = families.contains(.ipv4) ? self.resolveTolerantly(name, type: .a) : .skipped
        async let v6 = families.contains(.ipv6) ? self.resolveTolerantly(name, type: .aaaa) : .skipped
        let results = [try await v4, try await v6]
        var addresses: [IPAddress] = []
        var recordTTL: UInt32?
        var emptyTTL: UInt32?
        var found = false
        for result in results {
            guard case .answer(let answer) = result else { continue }
            found = true
            if answer.records.isEmpty {
                emptyTTL = min(emptyTTL ?? .max, answer.ttl)
            } else {
                addresses += answer.addresses
                recordTTL = min(recordTTL ?? .max, answer.ttl)
            }
        }
        guard found else { throw DNSResolutionError.nameNotFound(name) }
        return AddressAnswer(addresses: addresses, ttl: recordTTL ?? emptyTTL ?? 0)
    }

    private func resolveTolerantly(_ name: String, type: RecordType) async throws -> FamilyResult {
        do {
            return .answer(try await self.resolve(name, type: type))
        } catch DNSResolutionError.nameNotFound {
            return .notFound
        }
    }
}

private enum FamilyResult: Sendable {
    case answer(DNSAnswer)
    case notFound
    case skipped
}
