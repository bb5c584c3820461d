/// The Portico release this build is.
public enum PorticoVersion {
    /// Semantic version.
    public static let current = "0.1.0"
}
