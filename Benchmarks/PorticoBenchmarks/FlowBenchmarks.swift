import Benchmark
import NIOCore
import NIOEmbedded
import Portico
import PorticoHTTP1

/// One proxied request driven through `RequestFlow` without sockets, in the order
/// `ProxyHandler` drives it when the upstream connection comes from the pool:
///
/// 1. head decoded → `receiveHead` (validate, route, filters' `onRequest`, balancer pick, upstream
///    request built, filters' `onUpstreamRequest`) → `.connect`
/// 2. pooled connection → `upstreamConnected(reused: true)` → `.sendRequest` (head serialized)
/// 3. request end decoded → `receiveEnd` → `.forwardRequestEnd`
/// 4. response head decoded → `upstreamResponseHead` (forwarded fields, `Via`, filters'
///    `onResponse`) → `.sendResponseHead` (head serialized)
/// 5. body slice → `upstreamResponseBody` → `.forwardResponseBody`
/// 6. response end → `upstreamResponseEnd` → `.finishResponse(.release, requestComplete: true)`
///
/// Left out (they need a channel): the pool's bookkeeping, channel writes and flushes, timers,
/// and the access log and counters of `LoopRuntime.requestFinished`.
final class ProxyExchange {
    let snapshot: RuntimeSnapshot
    let listener: ListenerSettings
    let client = ClientInfo(ip: "203.0.113.7", port: 51_234, listener: "bench")
    let services = BenchLoopServices(eventLoop: EmbeddedEventLoop())
    let allocator = ByteBufferAllocator()
    let withFilters: Bool

    /// The request and response as bytes (what one read from each socket delivers).
    let requestBytes: ByteBuffer
    let responseBytes: ByteBuffer
    /// The same, decoded once (for the flow-only benchmark).
    let request: RequestHead
    let response: ResponseHead
    let responseBody: ByteBuffer

    var requestDecoder: HTTP1RequestDecoder
    var responseDecoder = HTTP1ResponseDecoder()

    /// An exchange on the bench config; `filters`: the route runs jwt, rate_limit, cors and
    /// headers, and the request carries a (cached after the first request) bearer token and
    /// an `Origin`.
    init(filters: Bool) {
        self.withFilters = filters
        self.snapshot = Fixtures.snapshot(Fixtures.proxyConfig(filters: filters))
        self.listener = self.snapshot.listeners[0]
        self.requestDecoder = HTTP1RequestDecoder(limits: CodecState.limits(self.listener))
        let fields =
            filters ? Fixtures.apiRequestFields(token: Fixtures.hs256Token()) : Fixtures.browserRequestFields
        self.requestBytes = ByteBuffer(string: Fixtures.requestHead(target: Fixtures.browserTarget, fields: fields))
        self.responseBytes = Fixtures.upstreamResponseBytes

        var requestBuffer = self.requestBytes
        var decoder = HTTP1RequestDecoder(limits: CodecState.limits(self.listener))
        guard case .head(let parsedRequest)? = try? decoder.next(&requestBuffer) else {
            fatalError("the benchmark request does not parse")
        }
        self.request = RequestHead(parsedRequest)
        var responseBuffer = self.responseBytes
        var responseDecoder = HTTP1ResponseDecoder()
        responseDecoder.expectResponse(to: .GET)
        guard case .head(let parsedResponse)? = try? responseDecoder.next(&responseBuffer),
            case .body(let body)? = try? responseDecoder.next(&responseBuffer)
        else { fatalError("the benchmark response does not parse") }
        self.response = ResponseHead(parsedResponse)
        self.responseBody = body
        self.check()
    }

    /// One exchange through the flow alone (heads already decoded, nothing serialized).
    @inline(__always)
    func runFlow() {
        var flow = RequestFlow(
            snapshot: self.snapshot, listener: self.listener, client: self.client, services: self.services)
        guard case .connect = flow.receiveHead(self.request, now: .now()) else { fatalError("not proxied") }
        guard case .sendRequest(let upstreamHead, _, _) = flow.upstreamConnected(reused: true, now: .now()) else {
            fatalError("no upstream request")
        }
        blackHole(upstreamHead)
        blackHole(flow.receiveEnd())
        guard case .sendResponseHead(let responseHead) = flow.upstreamResponseHead(self.response, now: .now()) else {
            fatalError("no response head")
        }
        blackHole(responseHead)
        blackHole(flow.upstreamResponseBody(self.responseBody))
        guard case .finishResponse(.release, true) = flow.upstreamResponseEnd(now: .now()) else {
            fatalError("exchange not finished")
        }
        blackHole(flow.record)
    }

