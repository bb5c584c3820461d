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
            self.dropUpstream()
            self.perform(self.flow!.upstreamFailed(.responseHeaderTimeout, now: now))
            self.flushPending()
        }
        if let deadline = self.timers.retry, deadline <= now, self.flow != nil {
            self.timers.retry = nil
            self.perform(self.flow!.retryDue(now: now))
            self.flushPending()
        }
        if let deadline = self.timers.request, deadline <= now, self.flow != nil {
            self.timers.request = nil
            if self.flow!.isUpstreamActive { self.dropUpstream() }
            self.perform(self.flow!.requestTimedOut(now: now))
            self.flushPending()
        }
        if let deadline = self.timers.requestBody, deadline <= now, self.flow != nil {
            self.timers.requestBody = nil
            if self.flow!.isUpstreamActive { self.dropUpstream() }
            self.perform(self.flow!.requestBodyTimedOut(now: now))
            self.flushPending()
        }
        if let deadline = self.timers.writeStall, deadline <= now {
            self.timers.writeStall = nil
            if self.flow != nil {
                self.dropUpstream()
                self.perform(self.flow!.clientStalled(now: now))
            } else {
                self.close()
            }
        }
        self.rescheduleTimer()
    }

    /// Detaches and closes the upstream connection (it cannot finish its exchange).
    func dropUpstream() {
        guard let upstream = self.upstream else { return }
        upstream.owner = nil
        self.upstream = nil
        upstream.close()
    }
}
