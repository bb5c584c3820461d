import NIOConcurrencyHelpers
import NIOCore
import PorticoDNS
import Testing

/// A name from text that is known to be valid.
func name(_ text: String) -> DNSName {
    try! DNSName(text)
}

func aRecord(_ owner: String, _ address: String, ttl: UInt32 = 60) -> DNSRecord {
    DNSRecord(name: name(owner), ttl: ttl, data: .a(IPv4Address(address)!))
}

func aaaaRecord(_ owner: String, _ address: String, ttl: UInt32 = 60) -> DNSRecord {
    DNSRecord(name: name(owner), ttl: ttl, data: .aaaa(IPv6Address(address)!))
}

func cnameRecord(_ owner: String, _ target: String, ttl: UInt32 = 60) -> DNSRecord {
    DNSRecord(name: name(owner), ttl: ttl, data: .cname(name(target)))
}

func srvRecord(
    _ owner: String, priority: UInt16 = 10, weight: UInt16 = 5, port: UInt16, target: String, ttl: UInt32 = 60
) -> DNSRecord {
    DNSRecord(
        name: name(owner), ttl: ttl,
        data: .srv(SRVData(priority: priority, weight: weight, port: port, target: name(target)))
    )
}

func ip(_ text: String) -> IPAddress {
    IPAddress(text)!
}

/// A resolver configuration that only talks to the given test servers.
func testConfiguration(
    _ servers: [SocketAddress], timeout: Duration = .seconds(2), attempts: Int = 1, search: [String] = [],
    ndots: Int = 1
) -> ResolverConfiguration {
    ResolverConfiguration(
        nameservers: servers, searchDomains: search.map(name), ndots: ndots, timeout: timeout, attempts: attempts
    )
}

struct TimedOut: Error {}

/// Polls `condition` every 10 ms until it holds or `limit` passes.
func eventually(
    within limit: Duration = .seconds(5), _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw TimedOut()
}

/// Runs `body`, failing with ``TimedOut`` if it takes longer than `limit`.
func withTimeout<T: Sendable>(
    _ limit: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// A deterministic generator (SplitMix64) for reproducible fuzzing.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A resolver answering from a table, for tests without sockets.
final class FakeResolver: DNSResolving {
    enum Entry: Sendable {
        case records([DNSRecord], additional: [DNSRecord] = [], ttl: UInt32? = nil)
        case failure(DNSResolutionError)
    }

    private let table: NIOLockedValueBox<[String: Entry]>
    private let calls = NIOLockedValueBox<[String]>([])

    init(_ table: [String: Entry] = [:]) {
        self.table = NIOLockedValueBox(table)
    }

    /// Sets the entry for `name` and `type`.
    func set(_ name: String, _ type: RecordType, _ entry: Entry) {
        self.table.withLockedValue { $0[Self.key(name, type)] = entry }
    }

    /// The lookups made, as "name TYPE".
    var lookups: [String] { self.calls.withLockedValue { $0 } }

    func resolve(_ name: String, type: RecordType) async throws -> DNSAnswer {
        let key = Self.key(name, type)
        self.calls.withLockedValue { $0.append(key) }
        switch self.table.withLockedValue({ $0[key] }) {
        case .records(let records, let additional, let ttl):
            return DNSAnswer(
                name: PorticoDNSTests.name(name), type: type, records: records, additionalRecords: additional,
                ttl: ttl ?? records.map(\.ttl).min() ?? 0
            )
        case .failure(let error):
            throw error
        case nil:
            throw DNSResolutionError.nameNotFound(name)
        }
    }

    private static func key(_ name: String, _ type: RecordType) -> String {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        return "\(trimmed.lowercased()) \(type)"
    }
}
