import NIOCore

/// One address to send traffic to, as discovered.
public struct DiscoveredEndpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The host name the address belongs to: the discovered name, or the SRV target.
    public var host: String
    /// The port: the configured one, or the SRV record's.
    public var port: Int
    /// The resolved address.
    public var address: IPAddress
    /// The SRV priority (0 in address mode). Only the lowest-priority group is published.
    public var priority: UInt16
    /// The SRV weight (1 in address mode). Every address of an SRV target carries the
    /// record's weight; weight 0 means "only when nothing else is available" (RFC 2782).
    public var weight: UInt16

    public init(host: String, port: Int, address: IPAddress, priority: UInt16 = 0, weight: UInt16 = 1) {
        self.host = host
        self.port = port
        self.address = address
        self.priority = priority
        self.weight = weight
    }

    /// The socket address to connect to.
    public func socketAddress() throws -> SocketAddress {
        try self.address.socketAddress(port: self.port)
    }

    public var description: String {
        let address = if case .v6 = self.address { "[\(self.address)]" } else { "\(self.address)" }
        return "\(self.host)=\(address):\(self.port) (priority \(self.priority), weight \(self.weight))"
    }

    /// Priority, then host, port and address: lists compare equal whatever the answer order.
    public static func < (lhs: DiscoveredEndpoint, rhs: DiscoveredEndpoint) -> Bool {
        if lhs.priority != rhs.priority { return lhs.priority < rhs.priority }
        if lhs.host != rhs.host { return lhs.host < rhs.host }
        if lhs.port != rhs.port { return lhs.port < rhs.port }
        if lhs.address != rhs.address { return lhs.address < rhs.address }
        return lhs.weight < rhs.weight
    }
}

/// How a discovered name turns into endpoints.
public enum DiscoveryMode: Sendable, Hashable {
    /// The name's A/AAAA records, each with this port (`discovery: { dns: NAME, port: P }`).
    case addresses(port: Int)
    /// The name's SRV records (e.g. `_http._tcp.users.svc.local`): host and port per record,
    /// then the targets' addresses.
    case srv
}

/// Endpoints with the time they may be used.
public struct EndpointSet: Sendable, Hashable {
    /// Sorted (see ``DiscoveredEndpoint/<(_:_:)``), without duplicates; never empty.
    public var endpoints: [DiscoveredEndpoint]
    /// Seconds until the answer should be refreshed: the smallest TTL involved.
    public var ttl: UInt32

    public init(endpoints: [DiscoveredEndpoint], ttl: UInt32) {
        self.endpoints = Array(Set(endpoints)).sorted()
        self.ttl = ttl
    }
}

/// Resolves a name to endpoints once; ``DNSDiscovery`` repeats it. Pure apart from the
/// resolver it is given, so tests use a fake one.
///
/// SRV mode (RFC 2782): records are grouped by priority, lowest first; the targets of a group
/// are resolved concurrently and the first group with at least one address is the result
/// (a group whose targets do not exist falls through to the next). A target's addresses come
/// from the additional section when the server sent any for it, else from A/AAAA queries
/// for the target as an absolute name. A target that does not exist is skipped; any other
/// failure fails the lookup, so the last good list stays in place.
public struct EndpointLookup: Sendable, Hashable {
    /// The name to resolve (relative names go through the search list).
    public var name: String
    /// Addresses with a fixed port, or SRV.
    public var mode: DiscoveryMode
    /// Which address families to resolve.
    public var families: AddressFamilies

    public init(name: String, mode: DiscoveryMode, families: AddressFamilies = .all) {
        self.name = name
        self.mode = mode
        self.families = families
    }

    /// Resolves the endpoints.
    /// - Throws: ``DNSResolutionError``; ``DNSResolutionError/noRecords(_:)`` when the name
    ///   exists but yields no endpoint.
    public func resolve(using resolver: some DNSResolving) async throws -> EndpointSet {
        switch self.mode {
        case .addresses(let port):
            let answer = try await resolver.resolveAddresses(self.name, families: self.families)
            guard !answer.addresses.isEmpty else { throw DNSResolutionError.noRecords(self.name) }
            return EndpointSet(
                endpoints: answer.addresses.map { DiscoveredEndpoint(host: self.name, port: port, address: $0) },
                ttl: answer.ttl
            )
        case .srv:
            return try await self.resolveSRV(using: resolver)
        }
    }

    private func resolveSRV(using resolver: some DNSResolving) async throws -> EndpointSet {
        let answer = try await resolver.resolve(self.name, type: .srv)
        let services = answer.services.filter { !$0.target.isRoot }
        let priorities = Set(services.map(\.priority)).sorted()
        for priority in priorities {
            let group = services.filter { $0.priority == priority }
            let targets = Set(group.map(\.target))
            let resolved = try await withThrowingTaskGroup(of: (DNSName, AddressAnswer?).self) { tasks in
                for target in targets {
                    tasks.addTask { (target, try await self.addresses(of: target, from: answer, using: resolver)) }
                }
                var resolved: [DNSName: AddressAnswer] = [:]
                for try await (target, addresses) in tasks {
                    if let addresses, !addresses.addresses.isEmpty { resolved[target] = addresses }
                }
                return resolved
            }
            guard !resolved.isEmpty else { continue }
            var endpoints: [DiscoveredEndpoint] = []
            var ttl = answer.ttl
            for service in group {
                guard let target = resolved[service.target] else { continue }
                ttl = min(ttl, target.ttl)
                for address in target.addresses {
                    endpoints.append(
                        DiscoveredEndpoint(
                            host: service.target.description, port: Int(service.port), address: address,
                            priority: service.priority, weight: service.weight
                        )
                    )
                }
            }
            return EndpointSet(endpoints: endpoints, ttl: ttl)
        }
        throw DNSResolutionError.noRecords(self.name)
    }

    /// A target's addresses: from the additional section if present, else queried; `nil`
    /// when the target does not exist.
    private func addresses(
        of target: DNSName, from answer: DNSAnswer, using resolver: some DNSResolving
    ) async throws -> AddressAnswer? {
        let glue = answer.additionalAddresses(for: target).filter { record in
            switch record.data {
            case .a: return self.families.contains(.ipv4)
            case .aaaa: return self.families.contains(.ipv6)
            default: return false
            }
        }
        if !glue.isEmpty {
            let sorted = glue.sorted { ($0.type == .a ? 0 : 1) < ($1.type == .a ? 0 : 1) }
            return AddressAnswer(addresses: sorted.compactMap(\.data.address), ttl: glue.map(\.ttl).min() ?? 0)
        }
        do {
            return try await resolver.resolveAddresses(target.description + ".", families: self.families)
        } catch DNSResolutionError.nameNotFound {
            return nil
        }
    }
}
