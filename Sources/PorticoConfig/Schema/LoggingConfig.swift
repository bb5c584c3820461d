import PorticoCore

/// Logging settings.
public struct LoggingConfig: Sendable, Hashable {
    /// Lowest level logged; default `info`.
    public var level: LogLevel
    /// Line format; default `text`.
    public var format: LogFormat
    /// Whether every request is logged; default true.
    public var accessLog: Bool

    /// Creates settings with the documented defaults.
    public init(level: LogLevel = .info, format: LogFormat = .text, accessLog: Bool = true) {
        self.level = level
        self.format = format
        self.accessLog = accessLog
    }
}

extension LoggingConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case level, format
        case accessLog = "access_log"
    }

    public init(from decoder: any Decoder) throws {
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        let defaults = Self()
        self.level = fields.value(.level, default: defaults.level)
        self.format = fields.value(.format, default: defaults.format)
        self.accessLog = fields.value(.accessLog, default: defaults.accessLog)
        try fields.finish()
    }
}

/// A log level, as swift-log names them.
public enum LogLevel: String, Sendable, Hashable, CaseIterable, Decodable {
    case trace, debug, info, notice, warning, error, critical

    public init(from decoder: any Decoder) throws {
        self = try Keyword.decode(Self.self, from: decoder, kind: "log level")
    }
}

/// A log line format.
public enum LogFormat: String, Sendable, Hashable, CaseIterable, Decodable {
    /// Human-readable lines.
    case text
    /// One JSON object per line.
    case json

    public init(from decoder: any Decoder) throws {
        self = try Keyword.decode(Self.self, from: decoder, kind: "log format")
    }
}
