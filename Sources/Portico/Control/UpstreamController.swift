import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PorticoCore
import PorticoDNS

/// Keeps one upstream's shared state current (control plane, async, off the event loops):
/// its target list from every source, and its active health checks.
///
/// Target sources, combined in this order:
/// - configured targets with an IP address, as they are;
/// - configured targets with a host name, re-resolved (A/AAAA) on their records' TTL, at
///   least every 30 s (SPEC F-32); one target per address, each with the configured weight;
/// - `discovery:` — the registry's live instances, or DNS (A/AAAA with a port, or SRV).
final class UpstreamController: Sendable {
    let upstream: Upstream
    let health: HealthChecker?
    private let sources: NIOLockedValueBox<TargetSources>
    private let registry: any ServiceRegistry
    private let resolver: any DNSResolving
    private let staticHosts: Set<String>
    private let logger: Logger

    init(
        upstream: Upstream, registry: any ServiceRegistry, resolver: any DNSResolving, staticHosts: Set<String>,
        group: any EventLoopGroup, logger: Logger
    ) throws {
        self.upstream = upstream
        self.registry = registry
        self.resolver = resolver
        self.staticHosts = staticHosts
        self.logger = logger
        self.sources = NIOLockedValueBox(TargetSources(configured: upstream.state.view.targets))
        self.health = try upstream.healthCheck.map {
            try HealthChecker(upstream: upstream, check: $0, group: group, logger: logger)
        }
    }

    /// Whether there is anything to run for this upstream.
    var hasWork: Bool {
        self.health != nil || self.upstream.discovery != nil || !self.resolvedHostTargets.isEmpty
    }

    /// Configured targets whose host is a name worth re-resolving.
    private var resolvedHostTargets: [(Int, UpstreamTarget)] {
        self.sources.withLockedValue { $0.configured }.enumerated().filter { _, target in
            SocketAddressParsing.isIPLiteral(target.host) == false
                && !self.staticHosts.contains(target.host.lowercased())
        }
    }

