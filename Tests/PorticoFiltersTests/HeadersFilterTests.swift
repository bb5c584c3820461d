import PorticoCore
import PorticoFilters
import PorticoHTTP
import Testing

@Suite struct HeadersFilterTests {
    @Test func editsRequestAndResponseInDocumentedOrder() throws {
        let filter = try FilterHarness.filter(
            """
                type: headers
                request:
                  rename: { X-Old: X-New }
                  remove: [X-Debug]
                  set: { X-Env: prod }
                  add: { X-Tag: two }
                response:
                  set: { Cache-Control: no-store }
                  remove: [Server]
            """
        )
        let head = RequestHead(
            method: .GET,
            target: "/",
            headers: HeaderList([
                ("Host", "h"), ("X-Old", "1"), ("X-Debug", "yes"), ("X-Env", "dev"), ("X-Env", "test"),
                ("X-Tag", "one"),
            ])
        )
        let context = FilterHarness.context(head, filter: filter)
        var upstream = head
        filter.onUpstreamRequest(&upstream, context: context)
        #expect(upstream.headers["x-new"] == "1")
        #expect(upstream.headers["x-old"] == nil)
        #expect(upstream.headers["x-debug"] == nil)
        #expect(upstream.headers.values("x-env") == ["prod"])
        #expect(upstream.headers.values("x-tag") == ["one", "two"])

        var response = ResponseHead(status: 200, headers: ["Server": "backend", "Cache-Control": "max-age=60"])
        filter.onResponse(&response, context: context)
        #expect(response.headers["server"] == nil)
        #expect(response.headers.values("cache-control") == ["no-store"])
    }

    @Test func refusesManagedAndInvalidHeaders() {
        #expect(
            FilterHarness.errors("    type: headers\n    request: { set: { Transfer-Encoding: gzip } }").contains(
                "managed by the proxy"))
        #expect(
            FilterHarness.errors("    type: headers\n    request: { remove: [\"bad name\"] }").contains(
                "not a valid header name"))
        #expect(FilterHarness.errors("    type: headers").contains("needs request or response edits"))
        #expect(
            FilterHarness.errors("    type: headers\n    request: { sett: { A: b } }").contains("did you mean 'set'"))
    }
}
