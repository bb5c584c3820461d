import PorticoCore
import PorticoHTTP

/// `ip_filter` (SPEC F-47): allows or denies requests by the client address (IPv4 and IPv6
/// CIDRs), the address after the listener's `trusted_proxies` (``RequestContext/clientAddress``).
///
/// ```yaml
/// office-only: { type: ip_filter, allow: [10.0.0.0/8, "2001:db8::/32"], deny: [10.6.6.0/24] }
/// ```
///
/// Semantics: `deny` wins — an address in `deny` is refused even when `allow` lists it too;
/// when `allow` is not empty, only addresses in it pass; with only `deny`, everyone else
/// passes. A client address that cannot be parsed passes only when `allow` is empty. Refused
/// requests get `403`. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) match IPv4 ranges.
public struct IPFilter: HTTPFilter {
    /// The filter's configuration.
    public struct Configuration: FilterConfiguration {
        public static let typeName = "ip_filter"
        /// Ranges that may pass (none: every address not denied).
        public var allow: [CIDR]
        /// Ranges that are refused.
        public var deny: [CIDR]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case allow, deny
        }

        /// A configuration.
        public init(allow: [CIDR] = [], deny: [CIDR] = []) {
            self.allow = allow
            self.deny = deny
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.allow = try Self.ranges(container.decodeIfPresent([String].self, forKey: .allow) ?? [], key: "allow")
            self.deny = try Self.ranges(container.decodeIfPresent([String].self, forKey: .deny) ?? [], key: "deny")
            guard !self.allow.isEmpty || !self.deny.isEmpty else {
                throw ConfigIssue(
                    "an ip_filter needs allow or deny ranges",
                    hint: "e.g. allow: [10.0.0.0/8] or deny: [203.0.113.0/24]")
            }
        }

        private static func ranges(_ texts: [String], key: String) throws -> [CIDR] {
            try texts.map { text in
                guard let range = CIDR(text) else {
                    throw ConfigIssue(
                        "'\(text)' is not an IP address or CIDR range", key: key,
                        hint: "e.g. 10.0.0.0/8, 192.0.2.7, 2001:db8::/32")
                }
                return range
            }
        }

        public func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            IPFilter(configuration: self)
        }
    }

    private let allow: CIDRSet
    private let deny: CIDRSet

    /// A filter.
    public init(configuration: Configuration) {
        self.allow = CIDRSet(configuration.allow)
        self.deny = CIDRSet(configuration.deny)
    }

    /// Whether `address` may pass.
    func permits(_ address: IPAddress?) -> Bool {
        guard let address else { return self.allow.isEmpty }
        if self.deny.contains(address) { return false }
        return self.allow.isEmpty || self.allow.contains(address)
    }

    public var phases: FilterPhases { .request }

    public func onRequest(_ context: inout RequestContext) -> FilterDecision {
        if self.permits(context.clientAddress) { return .proceed }
        return .reject(GatewayError(.forbidden, "client address not allowed"))
    }
}

/// CIDR ranges grouped by prefix length: a lookup costs one hash probe per distinct length,
/// however many ranges are listed.
struct CIDRSet: Sendable {
    private struct Network: Hashable {
        var high: UInt64
        var low: UInt64
    }

    /// (prefix bits over the 128-bit form, its masks, the networks with that prefix).
    private var groups: [(bits: Int, highMask: UInt64, lowMask: UInt64, networks: Set<Network>)]

    var isEmpty: Bool { self.groups.isEmpty }

    init(_ ranges: [CIDR]) {
        var byBits: [Int: Set<Network>] = [:]
        for range in ranges {
            let bits = range.network.isIPv4 ? 96 + range.prefixLength : range.prefixLength
            byBits[bits, default: []].insert(Network(high: range.network.high, low: range.network.low))
        }
        self.groups = byBits.keys.sorted().map { bits in
            let (high, low) = Self.masks(bits)
            return (bits, high, low, byBits[bits]!)
        }
    }

    private static func masks(_ bits: Int) -> (UInt64, UInt64) {
        if bits <= 0 { return (0, 0) }
        if bits >= 128 { return (.max, .max) }
        if bits <= 64 { return (bits == 64 ? .max : ~(UInt64.max >> UInt64(bits)), 0) }
        return (.max, ~(UInt64.max >> UInt64(bits - 64)))
    }

    func contains(_ address: IPAddress) -> Bool {
        for group in self.groups
        where group.networks.contains(Network(high: address.high & group.highMask, low: address.low & group.lowMask)) {
            return true
        }
        return false
    }
}
