import Foundation
import NIOHTTP1
import PorticoCore

/// Routes admin requests to handlers. Mutating endpoints require the bearer token from
/// `admin.token`; without a configured token they are refused outright.
public struct AdminRouter: Sendable {
    /// A handler.
    public typealias Handler = @Sendable (AdminRequest) async -> AdminResponse

    private struct Entry: Sendable {
        var method: HTTPMethod
        var path: String
        var mutating: Bool
        var handler: Handler
    }

    private var entries: [Entry] = []
    private let backend: any AdminBackend

    /// A router over `backend` with the built-in endpoints.
    public init(backend: any AdminBackend) {
        self.backend = backend
        self.addBuiltins()
    }

    /// Adds an endpoint. `path` may end in `/*` to match any suffix.
    public mutating func add(_ method: HTTPMethod, _ path: String, mutating: Bool = false, handler: @escaping Handler) {
        self.entries.append(Entry(method: method, path: path, mutating: mutating, handler: handler))
    }

    /// Answers a request.
    public func handle(_ request: AdminRequest) async -> AdminResponse {
        var allowed: [HTTPMethod] = []
        for entry in self.entries where Self.matches(entry.path, request.path) {
            guard entry.method == request.method else {
                allowed.append(entry.method)
                continue
            }
            if entry.mutating, let failure = self.authorize(request) { return failure }
            return await entry.handler(request)
        }
        if !allowed.isEmpty {
            var response = AdminResponse.error(.methodNotAllowed, "method not allowed")
            response.headers.append(("allow", allowed.map(\.rawValue).joined(separator: ", ")))
            return response
        }
        return .error(.notFound, "no admin endpoint \(request.path)")
    }

    private func authorize(_ request: AdminRequest) -> AdminResponse? {
        guard let token = self.backend.currentSnapshot.settings.adminToken, !token.isEmpty else {
            return .error(.forbidden, "mutating admin calls are disabled: set admin.token")
        }
        let header = request.headers.first(name: "authorization") ?? ""
        let expected = "Bearer " + token
        // Constant-time comparison: the token must not leak through timing.
        guard header.utf8.count == expected.utf8.count,
            zip(header.utf8, expected.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
        else {
            var response = AdminResponse.error(.unauthorized, "missing or wrong bearer token")
            response.headers.append(("www-authenticate", "Bearer realm=\"portico-admin\""))
            return response
        }
        return nil
    }

    private static func matches(_ pattern: String, _ path: String) -> Bool {
        if pattern.hasSuffix("/*") {
            let prefix = pattern.dropLast(2)
            return path == prefix || path.hasPrefix(prefix + "/")
        }
        return pattern == path
    }

    private mutating func addBuiltins() {
        let backend = self.backend
        self.add(.GET, "/healthz") { _ in AdminResponse(body: "{\"status\":\"ok\"}\n") }
        self.add(.GET, "/readyz") { _ in
            backend.isReady
                ? AdminResponse(body: "{\"status\":\"ready\"}\n")
                : AdminResponse(status: .serviceUnavailable, body: "{\"status\":\"not ready\"}\n")
        }
        self.add(.GET, "/version") { _ in
            let snapshot = backend.currentSnapshot
            return .json(VersionInfo(version: PorticoVersion.current, configVersion: snapshot.version))
        }
        self.add(.GET, "/metrics") { _ in
            AdminResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: await backend.metricsText())
        }
        self.add(.GET, "/upstreams") { _ in
            .json(["upstreams": await backend.upstreamStatus()])
        }
        self.add(.GET, "/upstreams/*") { request in
            let name = String(request.path.dropFirst("/upstreams/".count))
            guard let status = await backend.upstreamStatus().first(where: { $0.name == name }) else {
                return .error(.notFound, "no upstream '\(name)'")
            }
            return .json(status)
        }
        if let registry = backend.serviceRegistry {
            let api = RegistryAPI(registry: registry)
            self.add(.GET, "/registry/*") { await api.handle($0) }
            self.add(.PUT, "/registry/*", mutating: true) { await api.handle($0) }
            self.add(.DELETE, "/registry/*", mutating: true) { await api.handle($0) }
        }
    }
}

struct VersionInfo: Encodable {
    var version: String
    var configVersion: Int

    enum CodingKeys: String, CodingKey {
        case version
        case configVersion = "config_version"
    }
}
