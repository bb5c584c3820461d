/// How an upstream talks to a registered instance (its `protocol` in the admin API).
public enum InstanceScheme: String, Sendable, Hashable, CaseIterable {
    /// HTTP/1.1 over cleartext.
    case http
    /// HTTP over TLS.
    case https
    /// HTTP/2 with prior knowledge over cleartext.
    case h2c
    /// gRPC over cleartext HTTP/2.
    case grpc
    /// gRPC over TLS.
    case grpcs
}
