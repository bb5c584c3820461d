import NIOCore
import PorticoConfig
import PorticoCore
import Testing

/// A filter that does nothing; the tests only check that it was built and attached.
struct InertFilter: HTTPFilter {
    let name: String
}

/// Test-local stand-in for the real `request_id` filter (which lives in another module).
struct RequestIDTestConfig: FilterConfiguration, Equatable {
    static let typeName = "request_id"
    var header: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case header
    }

    func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
        InertFilter(name: context.name)
    }
}

/// Test-local stand-in for the real `cors` filter; validates in `init(from:)` and in
/// `makeFilter` so both error paths can be checked.
struct CORSTestConfig: FilterConfiguration, Equatable {
    static let typeName = "cors"
    var allowedOrigins: [String]
    var allowedMethods: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case allowedOrigins = "allowed_origins"
        case allowedMethods = "allowed_methods"
    }

    init(allowedOrigins: [String], allowedMethods: [String] = ["GET"]) {
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.allowedOrigins = try container.decode([String].self, forKey: .allowedOrigins)
        self.allowedMethods = try container.decodeIfPresent([String].self, forKey: .allowedMethods) ?? ["GET"]
        if self.allowedOrigins.isEmpty {
            throw ConfigIssue(
                "allowed_origins must not be empty",
                key: "allowed_origins",
                hint: "list at least one origin"
            )
        }
    }

    func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
        for origin in self.allowedOrigins where !origin.hasPrefix("http://") && !origin.hasPrefix("https://") {
            throw ConfigIssue("origin '\(origin)' must start with http:// or https://", key: "allowed_origins")
        }
        return InertFilter(name: context.name)
    }
}

/// A filter type whose coding keys are synthesized (not `CaseIterable`), as third-party
/// filters often are.
struct PlainTestConfig: FilterConfiguration {
    static let typeName = "plain"
    var limit: Int
    var label: String?

    func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
        InertFilter(name: context.name)
    }
}

/// A filter type that validates a nested value and names it with a dotted key.
struct NestedTestConfig: FilterConfiguration {
    static let typeName = "nested"
    var inner: Inner

    struct Inner: Decodable {
        var size: Int
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: PathKeys.self)
        self.inner = try container.decode(Inner.self, forKey: .inner)
        if self.inner.size <= 0 {
            throw ConfigIssue("size must be positive", key: "inner.size")
        }
    }

    enum PathKeys: String, CodingKey, CaseIterable {
        case inner
    }

    func makeFilter(context: FilterBuildContext) throws -> any HTTPFilter {
        InertFilter(name: context.name)
    }
}

struct UnknownHost: Error, CustomStringConvertible {
    var host: String
    var description: String { "no such host" }
}

enum Fixtures {
    static var registry: FilterRegistry {
        var registry = FilterRegistry()
        registry.register(RequestIDTestConfig.self)
        registry.register(CORSTestConfig.self)
        registry.register(PlainTestConfig.self)
        registry.register(NestedTestConfig.self)
        return registry
    }

    /// Resolves `*.internal` names to 10.0.0.x without DNS; everything else fails.
    static let resolver: ConfigCompiler.HostResolver = { host, port in
        switch host {
        case "users.internal": return try SocketAddress(ipAddress: "10.0.0.7", port: port)
        case "orders.internal": return try SocketAddress(ipAddress: "10.0.0.8", port: port)
        default: throw UnknownHost(host: host)
        }
    }

    static func loader(environment: [String: String] = [:]) -> ConfigLoader {
        ConfigLoader(registry: self.registry, environment: environment, resolveHost: self.resolver)
    }

    /// A listener section to put in front of snippets that test something else.
    static let listener = """
        listeners:
          - name: public
            address: 127.0.0.1:8080

        """

    /// Loads text that must be valid.
    static func load(
        _ text: String,
        environment: [String: String] = [:],
        fileName: String = "test.yaml"
    ) throws -> LoadedConfig {
        try self.loader(environment: environment).load(text: text, fileName: fileName)
    }

    /// Loads text that must be invalid and returns its errors.
    static func errors(
        _ text: String,
        environment: [String: String] = [:],
        fileName: String = "test.yaml",
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [ConfigError] {
        do {
            _ = try self.loader(environment: environment).load(text: text, fileName: fileName)
            Issue.record("expected the configuration to be rejected", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.errors
        }
    }

    /// The single error of an invalid text.
    static func error(
        _ text: String,
        environment: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConfigError? {
        let errors = self.errors(text, environment: environment, sourceLocation: sourceLocation)
        #expect(errors.count == 1, "expected one error, got: \(errors)", sourceLocation: sourceLocation)
        return errors.first
    }
}

extension ConfigError {
    /// `line:column`, for compact expectations.
    var position: String { "\(self.line.map(String.init) ?? "-"):\(self.column.map(String.init) ?? "-")" }
}
