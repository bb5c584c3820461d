import Foundation
import Logging
import Portico

// An example program embedding Portico with its own filter type.
//
//   swift run portico-example                        # config built in code, port 8080
//   swift run portico-example --port 0               # any free port (printed)
//   swift run portico-example --config my.yaml       # config file that may use `type: tenant`

var registry = FilterRegistry.standard
registry.register(TenantFilter.Configuration.self)  // exactly as built-ins register

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let gateway: Gateway
do {
    if let path = option("--config") {
        gateway = try Gateway(configPath: path, registry: registry)
    } else {
        let port = Int(option("--port") ?? "8080") ?? 8080
        let config = GatewayConfig(
            listeners: [ListenerConfig(name: "public", address: HostPort(host: "127.0.0.1", port: port))],
            admin: AdminConfig(address: nil),
            logging: LoggingConfig(accessLog: false),
            routes: [
                RouteConfig(
                    name: "hello",
                    match: RouteMatchConfig(path: "/hello"),
                    respond: RespondConfig(body: "hello from an embedded gateway\n")
                ),
                RouteConfig(
                    name: "tenant-area",
                    match: RouteMatchConfig(pathPrefix: "/tenant"),
                    respond: RespondConfig(body: "welcome, tenant\n"),
                    filters: ["tenants"]
                ),
            ],
            filters: ["tenants": FilterConfig(TenantFilter.Configuration(allowed: ["acme", "globex"]))]
        )
        gateway = try Gateway(config: config, registry: registry)
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}

try await gateway.start()
for (name, address) in gateway.listenerAddresses {
    FileHandle.standardOutput.write(Data("listening name=\(name) port=\(address.port ?? 0)\n".utf8))
}
// Serve until SIGTERM/SIGINT, then drain (Gateway.run handles ServiceLifecycle's graceful shutdown).
try await gateway.runUntilSignalled()
