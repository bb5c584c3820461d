#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where log lines go: a file descriptor written with `write(2)`, whole lines at a time.
///
/// Writes of at most PIPE_BUF bytes to a pipe are atomic, and each call writes complete
/// lines, so lines from different threads never interleave mid-line in practice.
public struct LineOutput: Sendable {
    private let fileDescriptor: Int32

    /// Standard error (the default for all logs, so stdout stays free for the CLI's output).
    public static let standardError = LineOutput(fileDescriptor: 2)
    /// Standard output.
    public static let standardOutput = LineOutput(fileDescriptor: 1)

    /// Output to an open file descriptor.
    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// Writes `bytes` completely, retrying on partial writes and EINTR; drops them on error
    /// (a log must never take the gateway down).
    public func write(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(self.fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    /// Writes a string.
    public func write(_ text: String) {
        var text = text
        text.withUTF8 { self.write(UnsafeRawBufferPointer($0)) }
    }
}
