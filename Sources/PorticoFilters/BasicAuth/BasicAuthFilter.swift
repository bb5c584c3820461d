import Crypto
import Dispatch
import HummingbirdBcrypt
import NIOCore
import PorticoCore
import PorticoHTTP

/// `basic_auth` (SPEC F-42): HTTP Basic authentication against htpasswd-style entries
/// (bcrypt or `{SHA}`), given inline and/or in an htpasswd file. The user name becomes
/// ``RequestContext/consumer`` and is forwarded upstream in `consumer_header`.
///
/// ```yaml
/// staff:
///   type: basic_auth
///   realm: staff
///   users: ["alice:$2y$10$...", "bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="]
///   htpasswd_file: staff.htpasswd       # relative to the config file
/// ```
///
/// bcrypt is slow on purpose (milliseconds per check), so it never runs on an event loop: a
/// check runs on a Dispatch worker while the request is suspended, and its result is kept per
/// event loop (keyed by a salted SHA-256 of user and password), so a client that keeps sending
/// the same credentials pays for one check, and concurrent requests with them wait for it.
public struct BasicAuthFilter: HTTPFilter {
    /// The filter's configuration.
    public struct Configuration: FilterConfiguration {
        public static let typeName = "basic_auth"
        /// `user:hash` lines.
        public var users: [String]
        /// An htpasswd file (relative to the config file's directory).
        public var htpasswdFile: String?
        /// The realm in `WWW-Authenticate` (default `portico`).
        public var realm: String
        /// Remove `Authorization` before the request goes upstream (default true).
        public var hideCredentials: Bool
        /// The header that tells the upstream who the user is (default `X-Consumer`; `off`
        /// sends none). Any value the client sent in it is replaced.
        public var consumerHeader: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case users, realm
            case htpasswdFile = "htpasswd_file"
            case hideCredentials = "hide_credentials"
            case consumerHeader = "consumer_header"
        }

        /// A configuration.
        public init(
            users: [String] = [], htpasswdFile: String? = nil, realm: String = "portico", hideCredentials: Bool = true,
            consumerHeader: String? = "X-Consumer"
        ) {
            self.users = users
            self.htpasswdFile = htpasswdFile
            self.realm = realm
            self.hideCredentials = hideCredentials
            self.consumerHeader = consumerHeader
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.users = try container.decodeIfPresent([String].self, forKey: .users) ?? []
            self.htpasswdFile = try container.decodeIfPresent(String.self, forKey: .htpasswdFile)
            self.realm = try container.decodeIfPresent(String.self, forKey: .realm) ?? "portico"
            self.hideCredentials = try container.decodeIfPresent(Bool.self, forKey: .hideCredentials) ?? true
            self.consumerHeader = try ConfigValues.optionalHeader(
                container.decodeIfPresent(String.self, forKey: .consumerHeader), default: "X-Consumer",
                key: "consumer_header")
            guard !self.users.isEmpty || self.htpasswdFile != nil else {
                throw ConfigIssue(
                    "a basic_auth filter needs users or an htpasswd_file", key: "users",
                    hint: "e.g. users: [\"alice:$2y$10$...\"] (htpasswd -nB alice)")
            }
            guard Realm.isValid(self.realm) else {
                throw ConfigIssue("realm must be printable text without quotes or backslashes", key: "realm")
            }
            // Inline entries are checked now, so their errors point at `users`.
            do {
                _ = try self.inlineEntries()
            } catch {
                throw ConfigIssue(error.message, key: "users", hint: error.hint)
            }
        }

        func inlineEntries() throws(ConfigIssue) -> [HtpasswdEntry] {
            var entries: [HtpasswdEntry] = []
            for (index, line) in self.users.enumerated() {
                entries.append(try HtpasswdEntry(line: line[...], where: "entry \(index + 1)"))
            }
            return entries
        }

