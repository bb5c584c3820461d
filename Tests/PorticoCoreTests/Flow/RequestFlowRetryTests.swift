import NIOCore
import PorticoHTTP
import Testing

@testable import PorticoCore

/// Phase 6 with an upstream retry policy (SPEC F-24), driven without sockets.
struct RequestFlowRetryTests {
    let now = FlowFixture.now

    static func target(_ port: Int) -> UpstreamTarget {
        UpstreamTarget(
            url: "http://127.0.0.1:\(port)", host: "127.0.0.1", port: port,
            address: try! SocketAddress(ipAddress: "127.0.0.1", port: port))
    }

    static func snapshot(
        retry: RetryPolicy? = RetryPolicy(attempts: 3, backoffBase: .milliseconds(10)),
        bufferBody: Int = 64 * 1024, retryNonIdempotent: Bool = false
    ) throws -> RuntimeSnapshot {
        let upstream = Upstream(
            name: "users", index: 0, targets: [target(3001), target(3002)],
            resilience: UpstreamResilience(retry: retry, retryBufferBytes: bufferBody))
        return RuntimeSnapshot(
            version: 1,
            routeTable: try RouteTable(routes: [RouteSpec(name: "all")]),
            routes: [
                Route(name: "all", index: 0, action: .proxy(upstream: 0), retryNonIdempotent: retryNonIdempotent)
            ],
            upstreams: [upstream],
            listeners: [ListenerSettings(name: "l", host: "127.0.0.1", port: 0)],
            settings: GatewaySettings()
        )
    }

    /// Expects a `.retry` and returns its back-off.
    func expectRetry(_ action: FlowAction, sourceLocation: SourceLocation = #_sourceLocation) -> TimeAmount? {
        guard case .retry(let delay, _) = action else {
            Issue.record("expected a retry, got \(action)", sourceLocation: sourceLocation)
            return nil
        }
        return delay
    }

    @Test func aConnectFailureIsRetriedOnAnotherTargetAfterABackOff() throws {
        let services = ScriptedServices()
        var flow = FlowFixture.flow(try Self.snapshot(), services: services)
        let first = try #require(flow.receiveHead(FlowFixture.get(), now: self.now).connectPlan)
        #expect(first.attempt == 1)
        let delay = try #require(self.expectRetry(flow.upstreamFailed(.connectFailed("refused"), now: self.now)))
        #expect(delay <= .milliseconds(10))  // full jitter up to the base for the first retry
        #expect(services.outcomes == [.failed(.connectFailed("refused"))])
        let second = try #require(flow.retryDue(now: self.now).connectPlan)
        #expect(second.attempt == 2)
        #expect(second.target.port == 3002)
        #expect(services.avoided.last == first.target.poolKey)
        _ = flow.upstreamConnected(reused: false, now: self.now)
        _ = flow.upstreamResponseHead(ResponseHead(status: 200), now: self.now)
        _ = flow.upstreamResponseEnd(now: self.now)
        #expect(flow.record.retries == 1)
        #expect(flow.record.upstreamError == nil)
        #expect(services.started == [0, 1])
        #expect(services.finished == [0, 1])
    }

    @Test func attemptsAreCappedAndTheLastFailureIsAnswered() throws {
        var flow = FlowFixture.flow(try Self.snapshot())
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        for _ in 0..<2 {
            _ = flow.upstreamConnected(reused: false, now: self.now)
            _ = self.expectRetry(flow.upstreamFailed(.closed, now: self.now))
            _ = flow.retryDue(now: self.now)
        }
        _ = flow.upstreamConnected(reused: false, now: self.now)
        // Three attempts in all: the third reset is answered.
        let last = flow.upstreamFailed(.closed, now: self.now)
        #expect(last.localResponse?.head.status == 502)
        #expect(flow.record.retries == 2)
    }

    @Test func aTimeoutIsOnlyRetriedWhenItIsAskedFor() throws {
        var flow = FlowFixture.flow(try Self.snapshot(retry: RetryPolicy(attempts: 3)))
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        _ = flow.upstreamConnected(reused: false, now: self.now)
        #expect(flow.upstreamFailed(.responseHeaderTimeout, now: self.now).localResponse?.head.status == 504)

        var opted = FlowFixture.flow(
            try Self.snapshot(retry: RetryPolicy(attempts: 2, conditions: [.timeout], perTryTimeout: .seconds(1))))
        _ = opted.receiveHead(FlowFixture.get(), now: self.now)
        _ = opted.upstreamConnected(reused: false, now: self.now)
        _ = self.expectRetry(opted.upstreamFailed(.responseHeaderTimeout, now: self.now))
        #expect(opted.currentPlan?.upstream.attemptTimeout == .seconds(1))
    }

