/// An active-health verdict on one target.
public enum HealthStatus: String, Sendable, Hashable, CaseIterable {
    /// Not probed yet: takes traffic (new targets are not held back while the first probe
    /// runs), and one successful probe makes it healthy.
    case unknown
    /// Passed `healthy_threshold` probes in a row (or one, from unknown).
    case healthy
    /// Failed `unhealthy_threshold` probes in a row: takes no traffic (unless in panic mode).
    case unhealthy

    /// Whether a target with this status may be balanced to.
    public var takesTraffic: Bool { self != .unhealthy }
}
