import Crypto
import PorticoCore
import PorticoHTTP

/// `api_key` (SPEC F-41): authenticates a request by an API key sent in a header and/or a
/// query parameter. Keys are stored in the config only as SHA-256 digests (hex); each names
/// the consumer it belongs to, which becomes ``RequestContext/consumer`` (usable as a rate-limit
/// key and in header templates) and is forwarded upstream in `consumer_header`.
///
/// ```yaml
/// keys:
///   type: api_key
///   header: X-API-Key           # default when neither header nor query is given
///   query: api_key              # also accept ?api_key=...
///   keys:
///     - { consumer: mobile-app, sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae }
/// ```
///
/// The presented key is hashed, candidates are found by the digest's first 8 bytes, and the
/// whole digest is compared in constant time: timing can tell nothing about stored digests
/// that would help forge a key (finding a key for a digest prefix is a preimage search).
public struct APIKeyFilter: HTTPFilter {
    /// One accepted key.
    public struct Key: Decodable, Sendable {
        /// The consumer name the key authenticates.
        public var consumer: String
        /// The SHA-256 digest of the key (64 hex digits).
        public var sha256: [UInt8]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case consumer, sha256
        }

        /// A key entry.
        public init(consumer: String, sha256: [UInt8]) {
            self.consumer = consumer
            self.sha256 = sha256
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.consumer = try container.decode(String.self, forKey: .consumer)
            let hex = try container.decode(String.self, forKey: .sha256)
            guard !self.consumer.isEmpty, HTTPSyntax.isValidFieldValue(self.consumer) else {
                throw ConfigIssue("consumer must be a non-empty name without control characters", key: "consumer")
            }
            guard let digest = Bytes.hexDecode(hex), digest.count == 32 else {
                throw ConfigIssue(
                    "sha256 must be 64 hex digits (the SHA-256 of the key)", key: "sha256",
                    hint: "e.g. printf %s \"$KEY\" | sha256sum")
            }
            self.sha256 = digest
        }
    }

    /// The filter's configuration.
    public struct Configuration: FilterConfiguration {
        public static let typeName = "api_key"
        /// The header carrying the key, if keys are accepted in a header.
        public var header: String?
        /// The query parameter carrying the key, if keys are accepted in the query.
        public var query: String?
        /// The accepted keys.
        public var keys: [Key]
        /// Remove the key from the request before it goes upstream (default true).
        public var hideCredentials: Bool
        /// The header that tells the upstream who the consumer is (default `X-Consumer`;
        /// `off` sends none). Any value the client sent in it is replaced.
        public var consumerHeader: String?
        /// The realm in `WWW-Authenticate` on 401 (default `portico`).
        public var realm: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case header, query, keys, realm
            case hideCredentials = "hide_credentials"
            case consumerHeader = "consumer_header"
        }

        /// A configuration (header `X-API-Key` when neither source is given).
        public init(
            header: String? = nil, query: String? = nil, keys: [Key], hideCredentials: Bool = true,
            consumerHeader: String? = "X-Consumer", realm: String = "portico"
        ) {
            self.header = header ?? (query == nil ? "X-API-Key" : nil)
            self.query = query
            self.keys = keys
            self.hideCredentials = hideCredentials
            self.consumerHeader = consumerHeader
            self.realm = realm
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let header = try container.decodeIfPresent(String.self, forKey: .header)
            self.query = try container.decodeIfPresent(String.self, forKey: .query)
            self.header = header ?? (self.query == nil ? "X-API-Key" : nil)
            self.keys = try container.decode([Key].self, forKey: .keys)
            self.hideCredentials = try container.decodeIfPresent(Bool.self, forKey: .hideCredentials) ?? true
            self.consumerHeader = try ConfigValues.optionalHeader(
                container.decodeIfPresent(String.self, forKey: .consumerHeader), default: "X-Consumer",
                key: "consumer_header")
            self.realm = try container.decodeIfPresent(String.self, forKey: .realm) ?? "portico"
            if let header { try ConfigValues.checkHeaderName(header, key: "header", example: "X-API-Key") }
            if let query = self.query,
                query.isEmpty || query.utf8.contains(where: { $0 <= 0x20 || $0 == 0x26 || $0 == 0x3D })
            {
                throw ConfigIssue("'\(query)' is not a valid query parameter name", key: "query")
            }
            guard !self.keys.isEmpty else {
                throw ConfigIssue("an api_key filter needs at least one key", key: "keys")
            }
            var seen: Set<[UInt8]> = []
            for key in self.keys where !seen.insert(key.sha256).inserted {
                throw ConfigIssue("the same key digest is listed twice (consumer '\(key.consumer)')", key: "keys")
            }
            guard Realm.isValid(self.realm) else {
                throw ConfigIssue("realm must be printable text without quotes or backslashes", key: "realm")
            }
        }

        public func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
            APIKeyFilter(configuration: self)
        }
    }

    private let header: String?
    private let query: String?
    private let hideCredentials: Bool
    private let consumerHeader: String?
    /// Keys by the first 8 bytes of their digest (collisions kept together).
    private let keysByPrefix: [UInt64: [(digest: [UInt8], consumer: String)]]
    private let challenge: HeaderList

    /// A filter.
    public init(configuration: Configuration) {
        self.header = configuration.header
        self.query = configuration.query
        self.hideCredentials = configuration.hideCredentials
        self.consumerHeader = configuration.consumerHeader
        var table: [UInt64: [(digest: [UInt8], consumer: String)]] = [:]
        for key in configuration.keys {
            table[Self.prefix(key.sha256), default: []].append((key.sha256, key.consumer))
        }
        self.keysByPrefix = table
        self.challenge = ["WWW-Authenticate": "Key realm=\"\(configuration.realm)\""]
    }

    private static func prefix(_ digest: some Sequence<UInt8>) -> UInt64 {
        digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var phases: FilterPhases { .request }

    public func onRequest(_ context: inout RequestContext) -> FilterDecision {
        var presented: String?
        if let header = self.header, let value = context.request.headers[header] {
            presented = value
        } else if let query = self.query, let raw = context.request.queryParameter(query) {
            presented = Bytes.percentDecode(raw)
        }
        guard let presented, !presented.isEmpty else {
            return .reject(GatewayError(.unauthorized, "missing API key", headers: self.challenge))
        }
        let digest = Hashing.sha256(presented)
        var consumer: String?
        if let candidates = self.keysByPrefix[Self.prefix(digest)] {
            // Every candidate is compared, so the time does not depend on which one matched.
            for candidate in candidates where Bytes.constantTimeEquals(digest, candidate.digest) {
                consumer = candidate.consumer
            }
        }
        guard let consumer else {
            return .reject(GatewayError(.unauthorized, "invalid API key", headers: self.challenge))
        }
        context.consumer = consumer
        if self.hideCredentials {
            if let header = self.header { context.request.headers.remove(name: header) }
            if let query = self.query, context.request.query != nil {
                QueryEditing.removeParameter(query, from: &context.request)
            }
        }
        if let consumerHeader = self.consumerHeader {
            context.request.headers.set(name: consumerHeader, value: consumer)
        }
        return .proceed
    }
}

/// `WWW-Authenticate` realm values are written in quotes.
enum Realm {
    static func isValid(_ realm: String) -> Bool {
        HTTPSyntax.isValidFieldValue(realm) && !realm.utf8.contains(UInt8(ascii: "\""))
            && !realm.utf8.contains(UInt8(ascii: "\\"))
    }
}

/// Removing a parameter from the request target (`hide_credentials` for query keys).
enum QueryEditing {
    static func removeParameter(_ name: String, from request: inout RequestHead) {
        guard let query = request.query else { return }
        let kept = query.split(separator: "&", omittingEmptySubsequences: true).filter { pair in
            let key = pair.firstIndex(of: "=").map { pair[..<$0] } ?? pair
            return key != name
        }
        let path = request.path
        request.target = kept.isEmpty ? String(path) : "\(path)?\(kept.joined(separator: "&"))"
    }
}
