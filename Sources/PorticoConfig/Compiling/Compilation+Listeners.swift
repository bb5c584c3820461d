import Foundation
import NIOCore
import PorticoCore
import PorticoHTTP

extension Compilation {
    /// Admin, runtime and logging settings.
    mutating func compileSettings() -> GatewaySettings {
        let admin = self.config.admin
        let adminPath = ConfigPath.root.key("admin")
        if let address = admin.address {
            self.checkAddress(address, at: adminPath.key("address"))
        }
        if let token = admin.token {
            if token.trimmingCharacters(in: .whitespaces).isEmpty {
                self.diagnostics.error(
                    adminPath.key("token"),
                    "the admin token is empty",
                    hint: "set a long random value, or remove 'token'"
                )
            } else if !HTTPSyntax.isValidFieldValue(token) || token.contains(" ") {
                self.diagnostics.error(
                    adminPath.key("token"),
                    "the admin token may not contain spaces or control characters"
                )
            }
        }
        let runtime = self.config.runtime
        let runtimePath = ConfigPath.root.key("runtime")
        if let workers = runtime.workers, !(1...4096).contains(workers) {
            self.diagnostics.error(
                runtimePath.key("workers"),
                "workers must be from 1 to 4096 (is \(workers))",
                hint: "omit it for one per core"
            )
        }
        if runtime.drainTimeout.nanoseconds < 0 {
            self.diagnostics.error(runtimePath.key("drain_timeout"), "drain_timeout cannot be negative")
        }
        if let header = runtime.routeHeader {
            _ = Validation.checkHeaderName(header, at: runtimePath.key("route_header"), into: &self.diagnostics)
        }
        var resolver: ResolverSettings?
        if let config = runtime.resolver {
            resolver = self.compileResolver(config, at: runtimePath.key("resolver"))
        }
        return GatewaySettings(
            adminHost: admin.address?.host,
            adminPort: admin.address?.port ?? 0,
            adminToken: admin.token,
            workers: runtime.workers,
            logLevel: self.config.logging.level.rawValue,
            logFormat: self.config.logging.format.rawValue,
            accessLog: self.config.logging.accessLog,
            drainTimeout: runtime.drainTimeout.timeAmount,
            debugRouteHeader: runtime.routeHeader,
            resolver: resolver
        )
    }

    private mutating func compileResolver(_ config: ResolverConfig, at path: ConfigPath) -> ResolverSettings {
        if config.nameservers?.isEmpty == true {
            self.diagnostics.error(
                path.key("nameservers"), "at least one nameserver is required",
                hint: "e.g. [127.0.0.1:53], or leave the key out for the system's")
        }
        var addresses: [SocketAddress] = []
        for (index, server) in (config.nameservers ?? []).enumerated() {
            guard server.port != 0 else {
                self.diagnostics.error(
                    path.key("nameservers").index(index), "port 0 cannot answer DNS queries",
                    hint: "DNS servers listen on port 53, e.g. \(server.host):53")
                continue
            }
            guard let address = try? SocketAddress(ipAddress: server.host, port: server.port) else {
                self.diagnostics.error(
                    path.key("nameservers").index(index), "'\(server.host)' is not an IP address",
                    hint: "nameservers are IP addresses, e.g. 10.0.0.2:53")
                continue
            }
            addresses.append(address)
        }
        Validation.checkPositive(config.timeout, at: path.key("timeout"), into: &self.diagnostics)
        self.checkRange(config.attempts, 1...5, at: path.key("attempts"))
        return ResolverSettings(nameservers: addresses, timeout: config.timeout.timeAmount, attempts: config.attempts)
    }

