import Logging
import PorticoHTTP

/// Portico's log format, text or JSON, one line per event, timestamps in UTC.
///
/// Text: `2026-11-21T08:49:37.123Z info portico: listener bound name=public address=0.0.0.0:8080`
/// JSON: `{"time":"...","level":"info","logger":"portico","message":"listener bound","name":"public",...}`
public struct PorticoLogHandler: LogHandler {
    /// The two output formats.
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    /// The logger label.
    public let label: String
    /// The output format.
    public let format: Format
    /// Where lines go.
    public let output: LineOutput
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]

    /// A handler.
    public init(label: String, format: Format, level: Logger.Level, output: LineOutput = .standardError) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let extra = event.metadata {
            merged.merge(extra) { _, new in new }
        }
        if let error = event.error {
            merged["error"] = .string("\(error)")
        }
        let now = HTTPDate.now()
        let time = HTTPDate.iso8601(epochSeconds: now.seconds, nanoseconds: now.nanoseconds)
        var line = ""
        switch self.format {
        case .text:
            line = "\(time) \(event.level) \(self.label): \(event.message)"
            for key in merged.keys.sorted() {
                line += " \(key)=\(Self.text(merged[key]!))"
            }
        case .json:
            line = "{\"time\":\"\(time)\",\"level\":\"\(event.level)\",\"logger\":"
            JSONText.appendString(self.label, to: &line)
            line += ",\"message\":"
            JSONText.appendString(event.message.description, to: &line)
            for key in merged.keys.sorted() {
                line += ","
                JSONText.appendString(key, to: &line)
                line += ":"
                JSONText.appendString(Self.text(merged[key]!), to: &line)
            }
            line += "}"
        }
        line += "\n"
        self.output.write(line)
    }

    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): "[" + values.map(text).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{" + values.keys.sorted().map { "\($0)=\(text(values[$0]!))" }.joined(separator: ",") + "}"
        }
    }
}
