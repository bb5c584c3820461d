/// A kind of failure worth a retry (one entry of `retries.on` in an upstream's config).
public enum RetryCondition: Sendable, Hashable {
    /// `connect_failure`: the connection could not be opened.
    case connectFailure
    /// `reset`: the connection closed before a complete response head.
    case reset
    /// `timeout`: the per-try timeout expired.
    case timeout
    /// `5xx`: any status from 500 to 599.
    case serverError
    /// `502`, `429`, …: this status.
    case status(Int)

    /// The default `on` list: `[connect_failure, reset, 502, 503, 504]`.
    public static let defaults: [RetryCondition] = [.connectFailure, .reset, .status(502), .status(503), .status(504)]

    /// Parses a config value: `connect_failure`, `reset`, `timeout`, `5xx`, or a status code
    /// (100...599); nil otherwise.
    public init?(configValue: String) {
        switch configValue {
        case "connect_failure": self = .connectFailure
        case "reset": self = .reset
        case "timeout": self = .timeout
        case "5xx": self = .serverError
        default:
            guard configValue.utf8.count == 3, let status = Int(configValue), (100...599).contains(status) else {
                return nil
            }
            self = .status(status)
        }
    }

    /// The config spelling (inverse of ``init(configValue:)``).
    public var configValue: String {
        switch self {
        case .connectFailure: "connect_failure"
        case .reset: "reset"
        case .timeout: "timeout"
        case .serverError: "5xx"
        case .status(let status): String(status)
        }
    }

    /// Whether this condition covers `failure`.
    public func matches(_ failure: AttemptFailure) -> Bool {
        switch (self, failure) {
        case (.connectFailure, .connectFailure), (.reset, .reset), (.timeout, .timeout): true
        case (.serverError, .status(let status)): (500...599).contains(status)
        case (.status(let wanted), .status(let status)): wanted == status
        default: false
        }
    }
}