    /// The listeners, checked for unique names and addresses (the admin one included).
    mutating func compileListeners(filters: [String: any HTTPFilter]) -> [ListenerSettings] {
        let listenersPath = ConfigPath.root.key("listeners")
        if self.config.listeners.isEmpty {
            self.diagnostics.error(
                listenersPath,
                "at least one listener is required",
                hint: "e.g. listeners: [{name: public, address: 0.0.0.0:8080}]"
            )
        }
        var result: [ListenerSettings] = []
        var names: [String: Int] = [:]
        for (index, listener) in self.config.listeners.enumerated() {
            let path = listenersPath.index(index)
            if Validation.checkName(listener.name, kind: "listener", at: path.key("name"), into: &self.diagnostics) {
                if let first = names[listener.name] {
                    self.diagnostics.error(
                        path.key("name"),
                        "duplicate listener name '\(listener.name)'",
                        hint: "first used at \(self.diagnostics.whereIs(listenersPath.index(first).key("name")))"
                    )
                } else {
                    names[listener.name] = index
                }
            }
            self.checkAddress(listener.address, at: path.key("address"))
            for (other, earlier) in self.config.listeners[..<index].enumerated()
            where Validation.conflict(earlier.address, listener.address) {
                let otherPlace = self.diagnostics.whereIs(listenersPath.index(other).key("address"))
                self.diagnostics.error(
                    path.key("address"),
                    "address \(listener.address) conflicts with listener '\(earlier.name)' (\(earlier.address))",
                    hint:
                        "listeners need distinct ports or distinct non-wildcard hosts; the other one is at \(otherPlace)"
                )
            }
            if let admin = self.config.admin.address, Validation.conflict(admin, listener.address) {
                let adminPath = ConfigPath.root.key("admin").key("address")
                if self.diagnostics.sourceMap.isWritten(adminPath) {
                    self.diagnostics.error(
                        adminPath,
                        "admin address \(admin) conflicts with listener '\(listener.name)' (\(listener.address))",
                        hint: "give the admin API its own port, or 'address: off' to disable it"
                    )
                } else {
                    // The admin address is the default, so the listener is what was written.
                    self.diagnostics.error(
                        path.key("address"),
                        "address \(listener.address) conflicts with the admin API (\(admin) by default)",
                        hint: "use another port, or set admin.address to another port or 'off'"
                    )
                }
            }
            self.checkProtocols(listener.protocols, at: path.key("protocols"))
            Validation.checkPositive(
                listener.timeouts.readHeader,
                at: path.key("timeouts").key("read_header"),
                into: &self.diagnostics
            )
            Validation.checkPositive(
                listener.timeouts.idle,
                at: path.key("timeouts").key("idle"),
                into: &self.diagnostics
            )
            Validation.checkPositive(
                listener.timeouts.readBody,
                at: path.key("timeouts").key("read_body"),
                into: &self.diagnostics
            )
            var trustedProxies: [CIDR] = []
            for (index, text) in listener.trustedProxies.enumerated() {
                if let range = CIDR(text) {
                    trustedProxies.append(range)
                } else {
                    self.diagnostics.error(
                        path.key("trusted_proxies").index(index),
                        "'\(text)' is not an IP address or CIDR range",
                        hint: "e.g. 10.0.0.0/8, 192.168.1.10, 2001:db8::/32"
                    )
                }
            }
            let defaultFilters = self.compileFilterList(listener.filters, filters: filters, at: path.key("filters"))
            let limits = listener.limits
            let limitsPath = path.key("limits")
            Validation.checkAtLeast(
                limits.maxHeaderBytes.bytes,
                1,
                at: limitsPath.key("max_header_bytes"),
                into: &self.diagnostics
            )
            Validation.checkAtLeast(
                limits.maxURIBytes.bytes,
                1,
                at: limitsPath.key("max_uri_bytes"),
                into: &self.diagnostics
            )
            Validation.checkAtLeast(limits.maxBody.bytes, 0, at: limitsPath.key("max_body"), into: &self.diagnostics)
            Validation.checkAtLeast(
                limits.maxConnections,
                1,
                at: limitsPath.key("max_connections"),
                into: &self.diagnostics
            )
            result.append(
                ListenerSettings(
                    name: listener.name,
                    host: listener.address.host,
                    port: listener.address.port,
                    readHeaderTimeout: listener.timeouts.readHeader.timeAmount,
                    idleTimeout: listener.timeouts.idle.timeAmount,
                    readBodyTimeout: listener.timeouts.readBody.timeAmount,
                    maxHeaderBytes: limits.maxHeaderBytes.bytes,
                    maxURIBytes: limits.maxURIBytes.bytes,
                    maxBodyBytes: limits.maxBody.bytes,
                    maxConnections: limits.maxConnections,
                    trustForwardedHeaders: listener.forwarded.trustIncoming,
                    addForwardedHeader: listener.forwarded.addForwardedHeader,
                    trustedProxies: trustedProxies,
                    filters: defaultFilters
                )
            )
        }
        return result
    }

    private mutating func checkProtocols(_ protocols: [ListenerProtocol], at path: ConfigPath) {
        if protocols.isEmpty {
            self.diagnostics.error(path, "protocols must not be empty", hint: "omit it for [http1]")
        }
        for (index, proto) in protocols.enumerated() where proto != .http1 {
            self.diagnostics.error(
                path.index(index),
                "`\(proto.rawValue)` is not supported yet",
                hint: "only http1 is available for now"
            )
        }
    }

    /// Host and port of an address built in code (parsed ones are already valid).
    private mutating func checkAddress(_ address: HostPort, at path: ConfigPath) {
        let hostValid =
            address.host.contains(":")
            ? address.host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
            : HostPort.isValidHostName(address.host[...])
        if !hostValid {
            self.diagnostics.error(path, "'\(address.host)' is not a valid host name or IP address")
        }
        if !(0...65535).contains(address.port) {
            self.diagnostics.error(path, "port \(address.port) is not from 0 to 65535")
        }
    }
}
