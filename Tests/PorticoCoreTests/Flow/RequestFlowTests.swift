import NIOCore
import NIOEmbedded
import PorticoCore
import PorticoHTTP
import Testing

@Suite struct RequestFlowTests {
    let now = FlowFixture.now

    @Test func proxiesAGetEndToEnd() throws {
        let services = ScriptedServices()
        var flow = FlowFixture.flow(try FlowFixture.snapshot(), services: services)
        let connect = flow.receiveHead(FlowFixture.get(), now: self.now)
        let plan = try #require(connect.connectPlan)
        #expect(plan.target == FlowFixture.target)
        #expect(!plan.fresh)
        #expect(services.started == [0])
        #expect(flow.receiveEnd().isNone)
        let send = flow.upstreamConnected(reused: true, now: self.now)
        guard case .sendRequest(let head, let body, let end) = send else {
            Issue.record("expected sendRequest, got \(send)")
            return
        }
        #expect(body.isEmpty && end)
        #expect(head.target == "/users/1")
        #expect(head.headers["host"] == "api.example.com")
        #expect(head.headers["x-forwarded-for"] == "192.0.2.10")
        #expect(head.headers["x-forwarded-host"] == "api.example.com")
        #expect(head.headers["via"] == "1.1 portico")

        let response = flow.upstreamResponseHead(
            ResponseHead(status: 200, headers: ["content-length": "2"]), now: self.now)
        guard case .sendResponseHead(let sent) = response else {
            Issue.record("expected sendResponseHead, got \(response)")
            return
        }
        #expect(sent.headers["content-length"] == "2")
        #expect(sent.headers["via"] == "1.1 portico")
        if case .forwardResponseBody(let part) = flow.upstreamResponseBody(ByteBuffer(string: "ok")) {
            #expect(part.readableBytes == 2)
        } else {
            Issue.record("body not forwarded")
        }
        guard case .finishResponse(let disposition, let complete) = flow.upstreamResponseEnd(now: self.now) else {
            Issue.record("expected finishResponse")
            return
        }
        #expect(disposition == .release)
        #expect(complete)
        #expect(flow.isComplete)
        #expect(flow.keepAlive)
        #expect(services.finished == [0])
        #expect(flow.record.status == 200)
        #expect(flow.record.routeName == "all")
        #expect(flow.record.responseBodyBytes == 2)
    }

