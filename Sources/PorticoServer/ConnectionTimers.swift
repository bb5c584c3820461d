import NIOCore

/// The deadlines of one client connection. One scheduled task serves them all and is
/// re-armed only when it fires (or when a deadline moves earlier than it), so a request
/// costs no timer allocation in the common case.
struct ConnectionTimers {
    /// Idle keep-alive or read-header deadline while no request is in progress.
    var waitingForHead: NIODeadline?
    /// When the first bytes of a head arrived (read-header timeout applies), if they did.
    var headerStarted: NIODeadline?
    /// Response-header deadline while waiting for the upstream's response head.
    var responseHeader: NIODeadline?
    /// Total request deadline.
    var request: NIODeadline?
    /// The client must send more of its request body by then (read-body timeout).
    var requestBody: NIODeadline?
    /// The client must take more of the response by then (it stopped reading).
    var writeStall: NIODeadline?
    /// A retry's back-off ends.
    var retry: NIODeadline?

    /// The earliest deadline, if any.
    var earliest: NIODeadline? {
        var earliest = self.waitingForHead
        if let deadline = self.responseHeader, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        if let deadline = self.request, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        if let deadline = self.requestBody, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        if let deadline = self.writeStall, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        if let deadline = self.retry, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        return earliest
    }
}
