import PorticoCore
import PorticoFilters
import PorticoJWT

extension FilterRegistry {
    /// Every filter type that ships with Portico. Programs embedding Portico start from this
    /// and register their own types the same way.
    public static var standard: FilterRegistry {
        var registry = BuiltinFilters.registry()
        for type in JWTFilters.all { registry.register(type) }
        return registry
    }
}
