import NIOCore

/// A refused registry operation, with a message fit for an API client.
public enum RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The service name is empty, too long or has characters outside `[a-z0-9._-]`.
    case invalidServiceName(String)
    /// The instance id is empty, too long or has spaces, control characters or `/?#%`.
    case invalidInstanceID(String)
    /// The address is neither an IP address nor a host name.
    case invalidAddress(String)
    /// The port is outside 1...65535.
    case invalidPort(Int)
    /// The TTL is outside the registry's bounds.
    case ttlOutOfRange(TimeAmount, min: TimeAmount, max: TimeAmount)
    /// The version is too long or has spaces or control characters.
    case invalidVersion(String)
    /// A metadata entry is refused (bad key, value too long, too many entries).
    case invalidMetadata(String)
    /// The service already has the most instances allowed.
    case tooManyInstances(service: String, limit: Int)
    /// No live instance with this id is registered for this service.
    case unknownInstance(service: String, id: String)

    public var description: String {
        switch self {
        case .invalidServiceName(let name):
            "invalid service name '\(name)': use 1 to 63 lower-case letters, digits, '-', '_' or '.', "
                + "starting with a letter or digit"
        case .invalidInstanceID(let id):
            "invalid instance id '\(id)': use 1 to 128 visible ASCII characters other than '/', '?', '#', '%'"
        case .invalidAddress(let address):
            "invalid address '\(address)': expected an IP address or a host name"
        case .invalidPort(let port):
            "invalid port \(port): expected 1 to 65535"
        case .ttlOutOfRange(let ttl, let min, let max):
            "ttl \(Self.seconds(ttl)) is out of range: expected \(Self.seconds(min)) to \(Self.seconds(max))"
        case .invalidVersion(let version):
            "invalid version '\(version)': use at most 64 visible ASCII characters"
        case .invalidMetadata(let reason):
            "invalid metadata: \(reason)"
        case .tooManyInstances(let service, let limit):
            "service '\(service)' already has \(limit) instances, the most allowed"
        case .unknownInstance(let service, let id):
            "no instance '\(id)' of service '\(service)' is registered (it may have expired: register again)"
        }
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}
