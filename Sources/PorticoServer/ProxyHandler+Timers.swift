import NIOCore
import PorticoCore
import PorticoHTTP

extension ProxyHandler {
    /// Makes sure the connection's timer fires no later than the earliest deadline.
    func rescheduleTimer() {
        guard let earliest = self.timers.earliest, !self.isClosed else { return }
        if let firesAt = self.timerFiresAt, firesAt <= earliest { return }
        self.timerTask?.cancel()
        self.timerFiresAt = earliest
        self.timerTask = self.runtime.eventLoop.assumeIsolated().scheduleTask(deadline: earliest) {
            self.timerFired()
        }
    }

    private func timerFired() {
        self.timerTask = nil
        self.timerFiresAt = nil
        guard !self.isClosed else { return }
        let now = NIODeadline.now()
        if let deadline = self.timers.waitingForHead, deadline <= now, self.flow == nil {
            self.timers.waitingForHead = nil
            if self.timers.headerStarted != nil {
                // A head started but never finished: Slowloris, or a very slow client.
                var response = GatewayError(.requestTimeout, "request header not received in time")
                    .response(requestID: self.runtime.makeRequestID())
                response.head.headers.set(name: "connection", value: "close")
                self.writeLocal(response)
            }
            self.close()
            return
        }
        if let deadline = self.timers.responseHeader, deadline <= now, self.flow != nil {
            self.timers.responseHeader = nil
            if let upstream = self.upstream {
                upstream.owner = nil
                self.upstream = nil
                upstream.close()
            }
            self.perform(self.flow!.upstreamFailed(.responseHeaderTimeout, now: now))
            self.flushPending()
        }
        if let deadline = self.timers.request, deadline <= now, self.flow != nil {
            self.timers.request = nil
            if self.flow!.isUpstreamActive, let upstream = self.upstream {
                upstream.owner = nil
                self.upstream = nil
                upstream.close()
            }
            self.perform(self.flow!.requestTimedOut(now: now))
            self.flushPending()
        }
        self.rescheduleTimer()
    }
}
