import NIOCore
import PorticoHTTP
import Testing

@testable import PorticoCore

/// CORS preflights to routes whose `methods` leave out OPTIONS.
struct PreflightRoutingTests {
    struct PreflightAnswerer: HTTPFilter {
        var answersCORSPreflight: Bool { true }
        func onRequest(_ context: inout RequestContext) -> FilterDecision {
            context.request.method == .OPTIONS ? .respond(LocalResponse(status: 204)) : .proceed
        }
    }

    static func snapshot(withCORS: Bool) throws -> RuntimeSnapshot {
        let filters = withCORS ? [NamedFilter(name: "cors", filter: PreflightAnswerer())] : []
        return try FlowFixture.snapshot(routes: [
            (RouteSpec(name: "api", methods: HTTPMethodSet([.GET, .POST])), .proxy(upstream: 0), filters)
        ])
    }

    static let preflight = FlowFixture.get(
        "/users/1",
        headers: ["Host": "h", "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"],
        method: .OPTIONS)

    @Test func aPreflightReachesTheRouteOfTheMethodItAsksAbout() throws {
        var flow = FlowFixture.flow(try Self.snapshot(withCORS: true))
        #expect(flow.receiveHead(Self.preflight, now: FlowFixture.now).localResponse?.head.status == 204)
    }

    @Test func withoutACORSFilterThe405Stands() throws {
        var flow = FlowFixture.flow(try Self.snapshot(withCORS: false))
        #expect(flow.receiveHead(Self.preflight, now: FlowFixture.now).localResponse?.head.status == 405)
        // A plain OPTIONS (no preflight headers) is refused too.
        var plain = FlowFixture.flow(try Self.snapshot(withCORS: true))
        let options = FlowFixture.get("/users/1", headers: ["Host": "h"], method: .OPTIONS)
        #expect(plain.receiveHead(options, now: FlowFixture.now).localResponse?.head.status == 405)
    }
}
