import PorticoCore
import PorticoFilters
import PorticoHTTP
import Testing

@Suite struct RequestIDFilterTests {
    @Test func generatesPropagatesAndEchoes() throws {
        let filter = try FilterHarness.filter("    type: request_id")
        var fresh = FilterHarness.context(
            RequestHead(method: .GET, target: "/", headers: ["Host": "h"]), filter: filter)
        #expect(filter.onRequest(&fresh).isProceed)
        #expect(fresh.requestID == "generated-1")
        var upstream = fresh.request
        filter.onUpstreamRequest(&upstream, context: fresh)
        #expect(upstream.headers["x-request-id"] == "generated-1")
        var response = ResponseHead(status: 200)
        filter.onResponse(&response, context: fresh)
        #expect(response.headers["X-Request-ID"] == "generated-1")

        var incoming = FilterHarness.context(
            RequestHead(method: .GET, target: "/", headers: ["Host": "h", "X-Request-ID": "abc-123"]),
            filter: filter
        )
        _ = filter.onRequest(&incoming)
        #expect(incoming.requestID == "abc-123")

        // Junk from the client is not trusted into logs.
        var junk = FilterHarness.context(
            RequestHead(method: .GET, target: "/", headers: ["Host": "h", "X-Request-ID": "bad id\twith spaces"]),
            filter: filter
        )
        _ = filter.onRequest(&junk)
        #expect(junk.requestID == "generated-1")
    }

    @Test func honoursOptions() throws {
        let filter = try FilterHarness.filter(
            "    type: request_id\n    header: X-Trace\n    trust_incoming: false\n    response_header: false")
        var context = FilterHarness.context(
            RequestHead(method: .GET, target: "/", headers: ["Host": "h", "X-Trace": "client"]), filter: filter)
        _ = filter.onRequest(&context)
        #expect(context.requestID == "generated-1")
        var response = ResponseHead(status: 200)
        filter.onResponse(&response, context: context)
        #expect(response.headers["x-trace"] == nil)
    }

    @Test func rejectsBadConfig() {
        #expect(
            FilterHarness.errors("    type: request_id\n    header: \"Bad Header\"").contains("not a valid header name")
        )
        #expect(FilterHarness.errors("    type: request_id\n    unknown_key: 1").contains("unknown key 'unknown_key'"))
    }
}
