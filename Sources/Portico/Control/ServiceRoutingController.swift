import Logging
import NIOCore
import PorticoCore

/// Keeps a service-routing route's directory in step with the registry (SPEC F-13): one
/// upstream per service, built from the route's template, whose targets are the service's
/// live http instances. A service whose last instance left keeps its (empty) upstream, so
/// its requests get 503 rather than 404.
final class ServiceRoutingController: Sendable {
    let routeName: String
    let routing: ServiceRouting
    private let registry: any ServiceRegistry
    private let logger: Logger

    init(routeName: String, routing: ServiceRouting, registry: any ServiceRegistry, logger: Logger) {
        self.routeName = routeName
        self.routing = routing
        self.registry = registry
        self.logger = logger
    }

    /// The service-routing routes of a snapshot.
    static func all(in snapshot: RuntimeSnapshot, registry: any ServiceRegistry, logger: Logger)
        -> [ServiceRoutingController]
    {
        snapshot.routes.compactMap { route in
            guard case .service(let routing) = route.action else { return nil }
            return ServiceRoutingController(routeName: route.name, routing: routing, registry: registry, logger: logger)
        }
    }

    /// Takes over the services the same route knew in the previous snapshot, so a reload
    /// routes them at once (the watch then brings everything up to date).
    func adopt(from previous: ServiceRoutingController) {
        let known = previous.routing.directory.upstreams
        self.routing.directory.update { upstreams in
            for (service, old) in known {
                let upstream = self.routing.template.makeUpstream(service: service, targets: [])
                upstream.state.adopt(old.state, keepTargets: true)
                upstreams[service] = upstream
            }
        }
    }

    /// Fills the directory from the registry once (at start, before traffic).
    func prime() async {
        guard let services = try? await self.registry.services() else { return }
        for service in services {
            if let snapshot = try? await self.registry.snapshot(of: service) { await self.apply(snapshot) }
        }
    }

    /// Follows every service until the task is cancelled.
    func run() async {
        let stream: AsyncStream<ServiceSnapshot>
        do {
            stream = try await self.registry.watchAll()
        } catch {
            self.logger.error(
                "cannot watch the registry", metadata: ["route": "\(self.routeName)", "error": "\(error)"])
            return
        }
        for await snapshot in stream {
            await self.apply(snapshot)
        }
    }

    /// Marks the upstreams of this (replaced) route retired, so event loops drop their state.
    func retire() {
        for upstream in self.routing.directory.upstreams.values { upstream.retired.store(true, ordering: .relaxed) }
    }

    private func apply(_ snapshot: ServiceSnapshot) async {
        var targets: [UpstreamTarget] = []
        for instance in snapshot.instances where instance.scheme == .http {
            if let target = await UpstreamController.target(for: instance) { targets.append(target) }
        }
        if let existing = self.routing.directory.upstream(for: snapshot.service[...]) {
            existing.state.replaceTargets(targets)
            return
        }
        let upstream = self.routing.template.makeUpstream(service: snapshot.service, targets: targets)
        self.routing.directory.update { $0[snapshot.service] = upstream }
        self.logger.info(
            "service routed", metadata: ["route": "\(self.routeName)", "service": "\(snapshot.service)"])
    }
}
