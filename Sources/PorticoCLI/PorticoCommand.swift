import ArgumentParser
import Foundation
import Logging
import Portico
import PorticoObservability

/// `portico`: run, validate and explain gateway configurations.
///
/// Synchronous on purpose: an `async` main parks the main thread in `dispatch_main`, whose
/// `sigsuspend` valgrind 3.19 cannot follow, and the benchmark harness profiles this binary
/// under valgrind. `run` blocks the main thread on a semaphore instead (see ``Run``).
@main
struct PorticoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portico",
        abstract: "Portico, an API gateway and reverse proxy.",
        discussion: """
            Exit codes: 0 success; 1 invalid configuration or runtime failure; 3 route-test found no \
            route; 64 bad command line.
            """,
        version: PorticoVersion.current,
        subcommands: [Run.self, Validate.self, RouteTest.self, Version.self],
        defaultSubcommand: Run.self
    )
}

/// Options every subcommand that loads a config shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Config file (YAML or JSON). Default: $PORTICO_CONFIG.")
    var config: String?

    func path() throws -> String {
        if let config { return config }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PORTICO_CONFIG"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        throw ValidationError("no config given: pass --config FILE or set PORTICO_CONFIG")
    }
}

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (overrides the config).")
    var logLevel: String?

    @Option(help: "Log format: text or json (overrides the config).")
    var logFormat: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let logFormat, PorticoLogHandler.Format(rawValue: logFormat) == nil {
            throw ValidationError("--log-format must be text or json")
        }
    }

    /// Sets up swift-log once for the process, from the flags or else the config.
    func bootstrap(settings: GatewaySettings?) -> Logger {
        let level = Logger.Level(rawValue: self.logLevel ?? settings?.logLevel ?? "info") ?? .info
        let format = PorticoLogHandler.Format(rawValue: self.logFormat ?? settings?.logFormat ?? "text") ?? .text
        LoggingSystem.bootstrap { label in PorticoLogHandler(label: label, format: format, level: level) }
        return Logger(label: "portico")
    }
}

/// Prints config errors the way compilers do and exits 1.
func exitWithConfigErrors(_ errors: ConfigErrors) -> Never {
    FileHandle.standardError.write(Data((errors.description + "\n").utf8))
    Foundation.exit(1)
}