    @Test func rechunksBodiesWithoutLengthAndClosesForHTTP10() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot())
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        _ = flow.receiveEnd()
        _ = flow.upstreamConnected(reused: false, now: self.now)
        if case .sendResponseHead(let head) = flow.upstreamResponseHead(ResponseHead(status: 200), now: self.now) {
            #expect(head.headers["transfer-encoding"] == "chunked")
        } else {
            Issue.record("no head")
        }

        var old = FlowFixture.flow(try FlowFixture.snapshot())
        var head = FlowFixture.get()
        head.version = .http1_0
        _ = old.receiveHead(head, now: self.now)
        _ = old.receiveEnd()
        _ = old.upstreamConnected(reused: false, now: self.now)
        if case .sendResponseHead(let sent) = old.upstreamResponseHead(ResponseHead(status: 200), now: self.now) {
            #expect(sent.headers["transfer-encoding"] == nil)
            #expect(sent.headers["connection"] == "close")
            #expect(sent.version == .http1_0)
        } else {
            Issue.record("no head")
        }
        #expect(!old.keepAlive)
    }

    @Test func notFoundAndMethodNotAllowedAreLocal() throws {
        let snapshot = try FlowFixture.snapshot(routes: [
            (RouteSpec(name: "users", path: .prefix("/users"), methods: HTTPMethodSet([.GET])), .proxy(upstream: 0), [])
        ])
        var missing = FlowFixture.flow(snapshot)
        let notFound = try #require(missing.receiveHead(FlowFixture.get("/other"), now: self.now).localResponse)
        #expect(notFound.head.status == 404)
        #expect(notFound.body.contains("\"request_id\":\"id-1\""))
        #expect(notFound.head.headers["x-request-id"] == "id-1")

        var wrongMethod = FlowFixture.flow(snapshot)
        let action = wrongMethod.receiveHead(FlowFixture.get(method: .DELETE), now: self.now)
        let response = try #require(action.localResponse)
        #expect(response.head.status == 405)
        #expect(response.head.headers["allow"] == "GET")
        // The request had no body: the exchange is over once its end arrives.
        #expect(!wrongMethod.isComplete)
        #expect(wrongMethod.receiveEnd().isRequestComplete)
        #expect(wrongMethod.keepAlive)
    }

    @Test func rejectsAmbiguousHeads() throws {
        let snapshot = try FlowFixture.snapshot()
        let cases: [(HeaderList, Int)] = [
            (["Host": "h", "Content-Length": "3", "Transfer-Encoding": "chunked"], 400),
            (["Host": "h", "Content-Length": "3", "content-length": "4"], 400),
            (["Host": "h", "Transfer-Encoding": "gzip"], 400),
            (["Content-Length": "0"], 400),
            (["Host": "a", "host": "b"], 400),
            (["Host": "h", "Content-Length": "99999999999"], 413),
        ]
        for (headers, status) in cases {
            var flow = FlowFixture.flow(snapshot)
            let response = flow.receiveHead(FlowFixture.get("/", headers: headers, method: .POST), now: self.now)
            #expect(response.localResponse?.head.status == status, "\(headers)")
            #expect(!flow.keepAlive, "\(headers)")
        }
        var flow = FlowFixture.flow(snapshot)
        #expect(
            flow.receiveHead(FlowFixture.get("/" + String(repeating: "a", count: 9000)), now: self.now).localResponse?
                .head.status == 414)
        var expectation = FlowFixture.flow(snapshot)
        let unsupported = expectation.receiveHead(
            FlowFixture.get("/", headers: ["Host": "h", "Expect": "something"]), now: self.now)
        #expect(unsupported.localResponse?.head.status == 417)
    }

    @Test func normalisesPathsAndAbsoluteForm() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot())
        _ = flow.receiveHead(FlowFixture.get("http://Other.Example:8080/a/../users/%41?q=1"), now: self.now)
        _ = flow.receiveEnd()
        let head = try #require(flow.upstreamConnected(reused: false, now: self.now).sentHead)
        #expect(head.target == "/users/A?q=1")
        #expect(head.headers["host"] == "Other.Example:8080")
        #expect(flow.record.host == "other.example")
    }

    @Test func buffersBodyWhileConnectingAndSendsItWithTheHead() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot())
        let head = FlowFixture.get(
            "/upload", headers: ["Host": "h", "Content-Length": "6", "Expect": "100-continue"], method: .POST)
        guard case .connect(_, let sendContinue) = flow.receiveHead(head, now: self.now) else {
            Issue.record("expected connect")
            return
        }
        #expect(sendContinue)
        #expect(flow.receiveBody(ByteBuffer(string: "abc")).isNone)
        #expect(flow.receiveBody(ByteBuffer(string: "def")).isNone)
        guard case .sendRequest(let sent, let body, let end) = flow.upstreamConnected(reused: false, now: self.now)
        else {
            Issue.record("expected sendRequest")
            return
        }
        #expect(sent.headers["expect"] == nil)
        #expect(sent.headers["content-length"] == "6")
        #expect(body.map(\.readableBytes) == [3, 3])
        #expect(!end)
        #expect(flow.receiveEnd().isForwardEnd)
    }

    @Test func replaysOnceWhenAPooledConnectionWasStale() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot())
        _ = flow.receiveHead(
            FlowFixture.get("/x", headers: ["Host": "h", "Content-Length": "4"], method: .POST), now: self.now)
        _ = flow.receiveBody(ByteBuffer(string: "data"))
        _ = flow.receiveEnd()
        _ = flow.upstreamConnected(reused: true, now: self.now)
        let retry = flow.upstreamFailed(.closed, now: self.now)
        let plan = try #require(retry.connectPlan)
        #expect(plan.fresh)
        guard case .sendRequest(_, let body, let end) = flow.upstreamConnected(reused: false, now: self.now) else {
            Issue.record("expected resend")
            return
        }
        #expect(body.map { String(buffer: $0) } == ["data"])
        #expect(end)
        #expect(flow.record.retries == 1)
        // A fresh connection failing the same way is not replayed again.
        let second = flow.upstreamFailed(.closed, now: self.now)
        #expect(second.localResponse?.head.status == 502)
    }

    @Test func doesNotReplayWhatItCouldNotKeepOrAfterAFreshConnection() throws {
        var big = FlowFixture.flow(try FlowFixture.snapshot())
        let size = RequestFlow.replayBufferLimit + 1
        _ = big.receiveHead(
            FlowFixture.get("/x", headers: ["Host": "h", "Content-Length": "\(size)"], method: .POST), now: self.now)
        _ = big.upstreamConnected(reused: true, now: self.now)
        _ = big.receiveBody(ByteBuffer(repeating: 1, count: size))
        #expect(big.upstreamFailed(.closed, now: self.now).localResponse?.head.status == 502)

        var fresh = FlowFixture.flow(try FlowFixture.snapshot())
        _ = fresh.receiveHead(FlowFixture.get(), now: self.now)
        _ = fresh.upstreamConnected(reused: false, now: self.now)
        #expect(fresh.upstreamFailed(.closed, now: self.now).localResponse?.head.status == 502)
    }

    @Test func mapsUpstreamFailuresToStatuses() throws {
        let cases: [(UpstreamFailure, Int)] = [
            (.connectFailed("refused"), 502), (.poolExhausted, 503), (.responseHeaderTimeout, 504),
            (.invalidResponse("x"), 502),
        ]
        for (failure, status) in cases {
            let services = ScriptedServices()
            var flow = FlowFixture.flow(try FlowFixture.snapshot(), services: services)
            _ = flow.receiveHead(FlowFixture.get(), now: self.now)
            _ = flow.receiveEnd()
            if failure != .connectFailed("refused") && failure != .poolExhausted {
                _ = flow.upstreamConnected(reused: false, now: self.now)
            }
            #expect(flow.upstreamFailed(failure, now: self.now).localResponse?.head.status == status)
            #expect(services.finished == [0], "balancer not told for \(failure)")
        }
    }

    @Test func abortsWhenTheResponseAlreadyStarted() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot())
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        _ = flow.receiveEnd()
        _ = flow.upstreamConnected(reused: false, now: self.now)
        _ = flow.upstreamResponseHead(ResponseHead(status: 200, headers: ["content-length": "10"]), now: self.now)
        guard case .abort(let disposition) = flow.upstreamFailed(.closed, now: self.now) else {
            Issue.record("expected abort")
            return
        }
        #expect(disposition == .close)
        #expect(!flow.keepAlive)
    }

    @Test func earlyResponseDrainsTheRestOfTheRequest() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot())
        _ = flow.receiveHead(
            FlowFixture.get("/x", headers: ["Host": "h", "Transfer-Encoding": "chunked"], method: .POST), now: self.now)
        _ = flow.upstreamConnected(reused: false, now: self.now)
        _ = flow.upstreamResponseHead(ResponseHead(status: 413, headers: ["content-length": "0"]), now: self.now)
        guard case .finishResponse(let disposition, let complete) = flow.upstreamResponseEnd(now: self.now) else {
            Issue.record("expected finishResponse")
            return
        }
        #expect(disposition == .close)
        #expect(!complete)
        #expect(flow.receiveBody(ByteBuffer(string: "more")).isNone)
        #expect(flow.receiveEnd().isRequestComplete)
        #expect(flow.keepAlive)
    }

    @Test func bodyOverTheLimitWhileStreamingIs413() throws {
        var listener = ListenerSettings(name: "l", host: "127.0.0.1", port: 0)
        listener.maxBodyBytes = 10
        var flow = FlowFixture.flow(try FlowFixture.snapshot(listener: listener))
        _ = flow.receiveHead(
            FlowFixture.get("/x", headers: ["Host": "h", "Transfer-Encoding": "chunked"], method: .POST), now: self.now)
        _ = flow.upstreamConnected(reused: false, now: self.now)
        #expect(flow.receiveBody(ByteBuffer(string: "12345")).isForwardBody)
        let response = flow.receiveBody(ByteBuffer(string: "678901"))
        guard case .respond(let local, let close, let disposition) = response else {
            Issue.record("expected 413, got \(response)")
            return
        }
        #expect(local.head.status == 413)
        #expect(close)
        #expect(disposition == .close)
    }

    @Test func filtersRunInOrderAndResponsesInReverse() throws {
        let log = RecordingFilter.SharedLog()
        let first = RecordingFilter("a", log: log)
        let second = RecordingFilter("b", log: log)
        let snapshot = try FlowFixture.snapshot(routes: [
            (
                RouteSpec(name: "all"), .proxy(upstream: 0),
                [NamedFilter(name: "a", filter: first), NamedFilter(name: "b", filter: second)]
            )
        ])
        var flow = FlowFixture.flow(snapshot)
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        _ = flow.receiveEnd()
        let head = try #require(flow.upstreamConnected(reused: false, now: self.now).sentHead)
        #expect(head.headers.values("x-filter") == ["a", "b"])
        _ = flow.upstreamResponseHead(ResponseHead(status: 200, headers: ["content-length": "0"]), now: self.now)
        #expect(log.entries == ["a.request", "b.request", "a.upstream", "b.upstream", "b.response", "a.response"])
    }

    @Test func filtersAreCalledOnlyInThePhasesTheyDeclare() throws {
        let log = RecordingFilter.SharedLog()
        let requestOnly = RecordingFilter("a", log: log)
        requestOnly.phases = .request
        let responseOnly = RecordingFilter("b", log: log)
        responseOnly.phases = .response
        let upstreamOnly = RecordingFilter("c", log: log)
        upstreamOnly.phases = .upstreamRequest
        let snapshot = try FlowFixture.snapshot(routes: [
            (
                RouteSpec(name: "all"), .proxy(upstream: 0),
                [
                    NamedFilter(name: "a", filter: requestOnly), NamedFilter(name: "b", filter: responseOnly),
                    NamedFilter(name: "c", filter: upstreamOnly),
                ]
            )
        ])
        var flow = FlowFixture.flow(snapshot)
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        _ = flow.receiveEnd()
        let head = try #require(flow.upstreamConnected(reused: false, now: self.now).sentHead)
        #expect(head.headers.values("x-filter") == ["c"])
        _ = flow.upstreamResponseHead(ResponseHead(status: 200, headers: ["content-length": "0"]), now: self.now)
        // A filter skipped in the request phase still counts as entered: its response runs.
        #expect(log.entries == ["a.request", "c.upstream", "b.response"])
    }

    @Test func aNamedFilterFollowsItsFiltersPhases() {
        let log = RecordingFilter.SharedLog()
        let first = RecordingFilter("a", log: log)
        first.phases = .request
        var named = NamedFilter(name: "a", filter: first)
        #expect(named.phases == .request)
        let second = RecordingFilter("b", log: log)
        second.phases = [.response, .upstreamRequest]
        named.filter = second
        #expect(named.phases == [.response, .upstreamRequest])
    }

    @Test func aFilterCanAnswerAndOnlyEarlierFiltersSeeTheResponse() throws {
        let log = RecordingFilter.SharedLog()
        let first = RecordingFilter("a", log: log)
        let second = RecordingFilter("b", log: log)
        let third = RecordingFilter("c", log: log)
        second.decision = .reject(GatewayError(.unauthorized, "no token"))
        let snapshot = try FlowFixture.snapshot(routes: [
            (
                RouteSpec(name: "all"), .proxy(upstream: 0),
                [
                    NamedFilter(name: "a", filter: first), NamedFilter(name: "b", filter: second),
                    NamedFilter(name: "c", filter: third),
                ]
            )
        ])
        let services = ScriptedServices()
        var flow = FlowFixture.flow(snapshot, services: services)
        let response = try #require(flow.receiveHead(FlowFixture.get(), now: self.now).localResponse)
        #expect(response.head.status == 401)
        #expect(log.entries == ["a.request", "b.request", "b.response", "a.response"])
        #expect(services.started.isEmpty)
    }

    @Test func aSuspendedFilterResumesWhereItStopped() throws {
        let log = RecordingFilter.SharedLog()
        let filter = RecordingFilter("a", log: log)
        let loop = EmbeddedEventLoop()
        filter.decision = .suspend(loop.makeSucceededVoidFuture())
        let snapshot = try FlowFixture.snapshot(routes: [
            (RouteSpec(name: "all"), .proxy(upstream: 0), [NamedFilter(name: "a", filter: filter)])
        ])
        var flow = FlowFixture.flow(snapshot)
        guard case .suspend = flow.receiveHead(FlowFixture.get(), now: self.now) else {
            Issue.record("expected suspend")
            return
        }
        #expect(flow.isSuspendedOrConnecting)
        #expect(flow.filterResumed(nil, now: self.now).connectPlan != nil)
        #expect(log.entries == ["a.request", "a.request", "a.upstream"])

        filter.decision = .suspend(loop.makeSucceededVoidFuture())
        var failing = FlowFixture.flow(snapshot)
        _ = failing.receiveHead(FlowFixture.get(), now: self.now)
        struct Boom: Error {}
        #expect(failing.filterResumed(Boom(), now: self.now).localResponse?.head.status == 500)
    }

    @Test func redirectsAndFixedResponses() throws {
        let snapshot = try FlowFixture.snapshot(routes: [
            (
                RouteSpec(name: "docs", path: .prefix("/docs")),
                .redirect(RedirectAction(location: "https://docs.example.com/", status: 301, appendPath: true)), []
            ),
            (RouteSpec(name: "ping", path: .template("/ping")), .respond(LocalResponse(status: 200, body: "pong")), []),
        ])
        var redirect = FlowFixture.flow(snapshot)
        let moved = try #require(
            redirect.receiveHead(FlowFixture.get("/docs/intro?lang=en"), now: self.now).localResponse)
        #expect(moved.head.status == 301)
        #expect(moved.head.headers["location"] == "https://docs.example.com/docs/intro?lang=en")
        var ping = FlowFixture.flow(snapshot)
        #expect(ping.receiveHead(FlowFixture.get("/ping"), now: self.now).localResponse?.body == "pong")
    }

    @Test func upgradesUseAFreshConnectionAndATunnel() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot())
        let head = FlowFixture.get("/ws", headers: ["Host": "h", "Upgrade": "websocket", "Connection": "Upgrade"])
        let plan = try #require(flow.receiveHead(head, now: self.now).connectPlan)
        #expect(plan.fresh)
        _ = flow.receiveEnd()
        let sent = try #require(flow.upstreamConnected(reused: false, now: self.now).sentHead)
        #expect(sent.headers["upgrade"] == "websocket")
        #expect(sent.headers["connection"] == "upgrade")
        guard
            case .upgrade(let response) = flow.upstreamResponseHead(
                ResponseHead(status: 101, headers: ["Upgrade": "websocket", "Connection": "Upgrade"]),
                now: self.now
            )
        else {
            Issue.record("expected upgrade")
            return
        }
        #expect(response.headers["upgrade"] == "websocket")

        var refused = FlowFixture.flow(try FlowFixture.snapshot())
        _ = refused.receiveHead(head, now: self.now)
        _ = refused.receiveEnd()
        _ = refused.upstreamConnected(reused: false, now: self.now)
        _ = refused.upstreamResponseHead(ResponseHead(status: 400, headers: ["content-length": "0"]), now: self.now)
        #expect(!refused.keepAlive)
    }

    @Test func rejectsAnUpstreamResponseWithAmbiguousFraming() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot())
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        _ = flow.receiveEnd()
        _ = flow.upstreamConnected(reused: false, now: self.now)
        let action = flow.upstreamResponseHead(
            ResponseHead(status: 200, headers: ["content-length": "3", "transfer-encoding": "chunked"]),
            now: self.now
        )
        #expect(action.localResponse?.head.status == 502)
    }

    @Test func requestTimeoutBeforeTheResponseIs504() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot(timeout: .seconds(1)))
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        #expect(flow.requestTimeout == .seconds(1))
        _ = flow.receiveEnd()
        _ = flow.upstreamConnected(reused: false, now: self.now)
        let action = flow.requestTimedOut(now: self.now + .seconds(1))
        guard case .respond(let response, _, let disposition) = action else {
            Issue.record("expected 504")
            return
        }
        #expect(response.head.status == 504)
        #expect(disposition == .close)
    }
}

extension FlowAction {
    var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    var isRequestComplete: Bool {
        if case .requestComplete = self { return true }
        return false
    }

    var isForwardEnd: Bool {
        if case .forwardRequestEnd = self { return true }
        return false
    }

    var isForwardBody: Bool {
        if case .forwardRequestBody = self { return true }
        return false
    }
}