    /// Runs every source and the health checks until the task is cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            if let health = self.health {
                group.addTask { await health.run() }
            }
            for (index, target) in self.resolvedHostTargets {
                group.addTask { await self.followHostName(of: target, at: index) }
            }
            switch self.upstream.discovery {
            case .registry(let service):
                group.addTask { await self.followRegistry(service) }
            case .dns(let host, let port, let interval):
                group.addTask {
                    await self.followDNS(EndpointLookup(name: host, mode: .addresses(port: port)), interval: interval)
                }
            case .srv(let name, let interval):
                group.addTask { await self.followDNS(EndpointLookup(name: name, mode: .srv), interval: interval) }
            case nil:
                break
            }
        }
    }

    // MARK: Sources

    private func followHostName(of target: UpstreamTarget, at index: Int) async {
        let discovery = DNSDiscovery(
            lookup: EndpointLookup(name: target.host, mode: .addresses(port: target.port)),
            configuration: DiscoveryConfiguration(interval: .seconds(30)),
            resolver: self.resolver)
        await self.consume(discovery, name: target.host) { endpoints in
            self.sources.withLockedValue { sources in
                sources.resolved[index] = endpoints.compactMap { endpoint in
                    guard let address = try? endpoint.socketAddress() else { return nil }
                    return UpstreamTarget(
                        url: target.url, host: target.host, port: target.port, address: address, weight: target.weight,
                        basePath: target.basePath)
                }
            }
        }
    }

    private func followDNS(_ lookup: EndpointLookup, interval: TimeAmount) async {
        let discovery = DNSDiscovery(
            lookup: lookup,
            configuration: DiscoveryConfiguration(interval: .nanoseconds(max(interval.nanoseconds, 1_000_000_000))),
            resolver: self.resolver)
        await self.consume(discovery, name: lookup.name) { endpoints in
            self.sources.withLockedValue { sources in
                sources.discovered = endpoints.compactMap { endpoint in
                    guard let address = try? endpoint.socketAddress() else { return nil }
                    let host = endpoint.host.hasSuffix(".") ? String(endpoint.host.dropLast()) : endpoint.host
                    return UpstreamTarget(
                        url: "http://\(host):\(endpoint.port)", host: host, port: endpoint.port, address: address,
                        weight: max(Int(endpoint.weight), 1))
                }
            }
        }
    }

    private func consume(
        _ discovery: DNSDiscovery, name: String, update: @escaping @Sendable ([DiscoveredEndpoint]) -> Void
    ) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await discovery.run() }
            for await event in discovery.events {
                switch event {
                case .endpoints(let endpoints):
                    update(endpoints)
                    self.publish(reason: "dns \(name): \(endpoints.count) address(es)")
                case .failed(let error):
                    self.logger.warning(
                        "DNS lookup failed; keeping the last targets",
                        metadata: ["upstream": "\(self.upstream.name)", "name": "\(name)", "error": "\(error)"])
                }
            }
        }
    }

    private func followRegistry(_ service: String) async {
        let stream: AsyncStream<ServiceSnapshot>
        do {
            stream = try await self.registry.watch(service)
        } catch {
            self.logger.error(
                "cannot watch the registry", metadata: ["service": "\(service)", "error": "\(error)"])
            return
        }
        var warned = Set<String>()
        for await snapshot in stream {
            var targets: [UpstreamTarget] = []
            for instance in snapshot.instances {
                guard instance.scheme == .http else {
                    if warned.insert(instance.id).inserted {
                        self.logger.warning(
                            "registry instance skipped: only http instances can be proxied to yet",
                            metadata: [
                                "service": "\(service)", "instance": "\(instance.id)",
                                "protocol": "\(instance.scheme.rawValue)",
                            ])
                    }
                    continue
                }
                guard let target = await Self.target(for: instance) else {
                    self.logger.warning(
                        "registry instance skipped: cannot resolve its address",
                        metadata: [
                            "service": "\(service)", "instance": "\(instance.id)", "address": "\(instance.address)",
                        ])
                    continue
                }
                targets.append(target)
            }
            self.sources.withLockedValue { $0.discovered = targets }
            self.publish(reason: "registry \(service) v\(snapshot.version): \(targets.count) instance(s)")
        }
    }

    /// A registry instance as a target; its `weight` metadata (1...1000000) is honoured.
    static func target(for instance: ServiceInstance) async -> UpstreamTarget? {
        let address: SocketAddress
        if let literal = try? SocketAddress(ipAddress: instance.address, port: instance.port) {
            address = literal
        } else {
            // A host name: getaddrinfo blocks, so it runs on NIO's thread pool.
            guard
                let resolved = try? await NIOThreadPool.singleton.runIfActive({
                    try SocketAddress.makeAddressResolvingHost(instance.address, port: instance.port)
                })
            else { return nil }
            address = resolved
        }
        let weight = instance.metadata["weight"].flatMap(Int.init).map { min(max($0, 1), 1_000_000) } ?? 1
        return UpstreamTarget(
            url: instance.url, host: instance.address, port: instance.port, address: address, weight: weight)
    }

    /// Makes the combined list current (and the health checks follow it).
    private func publish(reason: String) {
        let targets = self.sources.withLockedValue { $0.combined }
        guard self.upstream.state.replaceTargets(targets) else { return }
        self.health?.setTargets(targets)
        self.logger.info(
            "upstream targets changed",
            metadata: [
                "upstream": "\(self.upstream.name)", "source": "\(reason)",
                "targets": "\(targets.map(\.authority).joined(separator: ","))",
            ])
    }
}

/// An upstream's targets by source.
struct TargetSources: Sendable {
    /// As compiled from `targets:` (host names resolved once).
    var configured: [UpstreamTarget]
    /// Re-resolved addresses of configured host-name targets, by their index in `configured`.
    var resolved: [Int: [UpstreamTarget]] = [:]
    /// From `discovery:`.
    var discovered: [UpstreamTarget] = []

    /// Every source's targets; a discovered address already configured is not added twice.
    var combined: [UpstreamTarget] {
        var result: [UpstreamTarget] = []
        for (index, target) in self.configured.enumerated() {
            result += self.resolved[index] ?? [target]
        }
        let configured = Set(result.map(\.poolKey))
        result += self.discovered.filter { !configured.contains($0.poolKey) }
        return result
    }
}

enum SocketAddressParsing {
    static func isIPLiteral(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
