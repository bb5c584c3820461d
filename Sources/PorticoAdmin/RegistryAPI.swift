import Foundation
import NIOCore
import NIOHTTP1
import PorticoCore

/// The `/registry` endpoints (SPEC F-31): services register, heartbeat and deregister their
/// instances; anyone with admin access reads them. Mutations need the bearer token.
///
/// - `GET /registry/services`: service names with live instances
/// - `GET /registry/services/{service}`: its instances and version
/// - `GET /registry/services/{service}/instances/{id}`
/// - `PUT /registry/services/{service}/instances/{id}`: register (or re-register) with a
///   JSON body `{"address", "port", "version", "protocol", "metadata", "ttl"}`
/// - `PUT /registry/services/{service}/instances/{id}/heartbeat`: restart the TTL
/// - `DELETE /registry/services/{service}/instances/{id}`: deregister
struct RegistryAPI: Sendable {
    let registry: any ServiceRegistry

    private enum Target {
        case services
        case service(String)
        case instance(String, String)
        case heartbeat(String, String)
    }

    func handle(_ request: AdminRequest) async -> AdminResponse {
        guard let target = Self.parse(request.path) else {
            return .error(.notFound, "no admin endpoint \(request.path)")
        }
        do {
            switch (request.method, target) {
            case (.GET, .services):
                return .json(["services": try await self.registry.services()])
            case (.GET, .service(let service)):
                let snapshot = try await self.registry.snapshot(of: service)
                let now = NIODeadline.now()
                return .json(
                    ServiceJSON(
                        service: snapshot.service, version: snapshot.version,
                        instances: snapshot.instances.map { InstanceJSON($0, now: now) }))
            case (.GET, .instance(let service, let id)):
                let snapshot = try await self.registry.snapshot(of: service)
                guard let instance = snapshot.instances.first(where: { $0.id == id }) else {
                    throw RegistryError.unknownInstance(service: service, id: id)
                }
                return .json(InstanceJSON(instance, now: .now()))
            case (.PUT, .instance(let service, let id)):
                let registration = try Self.registration(service: service, id: id, body: request.body)
                let instance = try await self.registry.register(registration)
                return .json(InstanceJSON(instance, now: .now()))
            case (.PUT, .heartbeat(let service, let id)):
                let instance = try await self.registry.heartbeat(service: service, id: id)
                return .json(InstanceJSON(instance, now: .now()))
            case (.DELETE, .instance(let service, let id)):
                let instance = try await self.registry.deregister(service: service, id: id)
                return .json(InstanceJSON(instance, now: .now()))
            default:
                var response = AdminResponse.error(.methodNotAllowed, "method not allowed")
                response.headers.append(("allow", Self.allowed(for: target)))
                return response
            }
        } catch let error as RegistryError {
            if case .unknownInstance = error { return .error(.notFound, error.description) }
            return .error(.badRequest, error.description)
        } catch let error as BodyError {
            return .error(.badRequest, error.message)
        } catch {
            return .error(.serviceUnavailable, "registry unavailable: \(error)")
        }
    }

    private static func allowed(for target: Target) -> String {
        switch target {
        case .services, .service: "GET"
        case .instance: "GET, PUT, DELETE"
        case .heartbeat: "PUT"
        }
    }

