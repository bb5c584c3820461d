/// How one upstream attempt failed, as the proxy saw it (the input of retry decisions).
public enum AttemptFailure: Sendable, Hashable {
    /// The connection could not be opened (refused, unreachable, connect timeout).
    case connectFailure
    /// The connection closed or reset before a complete response head arrived.
    case reset
    /// No response head within the per-try timeout.
    case timeout
    /// A response head arrived with this status (before any of it went to the client).
    case status(Int)
}
