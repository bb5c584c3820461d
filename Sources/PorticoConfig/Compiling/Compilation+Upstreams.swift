import NIOCore
import PorticoCore

extension Compilation {
    /// The upstreams, sorted by name (their indices are what `RouteAction.proxy` refers to),
    /// with every target resolved to a socket address.
    mutating func compileUpstreams() -> [Upstream] {
        var result: [Upstream] = []
        for name in self.config.upstreams.keys.sorted() {
            guard let upstream = self.config.upstreams[name] else { continue }
            let path = ConfigPath.root.key("upstreams").key(name)
            _ = Validation.checkName(name, kind: "upstream", at: path, into: &self.diagnostics)
            let discovery = upstream.discovery.flatMap { self.compileDiscovery($0, at: path.key("discovery")) }
            let targets = self.compileTargets(
                upstream.targets, at: path.key("targets"), required: upstream.discovery == nil)
            let template = self.compileTemplate(upstream, at: path)
            let healthCheck = upstream.healthCheck.flatMap { self.compileHealthCheck($0, at: path.key("health_check")) }
            result.append(
                Upstream(
                    name: name,
                    index: result.count,
                    targets: targets,
                    balancer: template.balancer,
                    timeouts: template.timeouts,
                    pool: template.pool,
                    resilience: template.resilience,
                    healthCheck: healthCheck,
                    discovery: discovery
                )
            )
        }
        return result
    }

    /// Everything about an upstream but its targets: balancer, timeouts, pool, resilience.
    mutating func compileTemplate(_ upstream: UpstreamConfig, at path: ConfigPath) -> UpstreamTemplate {
        let balancer = self.balancerKind(upstream, at: path.key("balancer"))
        let resilience = self.compileResilience(upstream, at: path)
        let timeoutsPath = path.key("timeouts")
        Validation.checkPositive(upstream.timeouts.connect, at: timeoutsPath.key("connect"), into: &self.diagnostics)
        Validation.checkPositive(
            upstream.timeouts.responseHeader, at: timeoutsPath.key("response_header"), into: &self.diagnostics)
        if let request = upstream.timeouts.request {
            Validation.checkPositive(request, at: timeoutsPath.key("request"), into: &self.diagnostics)
        }
        let pool = upstream.pool
        let poolPath = path.key("pool")
        Validation.checkAtLeast(
            pool.maxIdlePerTarget, 0, at: poolPath.key("max_idle_per_target"), into: &self.diagnostics)
        Validation.checkPositive(pool.idleTimeout, at: poolPath.key("idle_timeout"), into: &self.diagnostics)
        Validation.checkAtLeast(
            pool.maxConnectionsPerTarget, 1, at: poolPath.key("max_connections_per_target"), into: &self.diagnostics)
        return UpstreamTemplate(
            balancer: balancer,
            timeouts: UpstreamTimeouts(
                connect: upstream.timeouts.connect.timeAmount,
                responseHeader: upstream.timeouts.responseHeader.timeAmount,
                request: upstream.timeouts.request?.timeAmount
            ),
            pool: PoolSettings(
                maxIdlePerTarget: pool.maxIdlePerTarget,
                idleTimeout: pool.idleTimeout.timeAmount,
                maxConnectionsPerTarget: pool.maxConnectionsPerTarget
            ),
            resilience: resilience
        )
    }

    /// `service_routing`: its upstream settings, without what only a fixed upstream has.
    mutating func compileServiceRouting(_ routing: ServiceRoutingConfig, at path: ConfigPath) -> ServiceRouting? {
        let upstream = routing.upstream ?? UpstreamConfig(targets: [])
        let upstreamPath = path.key("upstream")
        let errorsBefore = self.diagnostics.errors.count
        let refused: [(String, Bool, String)] = [
            ("targets", !upstream.targets.isEmpty, "targets come from the registry"),
            ("discovery", upstream.discovery != nil, "the service name comes from the path"),
            ("health_check", upstream.healthCheck != nil, "registry TTLs and passive checks play that part here"),
        ]
        for (key, given, reason) in refused where given {
            self.diagnostics.error(upstreamPath.key(key), "'\(key)' does not apply to service routing: \(reason)")
        }
        let template = self.compileTemplate(upstream, at: upstreamPath)
        guard self.diagnostics.errors.count == errorsBefore else { return nil }
        return ServiceRouting(strip: routing.strip, template: template)
    }

    /// The balancer to build. `round_robin` over unequal weights becomes the smooth weighted
    /// round robin, as in nginx: a configured weight is never silently ignored.
    private mutating func balancerKind(_ upstream: UpstreamConfig, at path: ConfigPath) -> BalancerKind {
        switch upstream.balancer {
        case .roundRobin:
            // Discovered targets (SRV records) may come with weights too.
            let weighted = upstream.discovery != nil || upstream.targets.contains { $0.weight != 1 }
            return weighted ? .weightedRoundRobin : .roundRobin
        case .weightedRoundRobin: return .weightedRoundRobin
        case .leastConnections: return .leastConnections
        case .random: return .random
        case .ipHash: return .ipHash
        case .p2cEWMA: return .p2cEWMA
        case .consistentHash: return .consistentHash
        }
    }

    private mutating func compileTargets(_ targets: [TargetConfig], at path: ConfigPath, required: Bool)
        -> [UpstreamTarget]
    {
        if targets.isEmpty && required {
            self.diagnostics.error(
                path,
                "an upstream needs at least one target",
                hint: "e.g. targets: [{url: http://127.0.0.1:3000}], or discovery: {registry: NAME}"
            )
        }
        var result: [UpstreamTarget] = []
        var seen: [TargetURL: Int] = [:]
        for (index, target) in targets.enumerated() {
            let targetPath = path.index(index)
            if !(1...1_000_000).contains(target.weight) {
                self.diagnostics.error(
                    targetPath.key("weight"),
                    "weight must be from 1 to 1000000 (is \(target.weight))"
                )
            }
            let url: TargetURL
            do {
                url = try TargetURL(parsing: target.url)
            } catch {
                self.diagnostics.issue(error, at: targetPath.key("url"))
                continue
            }
            if let first = seen[url] {
                self.diagnostics.error(
                    targetPath.key("url"),
                    "target '\(target.url)' is listed twice",
                    hint: "give targets[\(first)] a higher weight instead"
                )
                continue
            }
            seen[url] = index
            guard let address = self.resolve(url, at: targetPath.key("url")) else { continue }
            result.append(
                UpstreamTarget(
                    url: target.url,
                    host: url.host,
                    port: url.port,
                    address: address,
                    weight: target.weight,
                    basePath: url.basePath
                )
            )
        }
        return result
    }

    /// IP literals are used as they are; names go through the resolver.
    private mutating func resolve(_ url: TargetURL, at path: ConfigPath) -> SocketAddress? {
        if let address = try? SocketAddress(ipAddress: url.host, port: url.port) { return address }
        if url.host.contains(":") || url.host.allSatisfy({ $0.isNumber || $0 == "." }) {
            self.diagnostics.error(path, "'\(url.host)' is not a valid IP address")
            return nil
        }
        do {
            return try self.resolveHost(url.host, url.port)
        } catch {
            self.diagnostics.error(
                path,
                "cannot resolve host '\(url.host)': \(error)",
                hint: "check the name, or use an IP address"
            )
            return nil
        }
    }
}
