import NIOCore

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where and how ``DNSResolver`` asks: nameservers, search list, timeouts.
///
/// Build one explicitly (tests point it at `127.0.0.1:<port>`), or read the system's with
/// ``system(path:)``, which follows resolv.conf(5):
/// - `nameserver IP` lines, at most 3 (as glibc), port 53; addresses with a zone
///   (`fe80::1%eth0`) are skipped. Without any, `127.0.0.1:53` (as glibc).
/// - `search a b ...` / `domain a`: the last such line wins; `search .` means none.
/// - `options ndots:N` (≤ 15), `timeout:N` seconds per attempt (1...30), `attempts:N`
///   rounds over all nameservers (1...5), `rotate`, `use-vc` (TCP only). Other options,
///   `sortlist` and the `LOCALDOMAIN`/`RES_OPTIONS` environment overrides are ignored;
///   EDNS(0) is always on unless ``udpPayloadSize`` is set to `nil`.
public struct ResolverConfiguration: Sendable, Hashable {
    /// The servers to ask, in order; a failure moves to the next one.
    public var nameservers: [SocketAddress]
    /// Domains appended to relative names (see ``DNSResolver`` for the rules).
    public var searchDomains: [DNSName]
    /// Names with at least this many dots are tried as given before the search list.
    public var ndots: Int
    /// How long to wait for each server's answer (one try).
    public var timeout: Duration
    /// Rounds over the whole nameserver list before giving up.
    public var attempts: Int
    /// Start each query at the next nameserver (spreads load), instead of always the first.
    public var rotate: Bool
    /// Ask over TCP only (`options use-vc`).
    public var tcpOnly: Bool
    /// The EDNS(0) UDP payload size advertised; `nil` sends plain RFC 1035 queries.
    public var udpPayloadSize: UInt16?

    /// The nameserver used when none is configured.
    public static let defaultNameserver = try! SocketAddress(ipAddress: "127.0.0.1", port: 53)

    public init(
        nameservers: [SocketAddress], searchDomains: [DNSName] = [], ndots: Int = 1, timeout: Duration = .seconds(5),
        attempts: Int = 2, rotate: Bool = false, tcpOnly: Bool = false,
        udpPayloadSize: UInt16? = DNSMessage.defaultUDPPayloadSize
    ) {
        self.nameservers = nameservers
        self.searchDomains = searchDomains
        self.ndots = ndots
        self.timeout = timeout
        self.attempts = attempts
        self.rotate = rotate
        self.tcpOnly = tcpOnly
        self.udpPayloadSize = udpPayloadSize
    }

    /// Parses the text of a resolv.conf file (see the type's documentation for what is read).
    public init(resolvConf text: String) {
        self.init(nameservers: [])
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.prefix { $0 != "#" && $0 != ";" }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = fields.first else { continue }
            let values = fields.dropFirst()
            switch keyword {
            case "nameserver":
                guard self.nameservers.count < 3, let text = values.first, !text.contains("%"),
                    let address = try? SocketAddress(ipAddress: text, port: 53)
                else { continue }
                self.nameservers.append(address)
            case "domain":
                self.searchDomains = values.first.flatMap { Self.searchDomain($0) }.map { [$0] } ?? []
            case "search":
                self.searchDomains = values.compactMap { Self.searchDomain($0) }
            case "options":
                for option in values { self.apply(option: option) }
            default:
                continue
            }
        }
        if self.nameservers.isEmpty {
            self.nameservers = [Self.defaultNameserver]
        }
    }

    /// Reads the system configuration from `path` (defaults as for an empty file when it
    /// cannot be read).
    public static func system(path: String = "/etc/resolv.conf") -> ResolverConfiguration {
        ResolverConfiguration(resolvConf: readSmallFile(path) ?? "")
    }

    private static func searchDomain(_ text: String) -> DNSName? {
        guard let name = try? DNSName(text), !name.isRoot else { return nil }
        return name
    }

    private mutating func apply(option: String) {
        let parts = option.split(separator: ":", maxSplits: 1)
        let value = parts.count == 2 ? Int(parts[1]) : nil
        switch (parts.first.map(String.init), value) {
        case ("ndots", .some(let n)): self.ndots = min(max(n, 0), 15)
        case ("timeout", .some(let n)): self.timeout = .seconds(min(max(n, 1), 30))
        case ("attempts", .some(let n)): self.attempts = min(max(n, 1), 5)
        case ("rotate", _): self.rotate = true
        case ("use-vc", _): self.tcpOnly = true
        default: break
        }
    }
}

/// The contents of a small text file, or `nil` if it cannot be read (at most 64 KiB).
private func readSmallFile(_ path: String) -> String? {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var contents: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while contents.count < 65_536 {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { break }
        contents.append(contentsOf: chunk[0..<count])
    }
    return String(decoding: contents, as: UTF8.self)
}
