import NIOCore

/// How to check one target once (F-22). A plain value: the config compiler maps an upstream's
/// `health_check:` block onto it; the interval and the thresholds belong to the scheduler and
/// to the health state machine, not here.
///
/// Defaults: `path` `/`, `host` the target's `host:port`, `expectedStatuses` `[200]`, no body
/// check, `maxBodyBytes` 64 KiB, gRPC `service` empty (the whole server), TLS verification on
/// with the system trust roots, `timeout` 1 s.
public struct ProbeConfiguration: Sendable, Hashable {
    /// The probe's protocol.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A TCP connect succeeds; the connection is closed at once.
        case tcp
        /// `GET path` over HTTP/1.1 in clear text.
        case http
        /// `GET path` over HTTP/1.1 in TLS.
        case https
        /// The gRPC health protocol (`grpc.health.v1.Health/Check`) over cleartext HTTP/2 with prior
        /// knowledge (h2c).
        case grpc
        /// The gRPC health protocol over TLS, negotiating `h2` through ALPN.
        case grpcs

        /// Whether this kind runs over TLS (and so uses ``ProbeConfiguration/tls``).
        public var usesTLS: Bool { self == .https || self == .grpcs }
    }

    /// TLS settings for `https` and `grpcs` probes; ignored by the other kinds.
    public struct TLSOptions: Sendable, Hashable {
        /// A PEM file of CA certificates that replaces the system trust roots; `nil` uses the system's.
        public var caFile: String?
        /// The name sent as SNI and checked against the certificate. `nil`: the target's host when it
        /// is a name; for an IP address no SNI is sent and the certificate must name that address.
        public var serverName: String?
        /// Verify the certificate chain and name (default `true`). `false` accepts any certificate,
        /// for self-signed test targets only.
        public var verify: Bool
        /// An optional client certificate chain (PEM) for upstreams that require mTLS.
        public var certificateFile: String?
        /// The private key (PEM) of `certificateFile`.
        public var keyFile: String?

        /// Creates TLS options; every argument has the documented default.
        public init(
            caFile: String? = nil,
            serverName: String? = nil,
            verify: Bool = true,
            certificateFile: String? = nil,
            keyFile: String? = nil
        ) {
            self.caFile = caFile
            self.serverName = serverName
            self.verify = verify
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    /// The probe's protocol (config `type`).
    public var kind: Kind
    /// The request path for `http`/`https` (config `path`, default `/`); may carry a query.
    public var path: String
    /// The `Host` header (`:authority` for gRPC) to send (config `host`); `nil` sends the target's
    /// `host:port` (the port left out when it is the scheme's default).
    public var host: String?
    /// Statuses that count as healthy for `http`/`https` (config `expected_statuses`, default `[200]`).
    /// Each entry is a closed range; ``parseStatusRange(_:)`` reads `200`, `200-299` and `2xx`.
    public var expectedStatuses: [ClosedRange<Int>]
    /// A substring the response body must contain (config `body`); `nil` skips the body check and the
    /// probe succeeds on the status line alone.
    public var bodyContains: String?
    /// How much of the body is searched for `bodyContains` (default 64 KiB); later bytes are not read.
    public var maxBodyBytes: Int
    /// The service name asked about by gRPC probes (config `service`, default empty: the server as a
    /// whole).
    public var service: String
    /// TLS settings for `https` and `grpcs` (config `tls`).
    public var tls: TLSOptions
    /// Upper bound of one probe: connect, TLS handshake, request and answer (config `timeout`, default 1 s).
    public var timeout: TimeAmount

    /// Creates a probe configuration; every argument but `kind` has the documented default.
    public init(
        kind: Kind,
        path: String = "/",
        host: String? = nil,
        expectedStatuses: [ClosedRange<Int>] = [200...200],
        bodyContains: String? = nil,
        maxBodyBytes: Int = 64 * 1024,
        service: String = "",
        tls: TLSOptions = TLSOptions(),
        timeout: TimeAmount = .seconds(1)
    ) {
        self.kind = kind
        self.path = path
        self.host = host
        self.expectedStatuses = expectedStatuses
        self.bodyContains = bodyContains
        self.maxBodyBytes = maxBodyBytes
        self.service = service
        self.tls = tls
        self.timeout = timeout
    }

    /// Whether `status` is one of ``expectedStatuses``.
    public func isExpected(status: Int) -> Bool {
        self.expectedStatuses.contains { $0.contains(status) }
    }

    /// Checks the values a config file can get wrong; ``HealthProbe`` calls it before building anything.
    public func validate() throws(ProbeConfigurationError) {
        if self.timeout <= .zero {
            throw ProbeConfigurationError("timeout must be positive")
        }
        switch self.kind {
        case .http, .https:
            guard self.path.hasPrefix("/"), !self.path.contains(where: { $0 == "\r" || $0 == "\n" || $0 == " " })
            else {
                throw ProbeConfigurationError("path must start with / and contain no spaces or line breaks")
            }
            if self.expectedStatuses.isEmpty {
                throw ProbeConfigurationError("expected_statuses must not be empty")
            }
            for range in self.expectedStatuses where range.lowerBound < 100 || range.upperBound > 599 {
                throw ProbeConfigurationError("expected status \(range) is outside 100-599")
            }
            if let body = self.bodyContains, body.isEmpty {
                throw ProbeConfigurationError("body must not be empty when given")
            }
            if self.maxBodyBytes <= 0 {
                throw ProbeConfigurationError("the body limit must be positive")
            }
        case .tcp, .grpc, .grpcs:
            break
        }
        if let host = self.host, host.isEmpty || host.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw ProbeConfigurationError("host must be a non-empty header value")
        }
        if self.kind.usesTLS {
            if (self.tls.certificateFile == nil) != (self.tls.keyFile == nil) {
                throw ProbeConfigurationError("a client certificate needs both certificate and key files")
            }
            if let name = self.tls.serverName, name.isEmpty {
                throw ProbeConfigurationError("server_name must not be empty when given")
            }
        }
    }

    /// Parses one `expected_statuses` entry: `200`, a range `200-299`, or a class `2xx`.
    /// Returns `nil` for anything else or for statuses outside 100-599.
    public static func parseStatusRange(_ text: String) -> ClosedRange<Int>? {
        let text = text.trimmingSpaces()
        let range: ClosedRange<Int>
        if text.count == 3, let first = text.first, let digit = first.wholeNumberValue,
            text.dropFirst().lowercased() == "xx"
        {
            range = (digit * 100)...(digit * 100 + 99)
        } else if let dash = text.firstIndex(of: "-") {
            guard let low = Int(text[..<dash].trimmingSpaces()),
                let high = Int(text[text.index(after: dash)...].trimmingSpaces()), low <= high
            else { return nil }
            range = low...high
        } else if let single = Int(text) {
            range = single...single
        } else {
            return nil
        }
        return range.lowerBound >= 100 && range.upperBound <= 599 ? range : nil
    }
}

/// A probe configuration that cannot work, or a TLS file that cannot be loaded.
public struct ProbeConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, for the config error message.
    public var message: String

    /// Creates an error with a message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { self.message }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
