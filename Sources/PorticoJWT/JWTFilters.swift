import PorticoCore

/// The filter types of this module, registered with the built-in ones by `Portico`.
public enum JWTFilters {
    /// Every filter configuration type this module provides.
    public static let all: [any FilterConfiguration.Type] = [
        JWTFilter.Configuration.self
    ]
}
