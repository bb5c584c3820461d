/// The header fields the proxy itself acts on, recognised by one length switch and at most a
/// few case-insensitive comparisons, so a message's headers can be classified in a single
/// pass instead of one scan per question.
public enum KnownHeader: UInt8, Sendable {
    case host
    case contentLength
    case transferEncoding
    case connection
    case keepAlive
    case proxyConnection
    case te
    case trailer
    case upgrade
    case expect
    case xForwardedFor
    case xForwardedProto
    case xForwardedHost
    case forwarded
    case via

    /// Whether RFC 9110 §7.6.1 makes this field hop-by-hop regardless of `Connection`.
    @inlinable
    public var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .proxyConnection, .te, .trailer, .transferEncoding, .upgrade: true
        default: false
        }
    }

    /// The known header `name` is, if any.
    @inlinable
    public static func classify(_ name: String) -> KnownHeader? {
        let utf8 = name.utf8
        switch utf8.count {
        case 2: return HTTPSyntax.equalsCaseInsensitive(name, "te") ? .te : nil
        case 3: return HTTPSyntax.equalsCaseInsensitive(name, "via") ? .via : nil
        case 4: return HTTPSyntax.equalsCaseInsensitive(name, "host") ? .host : nil
        case 6: return HTTPSyntax.equalsCaseInsensitive(name, "expect") ? .expect : nil
        case 7:
            if HTTPSyntax.equalsCaseInsensitive(name, "upgrade") { return .upgrade }
            return HTTPSyntax.equalsCaseInsensitive(name, "trailer") ? .trailer : nil
        case 9: return HTTPSyntax.equalsCaseInsensitive(name, "forwarded") ? .forwarded : nil
        case 10:
            if HTTPSyntax.equalsCaseInsensitive(name, "connection") { return .connection }
            return HTTPSyntax.equalsCaseInsensitive(name, "keep-alive") ? .keepAlive : nil
        case 14: return HTTPSyntax.equalsCaseInsensitive(name, "content-length") ? .contentLength : nil
        case 15:
            if HTTPSyntax.equalsCaseInsensitive(name, "x-forwarded-for") { return .xForwardedFor }
            return nil
        case 16:
            if HTTPSyntax.equalsCaseInsensitive(name, "x-forwarded-host") { return .xForwardedHost }
            return HTTPSyntax.equalsCaseInsensitive(name, "proxy-connection") ? .proxyConnection : nil
        case 17:
            if HTTPSyntax.equalsCaseInsensitive(name, "transfer-encoding") { return .transferEncoding }
            return HTTPSyntax.equalsCaseInsensitive(name, "x-forwarded-proto") ? .xForwardedProto : nil
        default: return nil
        }
    }
}

extension KnownHeader {
    /// The known header a field name (as bytes) is, if any.
    public static func classify(_ name: UnsafeRawBufferPointer) -> KnownHeader? {
        @inline(__always)
        func matches(_ word: StaticString) -> Bool {
            guard word.utf8CodeUnitCount == name.count else { return false }
            let pointer = word.utf8Start
            for index in 0..<name.count where HTTPSyntax.lowercase(name[index]) != pointer[index] { return false }
            return true
        }
        switch name.count {
        case 2: return matches("te") ? .te : nil
        case 3: return matches("via") ? .via : nil
        case 4: return matches("host") ? .host : nil
        case 6: return matches("expect") ? .expect : nil
        case 7: return matches("upgrade") ? .upgrade : (matches("trailer") ? .trailer : nil)
        case 9: return matches("forwarded") ? .forwarded : nil
        case 10: return matches("connection") ? .connection : (matches("keep-alive") ? .keepAlive : nil)
        case 14: return matches("content-length") ? .contentLength : nil
        case 15: return matches("x-forwarded-for") ? .xForwardedFor : nil
        case 16:
            return matches("x-forwarded-host")
                ? .xForwardedHost : (matches("proxy-connection") ? .proxyConnection : nil)
        case 17:
            return matches("transfer-encoding")
                ? .transferEncoding : (matches("x-forwarded-proto") ? .xForwardedProto : nil)
        default: return nil
        }
    }
}
