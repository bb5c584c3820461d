import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PorticoCore
import PorticoHTTP
import PorticoTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Bodies stream both ways with back-pressure (SPEC F-02).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct StreamingTests {
    let group = MultiThreadedEventLoopGroup.singleton

    @Test func chunkedUploadIsStreamedBeforeItEnds() async throws {
        let backend = try await TestBackend.start(group: self.group) { request, writer in
            writer.respond(status: 200, body: "received \(request.body.count)")
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: "x", count: 4096)
        try await client.send("1000\r\n\(chunk)\r\n")
        // The first chunk reaches the backend while the upload is still open.
        let deadline = ContinuousClock.now + .seconds(5)
        while backend.bodyBytesReceived < 4096 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(backend.bodyBytesReceived >= 4096)
        #expect(backend.requests.isEmpty)
        try await client.send("1000\r\n\(chunk)\r\n0\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "received 8192")
        #expect(backend.requests.first?.header("transfer-encoding") == "chunked")
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    /// A backend that streams `total` bytes in 64 KiB parts, each written after the previous
    /// one left its socket, so it produces no faster than the proxy drains it.
    private func startDownloadBackend(total: Int, written: NIOLockedValueBox<Int>) async throws -> TestBackend {
        try await TestBackend.start(group: self.group) { _, writer in
            writer.head(
                status: 200, headers: [("content-length", "\(total)"), ("content-type", "application/octet-stream")])
            let part = ByteBuffer(repeating: 0x61, count: 64 * 1024)
            @Sendable func send(_ remaining: Int) {
                guard remaining > 0 else {
                    writer.end()
                    return
                }
                let slice = remaining >= part.readableBytes ? part : part.getSlice(at: 0, length: remaining)!
                writer.bodyWritten(slice).whenSuccess {
                    written.withLockedValue { $0 += slice.readableBytes }
                    send(remaining - slice.readableBytes)
                }
            }
            writer.eventLoop.execute { send(total) }
        }
    }

    @Test func largeDownloadStreamsWithBoundedMemory() async throws {
        let total = 256 * 1024 * 1024
        let written = NIOLockedValueBox(0)
        let backend = try await self.startDownloadBackend(total: total, written: written)
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        client.countOnly()
        let before = residentMemory()
        var peak = before
        try await client.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n")
        let deadline = ContinuousClock.now + .seconds(150)
        while client.totalReceived < total && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            peak = max(peak, residentMemory())
        }
        #expect(client.totalReceived >= total)
        // Gateway, backend and client share this process; the body is never held whole.
        #expect(peak - before < 64 * 1024 * 1024, "RSS grew by \((peak - before) >> 20) MiB")
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func stalledClientStallsTheUpstream() async throws {
        let total = 64 * 1024 * 1024
        let written = NIOLockedValueBox(0)
        let backend = try await self.startDownloadBackend(total: total, written: written)
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await RawClient.connect(port: gateway.port, group: self.group, autoRead: false)
        client.countOnly()
        try await client.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n")
        try await Task.sleep(for: .milliseconds(800))
        // Socket buffers and the watermarks hold a few MiB at most; the rest waits upstream.
        let stalled = written.withLockedValue { $0 }
        #expect(stalled < 16 * 1024 * 1024, "backend wrote \(stalled >> 20) MiB to a client that reads nothing")
        try await client.resumeReading()
        let deadline = ContinuousClock.now + .seconds(60)
        while client.totalReceived < total && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(client.totalReceived >= total)
        await client.close()
        await gateway.stop()
        await backend.stop()
    }

    @Test func serverSentEventsArriveBeforeTheResponseEnds() async throws {
        let secondEvent = NIOLockedValueBox<ResponseWriter?>(nil)
        let backend = try await TestBackend.start(group: self.group) { _, writer in
            writer.head(status: 200, headers: [("content-type", "text/event-stream"), ("cache-control", "no-cache")])
            writer.body("data: one\n\n")
            secondEvent.withLockedValue { $0 = writer }
        }
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send("GET /events HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\n\r\n")
        // The first event arrives while the backend still holds the response open.
        let firstArrived = await client.waitUntil(timeout: .seconds(5)) { bytes, _ in bytes.text.contains("data: one") }
        #expect(firstArrived)
        let writer = try #require(secondEvent.withLockedValue { $0 })
        writer.body("data: two\n\n")
        writer.end()
        let response = try await client.readResponse()
        #expect(response.header("content-type") == "text/event-stream")
        #expect(response.bodyText == "data: one\n\ndata: two\n\n")
        await client.close()
        await gateway.stop()
        await backend.stop()
    }
}

/// This process's resident set size in bytes.
func residentMemory() -> Int {
    let descriptor = open("/proc/self/statm", O_RDONLY)
    guard descriptor >= 0 else { return 0 }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 256)
    let count = read(descriptor, &buffer, buffer.count)
    guard count > 0 else { return 0 }
    let fields = String(decoding: buffer[0..<count], as: UTF8.self).split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