        public func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            var entries = try self.inlineEntries()
            if let file = self.htpasswdFile {
                let bytes = try ConfigFile.read(file, baseDirectory: context.baseDirectory, key: "htpasswd_file")
                do {
                    entries += try HtpasswdEntry.parseFile(bytes, name: file)
                } catch {
                    throw ConfigIssue(error.message, key: "htpasswd_file", hint: error.hint)
                }
            }
            var users: [String: HtpasswdEntry.Hash] = [:]
            for entry in entries {
                guard users.updateValue(entry.hash, forKey: entry.user) == nil else {
                    throw ConfigIssue("user '\(entry.user)' is defined twice", key: "users")
                }
            }
            return BasicAuthFilter(configuration: self, users: users)
        }
    }

    /// How many bcrypt checks one event loop may have running at once; more are answered
    /// 503 so a flood of wrong passwords cannot queue unbounded work.
    static let maxPendingChecksPerLoop = 32
    /// How many verified credentials one event loop remembers.
    static let cacheCapacity = 4096

    private let users: [String: HtpasswdEntry.Hash]
    private let hideCredentials: Bool
    private let consumerHeader: String?
    private let challenge: HeaderList
    private let identity = LoopStateKey()
    /// Mixed into cache keys, so they are not plain hashes of the credentials.
    private let salt: [UInt8]

    init(configuration: Configuration, users: [String: HtpasswdEntry.Hash]) {
        self.users = users
        self.hideCredentials = configuration.hideCredentials
        self.consumerHeader = configuration.consumerHeader
        self.challenge = ["WWW-Authenticate": "Basic realm=\"\(configuration.realm)\", charset=\"UTF-8\""]
        self.salt = (0..<16).map { _ in UInt8.random(in: .min ... .max) }
    }

    public var phases: FilterPhases { .request }

    public func onRequest(_ context: inout RequestContext) -> FilterDecision {
        guard let header = context.request.headers["authorization"], let credentials = Self.credentials(header) else {
            return .reject(GatewayError(.unauthorized, "authentication required", headers: self.challenge))
        }
        guard let hash = self.users[credentials.user] else {
            return .reject(GatewayError(.unauthorized, "invalid credentials", headers: self.challenge))
        }
        let verified: Bool
        switch hash {
        case .sha1(let digest):
            let actual = Insecure.SHA1.hash(data: Array(credentials.password.utf8))
            verified = Bytes.constantTimeEquals(actual, digest)
        case .bcrypt(let bcrypt):
            switch self.checkBcrypt(credentials, hash: bcrypt, context: context) {
            case .known(let result): verified = result
            case .wait(let decision): return decision
            }
        }
        guard verified else {
            return .reject(GatewayError(.unauthorized, "invalid credentials", headers: self.challenge))
        }
        context.consumer = credentials.user
        if self.hideCredentials { context.request.headers.remove(name: "authorization") }
        if let consumerHeader = self.consumerHeader {
            context.request.headers.set(name: consumerHeader, value: credentials.user)
        }
        return .proceed
    }

    private enum Check {
        case known(Bool)
        case wait(FilterDecision)
    }

    /// The cached result, or a suspension while a Dispatch worker runs bcrypt.
    private func checkBcrypt(_ credentials: Credentials, hash: String, context: RequestContext) -> Check {
        let cache = context.loopState(for: ObjectIdentifier(self.identity)) { VerificationCache() }
        let key = self.cacheKey(credentials)
        switch cache.entries[key] {
        case .verified(let result):
            return .known(result)
        case .pending(let future):
            return .wait(.suspend(future))
        case nil:
            break
        }
        guard cache.pending < Self.maxPendingChecksPerLoop else {
            return .wait(
                .reject(
                    GatewayError(
                        .serviceUnavailable, "too many credential checks in progress", headers: ["Retry-After": "1"])))
        }
        let loop = context.eventLoop
        let promise = loop.makePromise(of: Void.self)
        cache.begin(key, future: promise.futureResult)
        let bound = NIOLoopBound(cache, eventLoop: loop)
        let password = credentials.password
        DispatchQueue.global(qos: .userInitiated).async {
            let result = Bcrypt.verify(password, hash: hash)
            loop.execute {
                bound.value.finish(key, verified: result)
                promise.succeed(())
            }
        }
        return .wait(.suspend(promise.futureResult))
    }

    struct Credentials {
        var user: String
        var password: String
    }

    /// `Basic base64(user:password)`; nil when malformed.
    static func credentials(_ header: String) -> Credentials? {
        let utf8 = header.utf8
        guard utf8.count > 6, let space = utf8.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        guard HTTPSyntax.equalsCaseInsensitive(String(header[..<space]), "basic") else { return nil }
        let encoded = header[space...].trimmingHTTPWhitespace()
        guard encoded.utf8.count <= 8192, let decoded = Bytes.base64Decode(encoded.utf8),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":")),
            !decoded.contains(0)
        else { return nil }
        return Credentials(
            user: String(decoding: decoded[..<colon], as: UTF8.self),
            password: String(decoding: decoded[(colon + 1)...], as: UTF8.self)
        )
    }

    private func cacheKey(_ credentials: Credentials) -> CredentialKey {
        var hasher = SHA256()
        hasher.update(data: self.salt)
        var user = credentials.user
        var password = credentials.password
        user.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        hasher.update(data: [0])
        password.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return CredentialKey(hasher.finalize())
    }
}

/// An object whose identity names a filter's per-loop state.
final class LoopStateKey: Sendable {}

/// A salted SHA-256 of user and password.
struct CredentialKey: Hashable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    init(_ digest: SHA256.Digest) {
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in digest.enumerated() { words[index / 8] = words[index / 8] << 8 | UInt64(byte) }
        self.words = (words[0], words[1], words[2], words[3])
    }

    static func == (lhs: CredentialKey, rhs: CredentialKey) -> Bool {
        lhs.words == rhs.words
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(self.words.0)
        hasher.combine(self.words.1)
    }
}

/// bcrypt results on one event loop; touched only there.
final class VerificationCache {
    enum Entry {
        case verified(Bool)
        case pending(EventLoopFuture<Void>)
    }

    var entries: [CredentialKey: Entry] = [:]
    var pending = 0

    func begin(_ key: CredentialKey, future: EventLoopFuture<Void>) {
        if self.entries.count >= BasicAuthFilter.cacheCapacity {
            // Bounded memory: forget finished results, keep the checks still running.
            self.entries = self.entries.filter {
                if case .pending = $0.value { return true }
                return false
            }
        }
        self.entries[key] = .pending(future)
        self.pending += 1
    }

    func finish(_ key: CredentialKey, verified: Bool) {
        self.pending -= 1
        self.entries[key] = .verified(verified)
    }
}
