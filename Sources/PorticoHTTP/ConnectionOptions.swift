/// What a message's `Connection` header fields say (RFC 9110 §7.6.1), parsed once.
public struct ConnectionOptions: Sendable {
    /// `close` was listed.
    public var close = false
    /// `keep-alive` was listed.
    public var keepAlive = false
    /// `upgrade` was listed.
    public var upgrade = false
    /// Other listed field names, which are hop-by-hop for this message; usually empty.
    public var otherFields: [Substring] = []

    /// No options.
    public init() {}

    /// Adds the tokens of one `Connection` field value.
    public mutating func parse(_ value: String) {
        // Nearly every value is a single well-known token: check the whole value first.
        switch value.utf8.count {
        case 5 where HTTPSyntax.equalsCaseInsensitive(value, "close"):
            self.close = true
            return
        case 7 where HTTPSyntax.equalsCaseInsensitive(value, "upgrade"):
            self.upgrade = true
            return
        case 10 where HTTPSyntax.equalsCaseInsensitive(value, "keep-alive"):
            self.keepAlive = true
            return
        default:
            break
        }
        HTTPSyntax.forEachListElement(in: value) { token in
            switch token.utf8.count {
            case 0: break
            case 5 where Self.equals(token, "close"): self.close = true
            case 7 where Self.equals(token, "upgrade"): self.upgrade = true
            case 10 where Self.equals(token, "keep-alive"): self.keepAlive = true
            default: self.otherFields.append(token)
            }
        }
    }

    /// Whether `name` is one of the other listed fields.
    @inlinable
    public func lists(_ name: String) -> Bool {
        guard !self.otherFields.isEmpty else { return false }
        let lowered = HTTPSyntax.lowercasedASCII(name)
        return self.otherFields.contains { Self.equals($0, lowered) }
    }

    /// Whether the connection stays open after this message, for a message of `version`
    /// (RFC 9112 §9.3).
    public func isPersistent(version: HTTPVersion) -> Bool {
        if version.major == 1 && version.minor == 0 { return self.keepAlive && !self.close }
        return !self.close
    }

    /// ASCII case-insensitive comparison of a token with a lowercase word.
    @inlinable
    public static func equals(_ lhs: Substring, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else { return false }
        var index = left.startIndex
        for byte in right {
            if HTTPSyntax.lowercase(left[index]) != byte { return false }
            index = left.index(after: index)
        }
        return true
    }
}
