import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Portico
import PorticoTesting

/// A whole `Gateway` from YAML on 127.0.0.1:0 (data plane and admin), for resilience tests.
struct ResilienceGateway {
    let gateway: Gateway
    let port: Int
    let adminPort: Int
    let group: any EventLoopGroup

    static func start(_ yaml: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws
        -> ResilienceGateway
    {
        let text = """
            listeners: [{ name: public, address: "127.0.0.1:0" }]
            admin: { address: "127.0.0.1:0", token: test-token }
            logging: { access_log: false }

            """ + yaml
        let snapshot = try ConfigLoader(registry: FilterRegistry.standard, environment: [:]).load(text: text).snapshot
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let gateway = Gateway(snapshot: snapshot, logger: logger)
        try await gateway.start()
        return ResilienceGateway(
            gateway: gateway, port: gateway.listenerAddresses["public"]!.port!, adminPort: gateway.adminAddress!.port!,
            group: group)
    }

    func client() async throws -> RawClient {
        try await RawClient.connect(port: self.port, group: self.group)
    }

    /// One request on a fresh connection.
    func request(_ text: String, method: String = "GET") async throws -> HTTPTestResponse {
        let client = try await self.client()
        defer { Task { await client.close() } }
        try await client.send(text)
        return try await client.readResponse(method: method)
    }

    /// One admin call (with the token).
    func admin(_ method: String, _ path: String, body: String = "") async throws -> HTTPTestResponse {
        let client = try await RawClient.connect(port: self.adminPort, group: self.group)
        defer { Task { await client.close() } }
        try await client.send(
            "\(method) \(path) HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer test-token\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        return try await client.readResponse(method: method)
    }

    /// `GET /upstreams/{name}` decoded loosely.
    func upstream(_ name: String) async throws -> [String: Any] {
        let response = try await self.admin("GET", "/upstreams/\(name)")
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }

    /// The health verdict of the target on `port`.
    func health(of name: String, port: Int) async throws -> String? {
        let targets = try await self.upstream(name)["targets"] as? [[String: Any]] ?? []
        return targets.first { ($0["url"] as? String)?.hasSuffix(":\(port)") == true }?["health"] as? String
    }

    func stop() async {
        await self.gateway.stop()
    }
}

/// Waits until `condition` holds, polling every 20 ms, for at most `timeout`; true if it did.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// A switch tests flip from outside a backend's responder.
final class Flag: Sendable {
    private let value: NIOLockedValueBox<Bool>
    init(_ value: Bool = false) { self.value = NIOLockedValueBox(value) }
    var isSet: Bool { self.value.withLockedValue { $0 } }
    func set(_ value: Bool) { self.value.withLockedValue { $0 = value } }
}
