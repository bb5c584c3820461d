/// Why a name could not be resolved.
public enum DNSResolutionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// NXDOMAIN: the name (and every search-domain expansion of it) does not exist.
    case nameNotFound(String)
    /// The name exists but gave nothing usable: no records of the type asked for (NODATA),
    /// an SRV set whose targets have no addresses, or the SRV "no service" target `.`.
    case noRecords(String)
    /// Every nameserver answered with this code (SERVFAIL, REFUSED, NOTIMP, FORMERR...).
    case serverFailure(ResponseCode)
    /// No nameserver answered within the timeout, over all attempts.
    case timeout
    /// Sending or receiving failed (connection refused, network unreachable...).
    case transport(String)
    /// A response could not be decoded.
    case malformedResponse(DNSDecodingError)
    /// The name is not a valid domain name or IP literal.
    case invalidName(String)
    /// The CNAME chain loops or is longer than ``DNSMessage/maximumCNAMEChain``.
    case cnameLoop(String)
    /// The configuration lists no nameserver.
    case noNameservers

    /// Whether DNS answered that there is nothing there (``nameNotFound(_:)`` or
    /// ``noRecords(_:)``), as opposed to trouble reaching or using DNS. Discovery treats
    /// the two differently.
    public var isAbsence: Bool {
        switch self {
        case .nameNotFound, .noRecords: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .nameNotFound(let name): return "\(name): no such name (NXDOMAIN)"
        case .noRecords(let name): return "\(name): no usable records"
        case .serverFailure(let code): return "DNS server failure (\(code))"
        case .timeout: return "DNS query timed out"
        case .transport(let message): return "DNS transport error: \(message)"
        case .malformedResponse(let error): return "\(error)"
        case .invalidName(let name): return "invalid DNS name \"\(name)\""
        case .cnameLoop(let name): return "\(name): CNAME loop or chain too long"
        case .noNameservers: return "no DNS nameserver configured"
        }
    }
}
