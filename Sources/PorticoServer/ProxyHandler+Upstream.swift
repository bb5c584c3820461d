import NIOCore
import PorticoCore
import PorticoHTTP
import PorticoHTTP1

extension ProxyHandler {
    /// A response part arrived on the request's upstream connection.
    func upstreamRead(_ part: ResponsePart, from connection: UpstreamConnection) {
        guard connection === self.upstream, self.flow != nil else { return }
        switch part {
        case .head(let head):
            self.perform(self.flow!.upstreamResponseHead(head, now: .now()))
        case .body(let buffer):
            self.perform(self.flow!.upstreamResponseBody(buffer))
        case .end:
            if self.isUpgrading {
                // The 101 is complete; only now may the HTTP handlers leave (NIO-GUIDE §4).
                self.beginTunnel()
            } else {
                self.perform(self.flow!.upstreamResponseEnd(now: .now()))
            }
        }
    }

    /// The upstream read cycle ended: flush to the client once.
    func upstreamReadComplete() {
        self.flushPending()
    }

    /// The request's upstream connection closed.
    func upstreamClosed(_ connection: UpstreamConnection) {
        guard connection === self.upstream else { return }
        self.upstream = nil
        guard self.flow != nil else { return }
        self.perform(self.flow!.upstreamFailed(.closed, now: .now()))
        self.flushPending()
    }

    /// The upstream connection failed (decoder error, reset).
    func upstreamFailed(_ connection: UpstreamConnection, error: any Error) {
        guard connection === self.upstream, self.flow != nil else { return }
        self.upstream = nil
        connection.owner = nil
        connection.close()
        let failure: UpstreamFailure
        if let parseError = error as? HTTP1ParseError {
            failure = .invalidResponse("\(parseError)")
        } else {
            failure = .closed
        }
        self.perform(self.flow!.upstreamFailed(failure, now: .now()))
        self.flushPending()
    }

    /// The upstream can take more request body again (or not).
    func upstreamWritabilityChanged(_ connection: UpstreamConnection) {
        guard connection === self.upstream else { return }
        if connection.isWritable { self.resumeReadIfPossible() }
    }
}
