import PorticoCore

/// One `user:hash` line of an htpasswd file, as Apache's `htpasswd` writes it.
///
/// Accepted hashes: bcrypt (`$2y$`, `$2b$`, `$2a$`; `htpasswd -B`) and `{SHA}` (base64 of
/// SHA-1; `htpasswd -s`, kept for old files). MD5 (`$apr1$`), crypt and plain text are refused:
/// they are too weak to keep at rest.
struct HtpasswdEntry: Sendable, Equatable {
    enum Hash: Sendable, Equatable {
        /// A bcrypt hash in the `$2b$` form the bcrypt library checks.
        case bcrypt(String)
        /// The SHA-1 digest of the password.
        case sha1([UInt8])
    }

    var user: String
    var hash: Hash

    /// Parses one line; `where` names the line in messages.
    init(line: Substring, where location: String) throws(ConfigIssue) {
        guard let colon = line.firstIndex(of: ":") else {
            throw ConfigIssue("\(location): expected 'user:hash'", hint: "create entries with htpasswd -nB user")
        }
        let user = String(line[..<colon])
        let hash = String(line[line.index(after: colon)...])
        guard !user.isEmpty, user.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw ConfigIssue("\(location): the user name is empty or contains spaces or control characters")
        }
        self.user = user
        if hash.hasPrefix("$2y$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2a$") {
            let utf8 = Array(hash.utf8)
            // $2y$NN$ + 22 characters of salt + 31 of digest.
            guard utf8.count == 60, utf8[6] == UInt8(ascii: "$"),
                let cost = Int(String(decoding: utf8[4..<6], as: UTF8.self)), (4...31).contains(cost),
                utf8[7...].allSatisfy(Self.isBcryptBase64)
            else {
                throw ConfigIssue("\(location): malformed bcrypt hash for '\(user)'")
            }
            // `$2y$` (PHP/Apache) and `$2b$` are the same algorithm; the library knows `$2b$`.
            self.hash = .bcrypt(hash.hasPrefix("$2y$") ? "$2b$" + hash.dropFirst(4) : hash)
        } else if hash.hasPrefix("{SHA}") {
            guard let digest = Bytes.base64Decode(hash.utf8.dropFirst(5)), digest.count == 20 else {
                throw ConfigIssue("\(location): malformed {SHA} hash for '\(user)'")
            }
            self.hash = .sha1(digest)
        } else if hash.hasPrefix("$apr1$") || hash.hasPrefix("$1$") {
            throw ConfigIssue(
                "\(location): MD5 password hashes are not supported",
                hint: "re-create the entry with htpasswd -B (bcrypt)")
        } else {
            throw ConfigIssue(
                "\(location): unsupported password hash for '\(user)'",
                hint: "use bcrypt (htpasswd -B) or {SHA} (htpasswd -s); plain text and crypt are refused")
        }
    }

    private static func isBcryptBase64(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "/")
    }

    /// Every entry of an htpasswd file; blank lines and `#` comments are skipped.
    static func parseFile(_ bytes: [UInt8], name: String) throws(ConfigIssue) -> [HtpasswdEntry] {
        let text = String(decoding: bytes, as: UTF8.self)
        var entries: [HtpasswdEntry] = []
        // `\r\n` is one Character: split on any line break, not on "\n".
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingHTTPWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            entries.append(try HtpasswdEntry(line: trimmed, where: "\(name) line \(index + 1)"))
        }
        return entries
    }
}
