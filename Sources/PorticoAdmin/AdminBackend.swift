import PorticoCore

/// What the admin API reads from the running gateway.
public protocol AdminBackend: Sendable {
    /// Listeners bound and a config loaded (and not draining).
    var isReady: Bool { get }
    /// The snapshot requests currently use.
    var currentSnapshot: RuntimeSnapshot { get }
    /// The Prometheus exposition, with fresh counts from every event loop.
    func metricsText() async -> String
    /// The upstreams' live state: targets, health, ejections, breakers, in-flight, EWMA.
    func upstreamStatus() async -> [UpstreamStatus]
    /// The service registry behind `/registry`; nil when there is none.
    var serviceRegistry: (any ServiceRegistry)? { get }
}

extension AdminBackend {
    public func upstreamStatus() async -> [UpstreamStatus] { [] }
    public var serviceRegistry: (any ServiceRegistry)? { nil }
}
