/// Hop-by-hop header rules (RFC 9110 §7.6.1): these fields describe one connection and must
/// not be forwarded by a proxy, nor must any field the `Connection` header names.
public enum HopByHop {
    /// The fields that are always connection-specific.
    public static let alwaysStripped: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
    ]

    /// Removes hop-by-hop fields in one pass (plus those listed in `Connection`).
    ///
    /// Rebuilding the list once is cheaper than one `remove(name:)` per name (each a full scan).
    public static func strip(_ headers: inout HeaderList) {
        var listed: [Substring] = []
        var found = false
        for field in headers {
            if Self.isAlwaysStripped(field.name) {
                found = true
                if HTTPSyntax.equalsCaseInsensitive(field.name, "connection") {
                    for token in field.value.split(separator: ",") {
                        let trimmed = token.trimmingHTTPWhitespace()
                        if !trimmed.isEmpty { listed.append(trimmed) }
                    }
                }
            }
        }
        guard found else { return }
        headers.removeAll { field in
            if Self.isAlwaysStripped(field.name) { return true }
            return listed.contains { HTTPSyntax.equalsCaseInsensitive(String($0), field.name) }
        }
    }

    /// Whether a name is one of the always-stripped fields; a length switch keeps it cheap.
    @inlinable
    public static func isAlwaysStripped(_ name: String) -> Bool {
        switch name.utf8.count {
        case 2: return HTTPSyntax.equalsCaseInsensitive(name, "te")
        case 7:
            return HTTPSyntax.equalsCaseInsensitive(name, "trailer")
                || HTTPSyntax.equalsCaseInsensitive(name, "upgrade")
        case 10:
            return HTTPSyntax.equalsCaseInsensitive(name, "connection")
                || HTTPSyntax.equalsCaseInsensitive(name, "keep-alive")
        case 16: return HTTPSyntax.equalsCaseInsensitive(name, "proxy-connection")
        case 17: return HTTPSyntax.equalsCaseInsensitive(name, "transfer-encoding")
        default: return false
        }
    }
}
