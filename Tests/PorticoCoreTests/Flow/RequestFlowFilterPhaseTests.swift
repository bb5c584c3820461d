import NIOCore
import PorticoCore
import PorticoHTTP
import Testing

/// Listener default filters, the body phase, forwarded-header trust and replay guards.
@Suite struct RequestFlowFilterPhaseTests {
    let now = FlowFixture.now

    /// A filter that asks for the body and checks it.
    struct BodyCheck: HTTPFilter {
        let limit: Int
        func onRequest(_ context: inout RequestContext) -> FilterDecision {
            context.bufferBody(upTo: self.limit)
            return .proceed
        }

        func onRequestBody(_ body: ByteBuffer, context: inout RequestContext) -> FilterDecision {
            String(buffer: body).contains("bad") ? .reject(GatewayError(.badRequest, "bad body")) : .proceed
        }
    }

    /// A filter that lowers the body limit.
    struct Limit: HTTPFilter {
        let bytes: Int
        func onRequest(_ context: inout RequestContext) -> FilterDecision {
            context.limitBody(to: self.bytes)
            return .proceed
        }
    }

    private func snapshot(filters: [NamedFilter], listener: ListenerSettings? = nil) throws -> RuntimeSnapshot {
        try FlowFixture.snapshot(
            routes: [(RouteSpec(name: "all"), .proxy(upstream: 0), filters)],
            listener: listener ?? ListenerSettings(name: "l", host: "127.0.0.1", port: 0)
        )
    }

    @Test func bufferedBodyIsCheckedBeforeTheUpstreamIsContacted() throws {
        let services = ScriptedServices()
        var flow = FlowFixture.flow(
            try self.snapshot(filters: [NamedFilter(name: "check", filter: BodyCheck(limit: 100))]), services: services)
        let head = FlowFixture.get(
            "/", headers: ["Host": "h", "Content-Length": "8", "Expect": "100-continue"], method: .POST)
        guard case .sendContinue = flow.receiveHead(head, now: self.now) else {
            Issue.record("expected 100 Continue first")
            return
        }
        #expect(flow.isBufferingBody)
        #expect(flow.receiveBody(ByteBuffer(string: "good")).isNone)
        #expect(flow.receiveBody(ByteBuffer(string: "data")).isNone)
        guard case .connect(_, let sendContinue) = flow.receiveEnd() else {
            Issue.record("expected connect after the body")
            return
        }
        #expect(!sendContinue)  // already sent
        guard case .sendRequest(_, let body, let end) = flow.upstreamConnected(reused: false, now: self.now) else {
            Issue.record("expected the buffered body upstream")
            return
        }
        #expect(body.map { String(buffer: $0) } == ["gooddata"])
        #expect(end)

        var rejected = FlowFixture.flow(
            try self.snapshot(filters: [NamedFilter(name: "check", filter: BodyCheck(limit: 100))]))
        _ = rejected.receiveHead(
            FlowFixture.get("/", headers: ["Host": "h", "Content-Length": "3"], method: .POST), now: self.now)
        _ = rejected.receiveBody(ByteBuffer(string: "bad"))
        #expect(rejected.receiveEnd().localResponse?.head.status == 400)

        var tooBig = FlowFixture.flow(
            try self.snapshot(filters: [NamedFilter(name: "check", filter: BodyCheck(limit: 4))]))
        _ = tooBig.receiveHead(
            FlowFixture.get("/", headers: ["Host": "h", "Transfer-Encoding": "chunked"], method: .POST), now: self.now)
        #expect(tooBig.receiveBody(ByteBuffer(string: "12345")).localResponse?.head.status == 413)
    }

    @Test func filtersMayLowerTheBodyLimit() throws {
        let snapshot = try self.snapshot(filters: [NamedFilter(name: "limit", filter: Limit(bytes: 5))])
        var declared = FlowFixture.flow(snapshot)
        let action = declared.receiveHead(
            FlowFixture.get("/", headers: ["Host": "h", "Content-Length": "6"], method: .POST), now: self.now)
        #expect(action.localResponse?.head.status == 413)

        var streamed = FlowFixture.flow(snapshot)
        _ = streamed.receiveHead(
            FlowFixture.get("/", headers: ["Host": "h", "Transfer-Encoding": "chunked"], method: .POST), now: self.now)
        _ = streamed.upstreamConnected(reused: false, now: self.now)
        #expect(streamed.receiveBody(ByteBuffer(string: "1234")).isForwardBody)
        #expect(streamed.receiveBody(ByteBuffer(string: "56")).localResponse?.head.status == 413)
    }

    @Test func listenerDefaultsRunFirstAndOnce() throws {
        let log = RecordingFilter.SharedLog()
        let listenerFilter = NamedFilter(name: "a", filter: RecordingFilter("a", log: log))
        var listener = ListenerSettings(name: "l", host: "127.0.0.1", port: 0)
        listener.filters = [listenerFilter]
        let snapshot = try self.snapshot(
            filters: [NamedFilter(name: "b", filter: RecordingFilter("b", log: log)), listenerFilter],
            listener: listener
        )
        var flow = FlowFixture.flow(snapshot)
        _ = flow.receiveHead(FlowFixture.get(), now: self.now)
        #expect(log.entries == ["a.request", "b.request", "a.upstream", "b.upstream"])
    }

