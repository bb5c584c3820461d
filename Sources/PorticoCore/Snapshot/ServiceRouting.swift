import Atomics
import NIOCore
import Synchronization

/// Service-name routing (SPEC F-13): the first path segment names a service in the registry
/// (`/users/123` → `users`), whose live instances serve the request.
///
/// The route's ``ServiceDirectory`` holds one ``Upstream`` per service the registry knows,
/// built from the route's template and kept current by the control plane.
public final class ServiceRouting: Sendable {
    /// Remove the service segment from the upstream path (`/users/123` → `/123`).
    public let strip: Bool
    /// How each service's upstream balances, times out, pools, retries and ejects.
    public let template: UpstreamTemplate
    /// The services, by name.
    public let directory: ServiceDirectory

    /// Creates a routing with an empty directory.
    public init(strip: Bool, template: UpstreamTemplate) {
        self.strip = strip
        self.template = template
        self.directory = ServiceDirectory()
    }
}

/// The settings every service-routed upstream gets.
public struct UpstreamTemplate: Sendable {
    public var balancer: BalancerKind
    public var timeouts: UpstreamTimeouts
    public var pool: PoolSettings
    public var resilience: UpstreamResilience

    /// Creates a template (the defaults of a configured upstream).
    public init(
        balancer: BalancerKind = .roundRobin, timeouts: UpstreamTimeouts = UpstreamTimeouts(),
        pool: PoolSettings = PoolSettings(), resilience: UpstreamResilience = UpstreamResilience()
    ) {
        self.balancer = balancer
        self.timeouts = timeouts
        self.pool = pool
        self.resilience = resilience
    }

    /// A new upstream for `service` (not in the snapshot's list: its index is -1).
    public func makeUpstream(service: String, targets: [UpstreamTarget]) -> Upstream {
        Upstream(
            name: "service:\(service)", index: -1, targets: targets, balancer: self.balancer, timeouts: self.timeouts,
            pool: self.pool, resilience: self.resilience)
    }
}

/// Service name → upstream, read by requests with one atomic load, replaced as a whole by
/// the control plane.
public final class ServiceDirectory: Sendable {
    /// An immutable table.
    public final class Table: Sendable, AtomicReference {
        /// The upstreams, by service name.
        public let upstreams: [String: Upstream]

        /// Creates a table.
        public init(_ upstreams: [String: Upstream]) {
            self.upstreams = upstreams
        }
    }

    private let current = ManagedAtomic(Table([:]))
    private let writer = Mutex<Void>(())

    /// An empty directory.
    public init() {}

    /// The upstream of `service`, if the registry has ever had it.
    @inline(__always)
    public func upstream(for service: Substring) -> Upstream? {
        self.current.load(ordering: .acquiring).upstreams[String(service)]
    }

    /// Every service's upstream.
    public var upstreams: [String: Upstream] { self.current.load(ordering: .acquiring).upstreams }

    /// Adds or replaces entries (control plane).
    public func update(_ change: (inout [String: Upstream]) -> Void) {
        self.writer.withLock { _ in
            var upstreams = self.current.load(ordering: .acquiring).upstreams
            change(&upstreams)
            self.current.store(Table(upstreams), ordering: .releasing)
        }
    }
}
