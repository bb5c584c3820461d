import Benchmark
import NIOCore
import Portico
import PorticoHTTP1

/// Inputs of the codec benchmarks, in the shape the data plane sees them.
final class CodecState {
    /// The 8-field browser request.
    let requestBytes = Fixtures.browserRequestBytes
    /// The parser with the limits `ProxyHandler` gives it (default listener limits).
    let parser: HTTP1HeadParser
    let parsedRequest: ParsedHead
    /// The request as the flow sends it upstream (forwarding fields and `Via` added).
    let upstreamRequest: RequestHead
    /// The response as the flow sends it to the client.
    let clientResponse: ResponseHead
    /// 16 pipelined requests: 12 browser GETs and 4 JSON POSTs with a 256-byte body.
    let pipelined: ByteBuffer
    static let pipelinedCount = 16
    /// A 64 KiB chunked body: 16 chunks of 4 KiB (one with an extension), then the last chunk.
    let chunked: ByteBuffer
    let allocator = ByteBufferAllocator()

    init() {
        let exchange = ProxyExchange(filters: false)
        self.parser = HTTP1HeadParser(kind: .request, limits: Self.limits(exchange.listener))
        var buffer = self.requestBytes
        var scanned = 0
        guard let parsed = try? self.parser.parse(&buffer, scanned: &scanned), parsed.fields.count == 8 else {
            fatalError("the browser request does not parse")
        }
        self.parsedRequest = parsed
        (self.upstreamRequest, self.clientResponse) = exchange.heads()

        var pipelined = ByteBuffer()
        let body = String(repeating: "{\"k\":1}", count: 256 / 7) + String(repeating: " ", count: 256 % 7)
        for index in 0..<Self.pipelinedCount {
            if index % 4 == 3 {
                let fields =
                    Fixtures.browserRequestFields.filter { $0.0 != "Upgrade-Insecure-Requests" } + [
                        ("Content-Type", "application/json"), ("Content-Length", "\(body.utf8.count)"),
                    ]
                pipelined.writeString(
                    Fixtures.requestHead(method: "POST", target: "/api/v1/events", fields: fields) + body)
            } else {
                pipelined.writeString(
                    Fixtures.requestHead(
                        target: "/api/v1/users/\(index)?include=profile",
                        fields: Fixtures.browserRequestFields))
            }
        }
        self.pipelined = pipelined

        var chunked = ByteBuffer()
        let chunk = String(repeating: "abcdefgh", count: 512)
        for index in 0..<16 {
            chunked.writeString(index == 5 ? "1000;name=value\r\n" : "1000\r\n")
            chunked.writeString(chunk)
            chunked.writeString("\r\n")
        }
        chunked.writeString("0\r\n\r\n")
        self.chunked = chunked
        self.check()
    }

    /// The limits `ProxyHandler` gives its decoder for a listener.
    static func limits(_ listener: ListenerSettings) -> HTTP1HeadParser.Limits {
        HTTP1HeadParser.Limits(
            maxHeadBytes: listener.maxHeaderBytes + listener.maxURIBytes + 32,
            maxFields: 1024,
            maxTargetBytes: listener.maxURIBytes + listener.maxHeaderBytes
        )
    }

    func makeRequestDecoder() -> HTTP1RequestDecoder {
        HTTP1RequestDecoder(limits: self.parser.limits)
    }

    private func check() {
        var buffer = self.pipelined
        var decoder = self.makeRequestDecoder()
        var heads = 0
        var bodyBytes = 0
        while let part = try! decoder.next(&buffer) {
            switch part {
            case .head: heads += 1
            case .body(let slice): bodyBytes += slice.readableBytes
            case .end: break
            }
        }
        precondition(heads == Self.pipelinedCount && bodyBytes == 4 * 256 && buffer.readableBytes == 0)
        var chunked = self.chunked
        var bodyDecoder = BodyDecoder(.chunked)
        var decoded = 0
        while let event = try! bodyDecoder.next(&chunked) {
            if case .data(let slice) = event { decoded += slice.readableBytes }
        }
        precondition(decoded == 64 * 1024 && bodyDecoder.isDone)
    }
}

func codecBenchmarks() {
    let fast = Benchmark.Configuration(
        metrics: standardMetrics,
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 100_000
    )
    let perBuffer = Benchmark.Configuration(
        metrics: standardMetrics,
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .one,
        maxDuration: .seconds(1),
        maxIterations: 1_000_000
    )

    // The request head parsed in place: byte ranges, known fields classified.
    Benchmark("Codec.parseHead", configuration: fast) { benchmark, state in
        let parser = state.parser
        let bytes = state.requestBytes
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var buffer = bytes
            var scanned = 0
            blackHole(try! parser.parse(&buffer, scanned: &scanned))
        }
        benchmark.stopMeasurement()
    } setup: {
        CodecState()
    }

    // What `ProxyHandler` does with each parsed head: one `String` per field name and value.
    Benchmark("Codec.requestHeadFromParsed", configuration: fast) { benchmark, state in
        let parsed = state.parsedRequest
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(RequestHead(parsed))
        }
        benchmark.stopMeasurement()
    } setup: {
        CodecState()
    }

    // The upstream request head into a new 512-byte buffer, as `UpstreamConnection.writeHead` does.
    Benchmark("Codec.writeRequestHead", configuration: fast) { benchmark, state in
        let head = state.upstreamRequest
        let allocator = state.allocator
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var buffer = allocator.buffer(capacity: 512)
            HTTP1Serializer.writeRequestHead(head, into: &buffer)
            blackHole(buffer)
        }
        benchmark.stopMeasurement()
    } setup: {
        CodecState()
    }

    // The client response head into a new 512-byte buffer, as `ProxyHandler.writeResponseHead` does.
    Benchmark("Codec.writeResponseHead", configuration: fast) { benchmark, state in
        let head = state.clientResponse
        let allocator = state.allocator
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var buffer = allocator.buffer(capacity: 512)
            HTTP1Serializer.writeResponseHead(head, into: &buffer)
            blackHole(buffer)
        }
        benchmark.stopMeasurement()
    } setup: {
        CodecState()
    }

    // 16 pipelined requests (heads, body slices, ends) from one read buffer.
    Benchmark("Codec.decodePipelined16", configuration: perBuffer) { benchmark, state in
        let bytes = state.pipelined
        var decoder = state.makeRequestDecoder()
        benchmark.startMeasurement()
        var buffer = bytes
        while let part = try! decoder.next(&buffer) {
            blackHole(part)
        }
        benchmark.stopMeasurement()
    } setup: {
        CodecState()
    }

    // A 64 KiB chunked request body: 16 data slices, no copies.
    Benchmark("Codec.chunkedBody64KiB", configuration: perBuffer) { benchmark, state in
        let bytes = state.chunked
        benchmark.startMeasurement()
        var buffer = bytes
        var decoder = BodyDecoder(.chunked)
        while let event = try! decoder.next(&buffer) {
            blackHole(event)
        }
        benchmark.stopMeasurement()
    } setup: {
        CodecState()
    }
}
