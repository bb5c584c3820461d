import Foundation
import PorticoCore
import Yams

/// A configuration as loaded: the typed schema value and the snapshot compiled from it.
public struct LoadedConfig: Sendable {
    /// The configuration as written (after `${VAR}` substitution and defaults).
    public var config: GatewayConfig
    /// The compiled snapshot, version 0.
    public var snapshot: RuntimeSnapshot
}

/// Loads a configuration file (YAML or JSON): parse, substitute `${VAR}`s, decode strictly,
/// validate and compile.
///
/// Every problem found is reported, each with file, line, column, key path and usually a
/// hint; loading continues past a problem wherever the rest can still be checked on its own.
public struct ConfigLoader: Sendable {
    /// The variables `${VAR}` refers to.
    public var environment: [String: String]
    /// The compiler used after decoding.
    public var compiler: ConfigCompiler

    /// The filter types configs may use (the compiler's).
    public var registry: FilterRegistry {
        get { self.compiler.registry }
        set { self.compiler.registry = newValue }
    }

    /// Creates a loader. `environment` defaults to the process environment; tests pass their own.
    public init(
        registry: FilterRegistry,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        resolveHost: @escaping ConfigCompiler.HostResolver = ConfigCompiler.systemResolver
    ) {
        self.environment = environment
        self.compiler = ConfigCompiler(registry: registry, resolveHost: resolveHost)
    }

    /// Loads and compiles the file at `path`; relative paths inside it resolve against its directory.
    public func load(path: String) throws(ConfigErrors) -> LoadedConfig {
        let text = try Self.read(path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try self.load(text: text, fileName: path, baseDirectory: directory)
    }

    /// Loads and compiles configuration text; `fileName` is what errors show.
    public func load(
        text: String,
        fileName: String = "<config>",
        baseDirectory: String = "."
    ) throws(ConfigErrors) -> LoadedConfig {
        let decoded = self.decode(text: text, fileName: fileName)
        guard let config = decoded.config else { throw ConfigErrors(decoded.errors) }
        // Compile even after errors that left the config well-formed (an unset variable, a
        // refused feature), so one run reports the dangling references too.
        let snapshot: RuntimeSnapshot
        do {
            snapshot = try self.compiler.compile(config, baseDirectory: baseDirectory)
        } catch {
            throw ConfigErrors(Self.merge(decoded.errors, followedBy: error.errors))
        }
        guard decoded.errors.isEmpty else { throw ConfigErrors(decoded.errors) }
        return LoadedConfig(config: config, snapshot: snapshot)
    }

    /// Parses and decodes without compiling: syntax, types, unknown keys and `${VAR}`s are
    /// checked; names, references and filter settings are not.
    public func parse(text: String, fileName: String = "<config>") throws(ConfigErrors) -> GatewayConfig {
        let decoded = self.decode(text: text, fileName: fileName)
        guard let config = decoded.config, decoded.errors.isEmpty else { throw ConfigErrors(decoded.errors) }
        return config
    }

    /// The decoded configuration if it is well-formed, and every problem found so far.
    private func decode(text: String, fileName: String) -> (config: GatewayConfig?, errors: [ConfigError]) {
        let yaml: Yams.Node
        switch YAMLSource.parse(text, file: fileName) {
        case .success(let node): yaml = node
        case .failure(let errors): return (nil, errors.errors)
        }
        var builder = NodeBuilder(file: fileName, environment: self.environment)
        let root = builder.build(yaml)
        let substitutionErrors = builder.errors
        guard let root else { return (nil, substitutionErrors) }
        guard case .mapping = root else {
            let error = ConfigError(
                file: fileName,
                line: root.position.line,
                column: root.position.column,
                path: "",
                message: "expected a mapping at the top of the file, found \(root.kindDescription)",
                hint: "a configuration starts with keys such as 'listeners:' and 'routes:'"
            )
            return (nil, substitutionErrors + [error])
        }
        let decoded = NodeDecoder.decode(GatewayConfig.self, from: root, file: fileName)
        let errors = Self.merge(substitutionErrors, followedBy: decoded.errors)
        guard var config = decoded.value else { return (nil, errors) }
        config.sourceMap = SourceMap(file: fileName, root: root)
        return (config, errors)
    }

    /// `earlier` plus the `later` errors that are not about a value already reported: a
    /// `${PORT}` left unsubstituted is bound to be an "invalid port" too, and saying so twice
    /// only adds noise.
    private static func merge(_ earlier: [ConfigError], followedBy later: [ConfigError]) -> [ConfigError] {
        let reported = Set(earlier.map(\.path))
        return earlier
            + later.filter { error in
                !reported.contains { path in
                    error.path == path || error.path.hasPrefix(path + ".") || error.path.hasPrefix(path + "[")
                }
            }
    }

    private static func read(_ path: String) throws(ConfigErrors) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigErrors([
                ConfigError(
                    file: path,
                    line: nil,
                    column: nil,
                    path: "",
                    message: "cannot read the configuration file: \((error as NSError).localizedDescription)",
                    hint: "check the path and its permissions"
                )
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors([
                ConfigError(
                    file: path,
                    line: nil,
                    column: nil,
                    path: "",
                    message: "the configuration file is not valid UTF-8 text"
                )
            ])
        }
        return text
    }
}
