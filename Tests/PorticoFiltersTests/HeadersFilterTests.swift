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
        var context = FilterHarness.context(head, filter: filter)
        // Request edits happen in the filter's turn, so later filters see them.
        #expect(filter.onRequest(&context).isProceed)
        let upstream = context.request
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

    @Test func rendersRequestDataIntoValues() throws {
        let filter = try FilterHarness.filter(
            """
                type: headers
                request:
                  set:
                    X-Client: "${client_ip}"
                    X-Item: "item-${path.id}"
                    X-User: "user ${jwt.sub} via ${consumer}"
                    X-Trace: "${request_id}"
                    X-Copy: "${header.X-Source}/${query.q}"
                    X-Route: "${route} ${method}"
                    X-Missing: "${jwt.tenant}"
                response:
                  add: { X-Served-For: "${consumer}" }
            """
        )
        var parameters = PathParameters()
        parameters.append(name: "id", value: "42")
        var context = FilterHarness.context(
            FilterHarness.get("/items/42?q=a%20b", [("X-Source", "src"), ("X-Missing", "old")]), filter: filter,
            clientIP: "203.0.113.5", route: "items", parameters: parameters)
        context.values["jwt.sub"] = "u-1"
        context.consumer = "mobile"
        context.requestID = "req-9"
        #expect(filter.onRequest(&context).isProceed)
        let headers = context.request.headers
        #expect(headers["x-client"] == "203.0.113.5")
        #expect(headers["x-item"] == "item-42")
        #expect(headers["x-user"] == "user u-1 via mobile")
        #expect(headers["x-trace"] == "req-9")
        #expect(headers["x-copy"] == "src/a b")
        #expect(headers["x-route"] == "items GET")
        // A value whose data is missing is not written (the client's field stays as it was).
        #expect(headers["x-missing"] == "old")

        var response = ResponseHead(status: 200)
        filter.onResponse(&response, context: context)
        #expect(response.headers["x-served-for"] == "mobile")
    }

    @Test func valuesReadTheRequestAsItArrivedEvenWhenTheEditsChangeIt() throws {
        // `${header.X-Source}` while the same filter renames and removes fields: rendered first.
        let reading = try FilterHarness.filter(
            """
                type: headers
                request:
                  rename: { X-Source: X-Moved }
                  remove: [X-Gone]
                  set: { X-Copy: "${header.X-Source}+${header.X-Gone}" }
            """
        )
        var context = FilterHarness.context(
            FilterHarness.get("/", [("X-Source", "src"), ("X-Gone", "g")]), filter: reading)
        #expect(reading.onRequest(&context).isProceed)
        #expect(context.request.headers["x-copy"] == "src+g")
        #expect(context.request.headers["x-moved"] == "src")
        #expect(context.request.headers["x-gone"] == nil)

        // Values that read no header are rendered as they are written; the list is intact after.
        let writing = try FilterHarness.filter(
            "    type: headers\n    request: { set: { X-Client: \"${client_ip}\", X-Route: \"${route}\" } }")
        var plain = FilterHarness.context(
            FilterHarness.get("/", [("X-Keep", "1")]), filter: writing, clientIP: "203.0.113.5", route: "r")
        #expect(writing.onRequest(&plain).isProceed)
        #expect(plain.request.headers.values("x-keep") == ["1"])
        #expect(plain.request.headers["x-client"] == "203.0.113.5")
        #expect(plain.request.headers["x-route"] == "r")
        #expect(writing.phases == .request)
    }

    @Test func neverWritesControlCharactersFromRequestData() throws {
        let filter = try FilterHarness.filter("    type: headers\n    request: { set: { X-Sub: \"${jwt.sub}\" } }")
        var context = FilterHarness.context(FilterHarness.get(), filter: filter)
        context.values["jwt.sub"] = "evil\r\nX-Admin: 1"
        #expect(filter.onRequest(&context).isProceed)
        #expect(context.request.headers["x-sub"] == nil)
    }

    @Test(arguments: [
        ("    type: headers\n    request: { set: { X-A: \"${nope}\" } }", "unknown placeholder '${nope}'"),
        ("    type: headers\n    request: { set: { X-A: \"${path}\" } }", "unknown placeholder '${path}'"),
        ("    type: headers\n    request: { add: { X-A: \"${jwt.sub\" } }", "unterminated '${'"),
        ("    type: headers\n    response: { set: { X-A: \"${header.bad name}\" } }", "is not a header name"),
        ("    type: headers\n    response: { set: { X-A: \"${cookie.a}\" } }", "unknown placeholder"),
    ])
    func rejectsBadPlaceholders(yaml: String, message: String) {
        let errors = FilterHarness.errors(yaml)
        #expect(errors.contains(message), "\(errors)")
    }

    @Test func laterFiltersSeeRequestEdits() throws {
        // A key injected by `headers` is what an `api_key` filter listed after it checks.
        let inject = try FilterHarness.filter("    type: headers\n    request: { set: { X-API-Key: k-123 } }")
        let keys = try FilterHarness.filter(
            "    type: api_key\n    keys: [{ consumer: internal, sha256: \(APIKeyFilterTests.mobile) }]")
        var context = FilterHarness.context(FilterHarness.get(), filter: inject)
        #expect(inject.onRequest(&context).isProceed)
        #expect(keys.onRequest(&context).isProceed)
        #expect(context.consumer == "internal")
    }
}
