import Atomics
import NIOCore

/// A compiled upstream: its targets and how to reach and balance them.
public final class Upstream: Sendable {
    /// The upstream's name.
    public let name: String
    /// Its index in the snapshot's upstream list.
    public let index: Int
    /// Its targets and their health right now (discovery and health checks replace it).
    public let state: UpstreamState
    /// The current targets (balancers return indices into this).
    public var targets: [UpstreamTarget] { self.state.view.targets }
    /// The balancing algorithm.
    public let balancer: BalancerKind
    /// Connect, response-header and total timeouts.
    public let timeouts: UpstreamTimeouts
    /// Keep-alive pool limits.
    public let pool: PoolSettings
    /// Hashing, passive checks, breaker, retries and panic mode.
    public let resilience: UpstreamResilience
    /// Active health checks, run by the control plane.
    public let healthCheck: ActiveHealthCheck?
    /// Where targets are discovered, if not (only) configured.
    public let discovery: TargetDiscovery?
    /// Set when a service-routed upstream leaves its directory: event loops drop their
    /// state for it.
    public let retired = ManagedAtomic(false)

    /// Creates an upstream. With `discovery`, `targets` are only the starting list.
    public init(
        name: String,
        index: Int,
        targets: [UpstreamTarget],
        balancer: BalancerKind = .roundRobin,
        timeouts: UpstreamTimeouts = UpstreamTimeouts(),
        pool: PoolSettings = PoolSettings(),
        resilience: UpstreamResilience = UpstreamResilience(),
        healthCheck: ActiveHealthCheck? = nil,
        discovery: TargetDiscovery? = nil
    ) {
        self.name = name
        self.index = index
        self.state = UpstreamState(targets: targets)
        self.balancer = balancer
        self.timeouts = timeouts
        self.pool = pool
        self.resilience = resilience
        self.healthCheck = healthCheck
        self.discovery = discovery
    }

    /// A fresh balancer for one event loop over `targets`.
    public func makeBalancer(for targets: [UpstreamTarget]) -> any Balancer {
        self.balancer.make(weights: targets.map(\.weight), identities: targets.map(\.identity))
    }

    /// The time an attempt may wait for the response head: the per-try timeout when retries
    /// set one, else the response-header timeout.
    public var attemptTimeout: TimeAmount {
        self.resilience.retry?.perTryTimeout ?? self.timeouts.responseHeader
    }
}

/// One backend address of an upstream.
public struct UpstreamTarget: Sendable, Hashable {
    /// The URL as configured (`http://127.0.0.1:3001`).
    public var url: String
    /// The host part (name or IP literal, without brackets).
    public var host: String
    /// The port.
    public var port: Int
    /// The resolved socket address (resolved at config load: no DNS on the hot path).
    public var address: SocketAddress {
        didSet { self.poolKey = PoolKey(address: self.address) }
    }
    /// The pool key for `address`.
    public private(set) var poolKey: PoolKey
    /// The relative weight (≥ 1).
    public var weight: Int
    /// `Host` header value for this target: `host` or `host:port` when not the default port.
    public var authority: String
    /// A path prefix from the URL (`http://h/base` → `/base`), put before the request path.
    public var basePath: String

    /// A name for the target that is the same in every process and across target-list
    /// changes (`host@ip:port`): consistent hashing builds its table from it, so gateways
    /// agree on where a key goes and a list change moves only the keys it must.
    public var identity: String {
        "\(self.host)@\(self.address.ipAddress ?? ""):\(self.port)"
    }

    /// Creates a target.
    public init(url: String, host: String, port: Int, address: SocketAddress, weight: Int = 1, basePath: String = "") {
        self.url = url
        self.host = host
        self.port = port
        self.address = address
        self.poolKey = PoolKey(address: address)
        self.weight = weight
        let hostText = host.contains(":") ? "[\(host)]" : host
        self.authority = port == 80 ? hostText : "\(hostText):\(port)"
        self.basePath = basePath
    }
}

/// Upstream timeouts.
public struct UpstreamTimeouts: Sendable, Equatable {
    /// TCP connect.
    public var connect: TimeAmount
    /// From the request head sent to the response head received (504 after).
    public var responseHeader: TimeAmount
    /// From the request head received to the response end; nil: unlimited.
    public var request: TimeAmount?

    /// Creates timeouts; the defaults are documented in docs/configuration.md.
    public init(
        connect: TimeAmount = .seconds(5), responseHeader: TimeAmount = .seconds(60), request: TimeAmount? = nil
    ) {
        self.connect = connect
        self.responseHeader = responseHeader
        self.request = request
    }
}

/// Keep-alive pool limits, per target and per event loop.
public struct PoolSettings: Sendable, Equatable {
    /// Idle connections kept per target.
    public var maxIdlePerTarget: Int
    /// An idle connection is closed after this long (keep it below the upstream's own).
    public var idleTimeout: TimeAmount
    /// Connections (busy + idle) per target; requests beyond it get 503.
    public var maxConnectionsPerTarget: Int

    /// Creates settings with the documented defaults.
    public init(maxIdlePerTarget: Int = 64, idleTimeout: TimeAmount = .seconds(60), maxConnectionsPerTarget: Int = 1024)
    {
        self.maxIdlePerTarget = maxIdlePerTarget
        self.idleTimeout = idleTimeout
        self.maxConnectionsPerTarget = maxConnectionsPerTarget
    }
}
