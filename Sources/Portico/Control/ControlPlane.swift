import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PorticoCore
import PorticoDNS

/// The gateway's background work for upstreams: health checks, discovery, the registry's
/// expiry sweep. One set of ``UpstreamController``s runs per installed snapshot; installing
/// a new snapshot carries target lists and health verdicts over and restarts them.
final class ControlPlane: Sendable {
    let registry: any ServiceRegistry
    private let group: any EventLoopGroup
    private let logger: Logger
    private let staticHosts: Set<String>
    private let state = NIOLockedValueBox(State())

    private struct State {
        var controllers: [String: UpstreamController] = [:]
        var serviceRouting: [String: ServiceRoutingController] = [:]
        var task: Task<Void, Never>?
        var expiryTask: Task<Void, Never>?
        var stopped = false
    }

    init(registry: any ServiceRegistry, group: any EventLoopGroup, logger: Logger) {
        self.registry = registry
        self.group = group
        self.logger = logger
        self.staticHosts = Self.hostsFileNames()
    }

    /// What runs for one snapshot.
    struct Prepared {
        var upstreams: [UpstreamController]
        var serviceRouting: [ServiceRoutingController]
    }

    /// Builds the controllers of `snapshot` (this is where a broken health check fails).
    func prepare(_ snapshot: RuntimeSnapshot) throws -> Prepared {
        let resolver = self.resolver(for: snapshot.settings)
        let upstreams = try snapshot.upstreams.map {
            try UpstreamController(
                upstream: $0, registry: self.registry, resolver: resolver, staticHosts: self.staticHosts,
                group: self.group, logger: self.logger)
        }
        return Prepared(
            upstreams: upstreams,
            serviceRouting: ServiceRoutingController.all(in: snapshot, registry: self.registry, logger: self.logger))
    }

    /// Fills service-routing directories from the registry before the first request.
    func prime(_ prepared: Prepared) async {
        for controller in prepared.serviceRouting { await controller.prime() }
    }

    /// Runs `controllers` (prepared for the snapshot being installed) instead of the
    /// previous ones. `previous` is the snapshot being replaced, if any: what it learnt
    /// about targets carries over to upstreams of the same name.
    func run(_ prepared: Prepared, replacing previous: RuntimeSnapshot?) {
        let controllers = prepared.upstreams
        let previousRouting = self.state.withLockedValue { $0.serviceRouting }
        for controller in prepared.serviceRouting {
            if let old = previousRouting[controller.routeName] { controller.adopt(from: old) }
        }
        if let previous {
            let old = Dictionary(previous.upstreams.map { ($0.name, $0) }) { first, _ in first }
            for controller in controllers {
                guard let before = old[controller.upstream.name] else { continue }
                let upstream = controller.upstream
                // Discovered targets stay while discovery is unchanged; verdicts always do.
                let keepTargets = upstream.discovery != nil && upstream.discovery == before.discovery
                upstream.state.adopt(before.state, keepTargets: keepTargets)
                if keepTargets { controller.health?.setTargets(upstream.state.view.targets) }
            }
        }
        let working = controllers.filter(\.hasWork)
        let routing = prepared.serviceRouting
        self.state.withLockedValue { state in
            guard !state.stopped else { return }
            state.task?.cancel()
            for old in state.serviceRouting.values { old.retire() }
            state.controllers = Dictionary(controllers.map { ($0.upstream.name, $0) }) { first, _ in first }
            state.serviceRouting = Dictionary(routing.map { ($0.routeName, $0) }) { first, _ in first }
            state.task = Task {
                await withDiscardingTaskGroup { group in
                    for controller in working { group.addTask { await controller.run() } }
                    for controller in routing { group.addTask { await controller.run() } }
                }
            }
            if state.expiryTask == nil, let registry = self.registry as? InMemoryServiceRegistry {
                state.expiryTask = Task { await registry.runExpiry() }
            }
        }
    }

    /// The controller of an upstream of the current snapshot (admin API).
    func controller(named name: String) -> UpstreamController? {
        self.state.withLockedValue { $0.controllers[name] }
    }

    /// Stops everything.
    func stop() async {
        let tasks = self.state.withLockedValue { state -> [Task<Void, Never>] in
            state.stopped = true
            defer {
                state.task = nil
                state.expiryTask = nil
            }
            return [state.task, state.expiryTask].compactMap { $0 }
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        if let registry = self.registry as? InMemoryServiceRegistry { await registry.finishWatchers() }
    }

    private func resolver(for settings: GatewaySettings) -> DNSResolver {
        guard let configured = settings.resolver else {
            return DNSResolver(configuration: .system(), eventLoopGroup: self.group)
        }
        let timeout = Duration.nanoseconds(configured.timeout.nanoseconds)
        guard !configured.nameservers.isEmpty else {
            // No nameservers given: the system's set-up, with the configured timeout and attempts.
            var system = ResolverConfiguration.system()
            system.timeout = timeout
            system.attempts = configured.attempts
            return DNSResolver(configuration: system, eventLoopGroup: self.group)
        }
        return DNSResolver(
            configuration: ResolverConfiguration(
                nameservers: configured.nameservers, timeout: timeout, attempts: configured.attempts),
            eventLoopGroup: self.group)
    }

    /// Names listed in /etc/hosts: the system resolver answers them at compile time and DNS
    /// would not know them, so they are not re-resolved.
    static func hostsFileNames(path: String = "/etc/hosts") -> Set<String> {
        var names: Set<String> = ["localhost"]
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return names }
        for line in text.split(separator: "\n") {
            let fields = line.prefix { $0 != "#" }.split(whereSeparator: { $0 == " " || $0 == "\t" })
            for name in fields.dropFirst() { names.insert(name.lowercased()) }
        }
        return names
    }
}
