import PorticoCore

/// The filters that ship with Portico, registered under their `type:` names.
///
/// Programs embedding Portico add their own types to the same registry
/// (`registry.register(MyFilter.Configuration.self)`), exactly as these are added.
public enum BuiltinFilters {
    /// Every built-in filter configuration type.
    public static let all: [any FilterConfiguration.Type] = [
        RequestIDFilter.Configuration.self,
        HeadersFilter.Configuration.self,
        APIKeyFilter.Configuration.self,
        BasicAuthFilter.Configuration.self,
        RateLimitFilter.Configuration.self,
        CORSFilter.Configuration.self,
        IPFilter.Configuration.self,
        BodyLimitFilter.Configuration.self,
        JSONSchemaFilter.Configuration.self,
    ]

    /// A registry holding the built-in filters.
    public static func registry() -> FilterRegistry {
        var registry = FilterRegistry()
        for type in all { registry.register(type) }
        return registry
    }
}
