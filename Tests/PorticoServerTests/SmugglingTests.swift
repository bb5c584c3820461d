import NIOCore
import NIOPosix
import PorticoCore
import PorticoHTTP
import PorticoTesting
import Testing

/// Ambiguous framing is answered with 400 and never forwarded (SPEC "Reliability and
/// security targets": request smuggling).
@Suite(.timeLimit(.minutes(1)))
struct SmugglingTests {
    let group = MultiThreadedEventLoopGroup.singleton

    static let attacks: [(String, String)] = [
        (
            "content-length and transfer-encoding",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        ),
        (
            "differing duplicate content-length",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"
        ),
        ("content-length list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 5\r\n\r\nabcde"),
        ("negative content-length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\n\r\n"),
        ("bare LF line ends", "GET / HTTP/1.1\nHost: h\n\n"),
        ("space before colon", "GET / HTTP/1.1\r\nHost: h\r\nX-Bad : 1\r\n\r\n"),
        ("invalid header name", "GET / HTTP/1.1\r\nHost: h\r\nX(Bad): 1\r\n\r\n"),
        ("control byte in value", "GET / HTTP/1.1\r\nHost: h\r\nX-Bad: a\u{01}b\r\n\r\n"),
        (
            "transfer-encoding not ending in chunked",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"
        ),
        ("unknown transfer-encoding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
        ("missing host", "GET / HTTP/1.1\r\n\r\n"),
        ("duplicate host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        ("bad chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
        ("invalid request target", "GET nothing HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("http/2 version on the h1 codec", "GET / HTTP/2.0\r\nHost: h\r\n\r\n"),
    ]

    @Test(arguments: attacks)
    func rejectedWith400AndNeverForwarded(name: String, request: String) async throws {
        let backend = try await TestBackend.start(group: self.group, body: "should not be reached")
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send(request + "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 400, "\(name): got \(response.status)")
        #expect(await client.waitForClose(), "\(name): connection left open")
        try await Task.sleep(for: .milliseconds(50))
        #expect(backend.requests.isEmpty, "\(name): reached the backend")
        await gateway.stop()
        await backend.stop()
    }

    static let badResponses: [(String, String)] = [
        (
            "content-length and transfer-encoding",
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        ),
        ("conflicting content-length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
        ("not http", "SSH-2.0-OpenSSH_9.2\r\n\r\n"),
        ("bad status line", "HTTP/1.1 2x0 OK\r\n\r\n"),
    ]

    @Test(arguments: badResponses)
    func invalidUpstreamResponseIs502(name: String, response: String) async throws {
        let backend = try await RawBackend.start(group: self.group, response: response)
        let gateway = try await GatewayHarness.start(
            routes: [proxyRoute("all")],
            upstreams: [try makeUpstream("u", ports: [backend.port])]
        )
        let client = try await gateway.client()
        try await client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        let answer = try await client.readResponse()
        #expect(answer.status == 502, "\(name): got \(answer.status)")
        #expect(answer.bodyText.contains("invalid response"), "\(name)")
        await client.close()
        await gateway.stop()
        await backend.stop()
    }
}
