import NIOCore

/// One upstream target to probe.
public struct ProbeTarget: Sendable, Hashable, CustomStringConvertible {
    /// The target's host name or IP address, used for the default `Host` header and SNI, and for
    /// connecting when ``address`` is `nil`.
    public var host: String
    /// The target's port.
    public var port: Int
    /// An address resolved earlier (by DNS discovery); `nil` resolves `host` on each probe.
    public var address: SocketAddress?

    /// Creates a target.
    public init(host: String, port: Int, address: SocketAddress? = nil) {
        self.host = host
        self.port = port
        self.address = address
    }

    /// `host:port`, with an IPv6 literal in brackets.
    public var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}

/// Why a probe failed. Its `description` is the reason reported to logs and the admin API.
public enum ProbeFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The TCP connection could not be made (refused, unreachable, name not resolved, connect timeout).
    case connectFailed(String)
    /// The probe did not finish within its timeout.
    case timedOut(TimeAmount)
    /// The TLS handshake failed (certificate not trusted, wrong name, no common protocol).
    case tlsFailed(String)
    /// The peer closed the connection before a complete answer.
    case connectionClosed
    /// An I/O error after connecting (for example a reset).
    case ioError(String)
    /// The peer's answer could not be understood.
    case protocolError(String)
    /// The HTTP status is not an expected one (for gRPC: not 200).
    case unexpectedStatus(Int)
    /// The configured substring is not in the first `maxBodyBytes` of the body.
    case bodyMismatch(String)
    /// The gRPC call ended with a `grpc-status` other than 0 (OK).
    case grpcStatus(code: Int, message: String)
    /// The gRPC health service answered, but not `SERVING`: the raw `ServingStatus` value
    /// (0 UNKNOWN, 2 NOT_SERVING, 3 SERVICE_UNKNOWN).
    case notServing(status: Int)
    /// The probing task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .connectFailed(let reason): "connect failed: \(reason)"
        case .timedOut(let timeout): "timed out after \(timeout.nanoseconds / 1_000_000) ms"
        case .tlsFailed(let reason): "TLS failed: \(reason)"
        case .connectionClosed: "connection closed before a complete answer"
        case .ioError(let reason): "I/O error: \(reason)"
        case .protocolError(let reason): "protocol error: \(reason)"
        case .unexpectedStatus(let status): "unexpected status \(status)"
        case .bodyMismatch(let needle): "body does not contain \"\(needle)\""
        case .grpcStatus(let code, let message):
            message.isEmpty ? "grpc-status \(code)" : "grpc-status \(code): \(message)"
        case .notServing(let status): "gRPC health status \(GRPCHealth.servingStatusName(status))"
        case .cancelled: "cancelled"
        }
    }
}

/// The outcome of one probe of one target.
public struct ProbeResult: Sendable, Hashable, CustomStringConvertible {
    /// Success, or failure with a reason.
    public enum Outcome: Sendable, Hashable {
        /// The target answered as configured.
        case success
        /// The target did not; the failure says why.
        case failure(ProbeFailure)
    }

    /// The probed target.
    public var target: ProbeTarget
    /// What happened.
    public var outcome: Outcome
    /// Time from the start of the probe to its outcome.
    public var elapsed: TimeAmount

    /// Creates a result.
    public init(target: ProbeTarget, outcome: Outcome, elapsed: TimeAmount) {
        self.target = target
        self.outcome = outcome
        self.elapsed = elapsed
    }

    /// Whether the probe succeeded.
    public var isSuccess: Bool { self.outcome == .success }

    /// The failure, or `nil` on success.
    public var failure: ProbeFailure? {
        if case .failure(let failure) = self.outcome { return failure }
        return nil
    }

    public var description: String {
        switch self.outcome {
        case .success: "\(self.target): healthy"
        case .failure(let failure): "\(self.target): \(failure)"
        }
    }
}
