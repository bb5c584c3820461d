import ArgumentParser
import Dispatch
import Foundation
import Logging
import Portico
import PorticoObservability

/// `portico run --config F`: serve until SIGTERM/SIGINT, then drain and exit 0.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (the default command).")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        // The gateway runs on Swift's global executor; the main thread only waits for it.
        let outcome = Outcome()
        let finished = DispatchSemaphore(value: 0)
        Task {
            do {
                try await self.serve()
            } catch {
                outcome.set(error)
            }
            finished.signal()
        }
        finished.wait()
        if let error = outcome.error { throw error }
    }

    private func serve() async throws {
        let path = try self.configOptions.path()
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader(registry: FilterRegistry.standard).load(path: path)
        } catch {
            exitWithConfigErrors(error)
        }
        var settings = loaded.snapshot.settings
        if let level = self.logging.logLevel { settings.logLevel = level }
        if let format = self.logging.logFormat { settings.logFormat = format }
        let logger = self.logging.bootstrap(settings: settings)
        let gateway = Gateway(snapshot: loaded.snapshot.withSettings(settings), logger: logger)
        do {
            try await gateway.runUntilSignalled()
        } catch {
            logger.error("gateway failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}

/// The error a background task ended with, handed to the waiting main thread.
private final class Outcome: @unchecked Sendable {
    // @unchecked: written once before the semaphore is signalled, read after the wait.
    private(set) var error: (any Error)?

    func set(_ error: any Error) {
        self.error = error
    }
}

/// `portico validate F`: check a config without running it.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a config file; exit 1 with every problem listed if it is invalid.")

    @Argument(help: "Config file (YAML or JSON). Default: $PORTICO_CONFIG.")
    var file: String?

    func run() throws {
        let path = try ConfigOptions(config: self.file).path()
        do {
            let loaded = try ConfigLoader(registry: FilterRegistry.standard).load(path: path)
            let snapshot = loaded.snapshot
            print(
                "\(path): OK (\(snapshot.listeners.count) listener(s), \(snapshot.routes.count) route(s), \(snapshot.upstreams.count) upstream(s))"
            )
        } catch {
            exitWithConfigErrors(error)
        }
    }
}

/// `portico version`.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() {
        print("portico \(PorticoVersion.current)")
    }
}

extension ConfigOptions {
    init(config: String?) {
        self.init()
        self.config = config
    }
}