    private static func parse(_ path: String) -> Target? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            String($0).removingPercentEncoding ?? String($0)
        }
        guard parts.count >= 2, parts[0] == "registry", parts[1] == "services", !parts.contains("") else {
            return nil
        }
        switch parts.count {
        case 2: return .services
        case 3: return .service(parts[2])
        case 5 where parts[3] == "instances": return .instance(parts[2], parts[4])
        case 6 where parts[3] == "instances" && parts[5] == "heartbeat": return .heartbeat(parts[2], parts[4])
        default: return nil
        }
    }

    struct BodyError: Error {
        var message: String
    }

    /// The registration in a PUT body; unknown keys and wrong types are refused.
    static func registration(service: String, id: String, body: [UInt8]) throws -> ServiceRegistration {
        guard !body.isEmpty else {
            throw BodyError(message: "a JSON body is required, e.g. {\"address\": \"10.0.0.5\", \"port\": 8080}")
        }
        let data = Data(body)
        guard let keys = try? JSONDecoder().decode([String: IgnoredJSON].self, from: data) else {
            throw BodyError(message: "the body must be a JSON object")
        }
        let known = RegistrationBody.CodingKeys.allCases.map(\.rawValue)
        if let unknown = keys.keys.sorted().first(where: { !known.contains($0) }) {
            throw BodyError(message: "unknown field '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        let fields: RegistrationBody
        do {
            fields = try JSONDecoder().decode(RegistrationBody.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw BodyError(message: "'\(key.stringValue)' is required")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let key = context.codingPath.first?.stringValue ?? "?"
            throw BodyError(message: "'\(key)' has the wrong type (\(RegistrationBody.expected(key)))")
        } catch {
            throw BodyError(message: "invalid body: \(error)")
        }
        var registration = ServiceRegistration(
            id: id, service: service, version: fields.version ?? "", address: fields.address, port: fields.port,
            metadata: fields.metadata ?? [:])
        if let scheme = fields.protocol {
            guard let parsed = InstanceScheme(rawValue: scheme) else {
                let names = InstanceScheme.allCases.map(\.rawValue).joined(separator: ", ")
                throw BodyError(message: "'protocol' must be one of \(names)")
            }
            registration.scheme = parsed
        }
        if let ttl = fields.ttl {
            guard let amount = ttl.amount else {
                throw BodyError(message: "'ttl' must be seconds (30) or a duration (\"30s\", \"500ms\", \"2m\")")
            }
            registration.ttl = amount
        }
        return registration
    }
}

/// Any JSON value, skipped (to list an object's keys).
private struct IgnoredJSON: Decodable {
    init(from decoder: any Decoder) throws {}
}

/// The body of a registration.
private struct RegistrationBody: Decodable {
    var address: String
    var port: Int
    var version: String?
    var `protocol`: String?
    var metadata: [String: String]?
    var ttl: TTL?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case address, port, version, `protocol`, metadata, ttl
    }

    static func expected(_ key: String) -> String {
        switch key {
        case "port": "an integer"
        case "metadata": "an object of strings"
        case "ttl": "seconds or a duration such as \"30s\""
        default: "a string"
        }
    }

    /// Seconds (`30`, `0.5`) or a duration text (`"30s"`, `"500ms"`, `"2m"`, `"1h"`).
    enum TTL: Decodable {
        case seconds(Double)
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .seconds(try container.decode(Double.self))
            }
        }

        var amount: TimeAmount? {
            switch self {
            case .seconds(let seconds):
                guard seconds.isFinite, seconds >= 0, seconds < 1e7 else { return nil }
                return .nanoseconds(Int64(seconds * 1e9))
            case .text(let text):
                let units: [(String, Int64)] = [
                    ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
                ]
                for (suffix, scale) in units where text.hasSuffix(suffix) {
                    guard let count = Int64(text.dropLast(suffix.count)), count >= 0, count < 10_000_000 else {
                        return nil
                    }
                    return .nanoseconds(count * scale)
                }
                return nil
            }
        }
    }
}

private struct ServiceJSON: Encodable {
    var service: String
    var version: UInt64
    var instances: [InstanceJSON]
}

private struct InstanceJSON: Encodable {
    var id: String
    var service: String
    var version: String
    var address: String
    var port: Int
    var `protocol`: String
    var metadata: [String: String]
    var ttlSeconds: Double
    var expiresInSeconds: Double

    init(_ instance: ServiceInstance, now: NIODeadline) {
        self.id = instance.id
        self.service = instance.service
        self.version = instance.version
        self.address = instance.address
        self.port = instance.port
        self.protocol = instance.scheme.rawValue
        self.metadata = instance.metadata
        self.ttlSeconds = Double(instance.ttl.nanoseconds) / 1e9
        self.expiresInSeconds = max(0, Double((instance.expiresAt - now).nanoseconds) / 1e9)
    }

    enum CodingKeys: String, CodingKey {
        case id, service, version, address, port, `protocol`, metadata
        case ttlSeconds = "ttl_seconds"
        case expiresInSeconds = "expires_in_seconds"
    }
}
