import Logging

/// One event loop's access-log lines, written out in batches.
///
/// Lines are appended on the loop's thread only and written with one `write(2)` when 16 KiB
/// have gathered or when the loop's periodic flush runs (every 250 ms), so logging costs no
/// syscall and no lock per request.
public final class AccessLogBuffer: @unchecked Sendable {
    // @unchecked: confined to its event loop by construction (one buffer per loop).
    private var bytes: [UInt8] = []
    private let output: LineOutput
    private let threshold: Int

    /// A buffer writing to `output`.
    public init(output: LineOutput = .standardOutput, threshold: Int = 16 * 1024) {
        self.output = output
        self.threshold = threshold
        self.bytes.reserveCapacity(threshold + 1024)
    }

    /// Appends one line (a newline is added).
    public func append(_ line: String) {
        self.bytes.append(contentsOf: line.utf8)
        self.bytes.append(UInt8(ascii: "\n"))
        if self.bytes.count >= self.threshold { self.flush() }
    }

    /// Writes out what has gathered.
    public func flush() {
        guard !self.bytes.isEmpty else { return }
        self.bytes.withUnsafeBytes { self.output.write($0) }
        self.bytes.removeAll(keepingCapacity: true)
    }
}

/// The swift-log handler behind each loop's access logger: the message is the finished,
/// formatted line, appended to the loop's ``AccessLogBuffer``.
public struct AccessLogHandler: LogHandler {
    private let buffer: AccessLogBuffer
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    /// A handler writing into `buffer`.
    public init(buffer: AccessLogBuffer) {
        self.buffer = buffer
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        self.buffer.append(event.message.description)
    }
}
