import PorticoCore

/// What the admin API reads from the running gateway.
public protocol AdminBackend: Sendable {
    /// Listeners bound and a config loaded (and not draining).
    var isReady: Bool { get }
    /// The snapshot requests currently use.
    var currentSnapshot: RuntimeSnapshot { get }
    /// The Prometheus exposition, with fresh counts from every event loop.
    func metricsText() async -> String
}
