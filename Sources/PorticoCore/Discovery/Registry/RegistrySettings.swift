import NIOCore

/// Limits of a service registry.
public struct RegistrySettings: Sendable, Equatable {
    /// The TTL of a registration that names none; default 30 s.
    public var defaultTTL: TimeAmount
    /// The shortest TTL accepted; default 1 s.
    public var minTTL: TimeAmount
    /// The longest TTL accepted; default 1 h.
    public var maxTTL: TimeAmount
    /// Instances per service; default 10,000.
    public var maxInstancesPerService: Int
    /// Metadata entries per instance; default 64.
    public var maxMetadataEntries: Int
    /// Bytes of one metadata value; default 1024.
    public var maxMetadataValueBytes: Int

    /// Creates settings with the documented defaults.
    public init(
        defaultTTL: TimeAmount = .seconds(30),
        minTTL: TimeAmount = .seconds(1),
        maxTTL: TimeAmount = .hours(1),
        maxInstancesPerService: Int = 10_000,
        maxMetadataEntries: Int = 64,
        maxMetadataValueBytes: Int = 1024
    ) {
        self.defaultTTL = defaultTTL
        self.minTTL = minTTL
        self.maxTTL = maxTTL
        self.maxInstancesPerService = maxInstancesPerService
        self.maxMetadataEntries = maxMetadataEntries
        self.maxMetadataValueBytes = maxMetadataValueBytes
    }
}
