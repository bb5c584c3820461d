import PorticoCore

/// A named filter instance under `filters:`: its `type` and its type-specific settings.
///
/// From a file, the settings stay unparsed until the compiler knows which
/// ``FilterConfiguration`` type `type` names; that type then decodes them strictly. In code,
/// pass the configuration value itself.
public struct FilterConfig: Sendable {
    /// The `type:` name (`request_id`, `cors`...).
    public var type: String
    /// The settings.
    public var settings: Settings

    /// Where a filter's settings come from.
    public enum Settings: Sendable {
        /// The entry as written in a file, decoded by the compiler.
        case written(WrittenSettings)
        /// A configuration built in code.
        case configuration(any FilterConfiguration)
    }

    /// A filter entry as written in a file; opaque outside this module.
    public struct WrittenSettings: Sendable {
        let node: ConfigNode
        let path: ConfigPath
        let keyPosition: SourcePosition?
        let file: String
    }

    /// A filter built in code; `type` is the configuration's ``FilterConfiguration/typeName``.
    public init(_ configuration: any FilterConfiguration) {
        self.type = Swift.type(of: configuration).typeName
        self.settings = .configuration(configuration)
    }
}

extension FilterConfig: Decodable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case type
    }

    /// Reads `type` and keeps the entry for the filter's own type to decode later.
    public init(from decoder: any Decoder) throws {
        guard let nodeDecoder = decoder as? NodeDecoder else {
            throw ConfigIssue("filter entries can only be decoded by Portico's config loader")
        }
        var fields = try FieldReader(decoder, keyedBy: CodingKeys.self)
        self.type = fields.required(.type, or: "")
        // The other keys belong to the filter type, which checks them strictly when it decodes them.
        nodeDecoder.acceptsAnyKey = true
        self.settings = .written(
            WrittenSettings(
                node: nodeDecoder.node,
                path: nodeDecoder.path,
                keyPosition: nodeDecoder.keyPosition,
                file: nodeDecoder.file
            )
        )
        try fields.finish()
    }
}
