import Foundation
import NIOPosix
import PorticoTesting

/// Finds and runs the built `portico` binary (and the example program) for end-to-end tests.
enum Binaries {
    /// The package root (two levels above this file's folder).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `$PORTICO_BINARY_DIR`, else the `.build` folder's debug products next to this test bundle.
    static func path(of product: String) throws -> String {
        var candidates: [String] = []
        if let directory = ProcessInfo.processInfo.environment["PORTICO_BINARY_DIR"] {
            candidates.append("\(directory)/\(product)")
        }
        // The test bundle lives in the same products folder as the executables.
        let bundleDirectory = Bundle.main.bundleURL.deletingLastPathComponent().path
        candidates.append("\(bundleDirectory)/\(product)")
        candidates.append(Bundle.main.bundleURL.path + "/../\(product)")
        candidates.append(root.appendingPathComponent(".build/debug/\(product)").path)
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw BinaryError.notFound(product, candidates)
    }

    enum BinaryError: Error, CustomStringConvertible {
        case notFound(String, [String])
        case timeout(String)

        var description: String {
            switch self {
            case .notFound(let product, let places):
                "\(product) not built; looked in \(places) (run `swift build` first)"
            case .timeout(let what): "timed out waiting for \(what)"
            }
        }
    }
}

/// A child process with its output captured.
final class RunningProcess: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var captured = Data()

    init(executable: String, arguments: [String], environment: [String: String] = [:]) throws {
        self.process.executableURL = URL(fileURLWithPath: executable)
        self.process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        self.process.environment = env
        self.process.standardOutput = self.output
        self.process.standardError = self.output
        self.output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.lock()
            self.captured.append(data)
            self.lock.unlock()
        }
        try self.process.run()
    }

    var text: String {
        self.lock.lock()
        defer { self.lock.unlock() }
        return String(decoding: self.captured, as: UTF8.self)
    }

    /// Waits until the output contains a match for `pattern` and returns its first capture group.
    func waitFor(_ pattern: String, timeout: Duration = .seconds(30)) async throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = self.text
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                if match.numberOfRanges > 1, let range = Range(match.range(at: 1), in: text) {
                    return String(text[range])
                }
                return String(text[Range(match.range, in: text)!])
            }
            if !self.process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Binaries.BinaryError.timeout("'\(pattern)' in output:\n\(self.text)")
    }

    func signal(_ signal: Int32) {
        kill(self.process.processIdentifier, signal)
    }

    /// Waits for exit; returns the status, or nil on timeout (the process is then killed).
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if self.process.isRunning {
            self.process.terminate()
            return nil
        }
        return self.process.terminationStatus
    }

    deinit {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
    }
}

/// Runs a command to completion and returns (status, output).
func runToCompletion(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (
    Int32, String
) {
    let running = try RunningProcess(executable: executable, arguments: arguments, environment: environment)
    guard let status = await running.waitForExit(timeout: .seconds(60)) else {
        throw Binaries.BinaryError.timeout("\(executable) \(arguments)")
    }
    try await Task.sleep(for: .milliseconds(50))  // let the pipe drain
    return (status, running.text)
}

/// Writes `text` to a new temporary file and returns its path.
func temporaryFile(_ text: String, suffix: String = ".yaml") throws -> String {
    let path = NSTemporaryDirectory() + "portico-test-\(UUID().uuidString)\(suffix)"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