    @Test func trustedProxiesDecideTheClientAndForwardedFields() throws {
        var listener = ListenerSettings(name: "l", host: "127.0.0.1", port: 0)
        listener.trustedProxies = [CIDR("192.0.2.0/24")!]
        let headers: HeaderList = [
            "Host": "h", "X-Forwarded-For": "198.51.100.7, 192.0.2.99", "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "public.example",
        ]
        let snapshot = try self.snapshot(filters: [], listener: listener)

        // From a trusted proxy: the real client is the nearest untrusted hop; fields kept.
        var trusted = FlowFixture.flow(snapshot)  // the fixture's peer is 192.0.2.10
        _ = trusted.receiveHead(FlowFixture.get("/", headers: headers), now: self.now)
        #expect(trusted.context?.clientIP == "198.51.100.7")
        let sent = try #require(trusted.upstreamConnected(reused: false, now: self.now).sentHead)
        #expect(sent.headers["x-forwarded-for"] == "198.51.100.7, 192.0.2.99, 192.0.2.10")
        #expect(sent.headers["x-forwarded-proto"] == "https")
        #expect(sent.headers["x-forwarded-host"] == "public.example")

        // From anyone else: the peer is the client, and its claims are replaced.
        var untrusted = RequestFlow(
            snapshot: snapshot,
            listener: listener,
            client: ClientInfo(ip: "203.0.113.5", port: 1),
            services: ScriptedServices()
        )
        _ = untrusted.receiveHead(FlowFixture.get("/", headers: headers), now: self.now)
        #expect(untrusted.context?.clientIP == "203.0.113.5")
        let replaced = try #require(untrusted.upstreamConnected(reused: false, now: self.now).sentHead)
        #expect(replaced.headers["x-forwarded-for"] == "203.0.113.5")
        #expect(replaced.headers["x-forwarded-proto"] == "http")
        #expect(replaced.headers["x-forwarded-host"] == "h")
    }

    @Test func notTrustingIncomingFieldsAlsoMeansNotBelievingThemForTheClient() throws {
        var listener = ListenerSettings(name: "l", host: "127.0.0.1", port: 0)
        listener.trustedProxies = [CIDR("192.0.2.0/24")!]
        listener.trustForwardedHeaders = false
        let snapshot = try self.snapshot(filters: [], listener: listener)
        var flow = FlowFixture.flow(snapshot)  // the fixture's peer, 192.0.2.10, is a trusted proxy
        _ = flow.receiveHead(
            FlowFixture.get("/", headers: ["Host": "h", "X-Forwarded-For": "198.51.100.7"]), now: self.now)
        // The upstream is told the peer is the client; policies and logs must agree.
        #expect(flow.context?.clientIP == "192.0.2.10")
        let sent = try #require(flow.upstreamConnected(reused: false, now: self.now).sentHead)
        #expect(sent.headers["x-forwarded-for"] == "192.0.2.10")
    }

    @Test func noReplayAfterAnInterimResponse() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot())
        _ = flow.receiveHead(
            FlowFixture.get("/", headers: ["Host": "h", "Content-Length": "2"], method: .POST), now: self.now)
        _ = flow.receiveBody(ByteBuffer(string: "hi"))
        _ = flow.receiveEnd()
        _ = flow.upstreamConnected(reused: true, now: self.now)
        _ = flow.upstreamResponseHead(
            ResponseHead(status: 103, headers: ["Link": "</a.css>; rel=preload"]), now: self.now)
        #expect(flow.upstreamFailed(.closed, now: self.now).localResponse?.head.status == 502)
    }

    @Test func aTunnelReleasesTheBalancersCount() throws {
        let services = ScriptedServices()
        var flow = FlowFixture.flow(try FlowFixture.snapshot(), services: services)
        _ = flow.receiveHead(
            FlowFixture.get("/ws", headers: ["Host": "h", "Upgrade": "websocket", "Connection": "upgrade"]),
            now: self.now)
        _ = flow.receiveEnd()
        _ = flow.upstreamConnected(reused: false, now: self.now)
        _ = flow.upstreamResponseHead(
            ResponseHead(status: 101, headers: ["Upgrade": "websocket", "Connection": "upgrade"]), now: self.now)
        #expect(services.finished.isEmpty)
        flow.tunnelClosed()
        #expect(services.finished == [0])
    }

    @Test func transferCodingsArePassedOn() throws {
        var flow = FlowFixture.flow(try FlowFixture.snapshot())
        _ = flow.receiveHead(
            FlowFixture.get("/", headers: ["Host": "h", "Transfer-Encoding": "gzip, chunked"], method: .POST),
            now: self.now)
        let sent = try #require(flow.upstreamConnected(reused: false, now: self.now).sentHead)
        #expect(sent.headers["transfer-encoding"] == "gzip, chunked")
        _ = flow.receiveEnd()
        guard
            case .sendResponseHead(let head) = flow.upstreamResponseHead(
                ResponseHead(status: 200, headers: ["Transfer-Encoding": "gzip, chunked"]),
                now: self.now
            )
        else {
            Issue.record("expected a head")
            return
        }
        #expect(head.headers["transfer-encoding"] == "gzip, chunked")
    }
}