    /// One exchange from request bytes to response bytes: decode, flow, serialize.
    @inline(__always)
    func runFlowWithCodec() {
        var received = self.requestBytes
        guard case .head(let parsed)? = try! self.requestDecoder.next(&received) else { fatalError("no head") }
        var flow = RequestFlow(
            snapshot: self.snapshot, listener: self.listener, client: self.client, services: self.services)
        guard case .connect = flow.receiveHead(RequestHead(parsed), now: .now()) else { fatalError("not proxied") }
        guard case .sendRequest(let upstreamHead, _, _) = flow.upstreamConnected(reused: true, now: .now()) else {
            fatalError("no upstream request")
        }
        var requestOut = self.allocator.buffer(capacity: 512)
        HTTP1Serializer.writeRequestHead(upstreamHead, into: &requestOut)
        self.responseDecoder.expectResponse(to: upstreamHead.method)
        blackHole(requestOut)
        guard case .end? = try! self.requestDecoder.next(&received) else { fatalError("no request end") }
        blackHole(flow.receiveEnd())

        var upstreamReceived = self.responseBytes
        guard case .head(let parsedResponse)? = try! self.responseDecoder.next(&upstreamReceived) else {
            fatalError("no response head")
        }
        guard
            case .sendResponseHead(let responseHead) = flow.upstreamResponseHead(
                ResponseHead(parsedResponse), now: .now())
        else { fatalError("no response head to send") }
        var responseOut = self.allocator.buffer(capacity: 512)
        HTTP1Serializer.writeResponseHead(responseHead, into: &responseOut)
        blackHole(responseOut)
        guard case .body(let slice)? = try! self.responseDecoder.next(&upstreamReceived) else { fatalError("no body") }
        blackHole(flow.upstreamResponseBody(slice))
        guard case .end? = try! self.responseDecoder.next(&upstreamReceived),
            case .finishResponse(.release, true) = flow.upstreamResponseEnd(now: .now())
        else { fatalError("exchange not finished") }
        blackHole(flow.record)
    }

    /// The upstream request head and client response head of one exchange.
    func heads() -> (RequestHead, ResponseHead) {
        var flow = RequestFlow(
            snapshot: self.snapshot, listener: self.listener, client: self.client, services: self.services)
        guard case .connect = flow.receiveHead(self.request, now: .now()),
            case .sendRequest(let upstreamHead, _, _) = flow.upstreamConnected(reused: true, now: .now())
        else { fatalError("not proxied") }
        _ = flow.receiveEnd()
        guard case .sendResponseHead(let responseHead) = flow.upstreamResponseHead(self.response, now: .now()) else {
            fatalError("no response head")
        }
        return (upstreamHead, responseHead)
    }

    /// The exchange does what the benchmark claims: proxied, and with filters, the token
    /// accepted (its claim forwarded) and the CORS and header filters applied to the response.
    private func check() {
        let (upstreamHead, responseHead) = self.heads()
        precondition(upstreamHead.headers["x-forwarded-for"] == self.client.ip)
        precondition(responseHead.headers["via"] == "1.1 portico")
        if self.withFilters {
            precondition(upstreamHead.headers["x-user"] == "bench-user", "jwt claim not forwarded")
            precondition(responseHead.headers["access-control-allow-origin"] == "https://app.example.com")
            precondition(responseHead.headers["x-served-by"] == "portico")
            precondition(responseHead.headers["ratelimit-limit"] != nil)
        }
        self.runFlow()
        self.runFlowWithCodec()
    }
}

func flowBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: standardMetrics,
        timeUnits: .nanoseconds,
        warmupIterations: 100,
        scalingFactor: .one,
        maxDuration: .seconds(1),
        maxIterations: 1_000_000
    )

    // The request state machine for one proxied request: no filters (the bench's bare mode).
    Benchmark("ProxiedRequest.flow", configuration: configuration) { benchmark, exchange in
        benchmark.startMeasurement()
        exchange.runFlow()
        benchmark.stopMeasurement()
    } setup: {
        ProxyExchange(filters: false)
    }

    // The same with the codec: request bytes decoded, both heads serialized, response decoded.
    Benchmark("ProxiedRequest.flowWithCodec", configuration: configuration) { benchmark, exchange in
        benchmark.startMeasurement()
        exchange.runFlowWithCodec()
        benchmark.stopMeasurement()
    } setup: {
        ProxyExchange(filters: false)
    }

    // The filter chain of the bench's filters mode: jwt (HS256, token cached after the first
    // request) + rate_limit + cors + headers, run through the same exchange.
    Benchmark("FilterChain.flow", configuration: configuration) { benchmark, exchange in
        benchmark.startMeasurement()
        exchange.runFlow()
        benchmark.stopMeasurement()
    } setup: {
        ProxyExchange(filters: true)
    }

    Benchmark("FilterChain.flowWithCodec", configuration: configuration) { benchmark, exchange in
        benchmark.startMeasurement()
        exchange.runFlowWithCodec()
        benchmark.stopMeasurement()
    } setup: {
        ProxyExchange(filters: true)
    }
}