    @Test func aRetryableStatusDropsTheResponseAndRetries() throws {
        let services = ScriptedServices()
        var flow = FlowFixture.flow(try Self.snapshot(), services: services)
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        _ = flow.upstreamConnected(reused: false, now: self.now)
        guard case .retry(_, let upstream) = flow.upstreamResponseHead(ResponseHead(status: 503), now: self.now) else {
            Issue.record("expected a retry")
            return
        }
        #expect(upstream == .close)  // the 503's body is not read: its connection goes
        #expect(services.outcomes.count == 1)
        if case .responded(let status, _) = services.outcomes[0] { #expect(status == 503) }
        _ = flow.retryDue(now: self.now)
        _ = flow.upstreamConnected(reused: false, now: self.now)
        // The last attempt's 503 is passed on as it is.
        _ = self.expectRetry(flow.upstreamResponseHead(ResponseHead(status: 503), now: self.now))
        _ = flow.retryDue(now: self.now)
        _ = flow.upstreamConnected(reused: false, now: self.now)
        guard case .sendResponseHead(let head) = flow.upstreamResponseHead(ResponseHead(status: 503), now: self.now)
        else {
            Issue.record("expected the 503 to be passed on")
            return
        }
        #expect(head.status == 503)
    }

    @Test func aPostThatMayHaveReachedTheUpstreamIsNotRetriedUnlessTheRouteOptsIn() throws {
        for optIn in [false, true] {
            var flow = FlowFixture.flow(try Self.snapshot(retryNonIdempotent: optIn))
            _ = flow.receiveHead(
                FlowFixture.get("/orders", headers: ["Host": "h", "Content-Length": "2"], method: .POST), now: self.now)
            _ = flow.receiveBody(ByteBuffer(string: "{}"))
            _ = flow.receiveEnd()
            _ = flow.upstreamConnected(reused: false, now: self.now)
            let action = flow.upstreamFailed(.closed, now: self.now)
            if optIn {
                _ = self.expectRetry(action)
                _ = flow.retryDue(now: self.now)
                guard case .sendRequest(_, let body, let end) = flow.upstreamConnected(reused: false, now: self.now)
                else {
                    Issue.record("expected the body to be sent again")
                    continue
                }
                #expect(body.map { String(buffer: $0) } == ["{}"])
                #expect(end)
            } else {
                #expect(action.localResponse?.head.status == 502)
            }
        }
    }

    @Test func aPostThatNeverReachedTheUpstreamIsRetriedWhateverItsMethod() throws {
        var flow = FlowFixture.flow(try Self.snapshot())
        _ = flow.receiveHead(
            FlowFixture.get("/orders", headers: ["Host": "h", "Content-Length": "2"], method: .POST), now: self.now)
        _ = flow.receiveBody(ByteBuffer(string: "{}"))
        _ = flow.receiveEnd()
        _ = self.expectRetry(flow.upstreamFailed(.connectFailed("refused"), now: self.now))
    }

    @Test func aBodyTooLargeToKeepCannotBeRetried() throws {
        var flow = FlowFixture.flow(try Self.snapshot(bufferBody: 8, retryNonIdempotent: true))
        // The replay buffer is the larger of buffer_body and the stale-connection limit.
        let size = RequestFlow.replayBufferLimit + 1
        _ = flow.receiveHead(
            FlowFixture.get("/up", headers: ["Host": "h", "Content-Length": "\(size)"], method: .PUT), now: self.now)
        _ = flow.upstreamConnected(reused: false, now: self.now)
        _ = flow.receiveBody(ByteBuffer(repeating: 1, count: size))
        _ = flow.receiveEnd()
        #expect(flow.upstreamFailed(.closed, now: self.now).localResponse?.head.status == 502)
    }

    @Test func anExhaustedBudgetAnswersAtOnce() throws {
        let services = ScriptedServices()
        services.budgetExhausted = true
        var flow = FlowFixture.flow(try Self.snapshot(), services: services)
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        #expect(flow.upstreamFailed(.connectFailed("refused"), now: self.now).localResponse?.head.status == 502)
        #expect(services.retryRequests == [.connectFailure])
    }

    @Test func aClientThatLeavesDuringTheBackOffGivesItsBudgetPlaceBack() throws {
        let services = ScriptedServices()
        var flow = FlowFixture.flow(try Self.snapshot(), services: services)
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        _ = self.expectRetry(flow.upstreamFailed(.connectFailed("refused"), now: self.now))
        flow.downstreamClosed()
        #expect(services.retriesReleased == 1)
        #expect(flow.retryDue(now: self.now).isNone)
    }

    @Test func whenNoTargetIsLeftTheOriginalFailureIsAnswered() throws {
        let services = ScriptedServices()
        var flow = FlowFixture.flow(try Self.snapshot(), services: services)
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        _ = self.expectRetry(flow.upstreamFailed(.connectFailed("refused"), now: self.now))
        services.target = nil
        let answer = flow.retryDue(now: self.now)
        #expect(answer.localResponse?.head.status == 502)
        #expect(services.retriesReleased == 1)
    }

    @Test func noPolicyMeansNoRetry() throws {
        let services = ScriptedServices()
        var flow = FlowFixture.flow(try Self.snapshot(retry: nil), services: services)
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        #expect(flow.upstreamFailed(.connectFailed("refused"), now: self.now).localResponse?.head.status == 502)
        #expect(services.retryRequests.isEmpty)
    }
}
