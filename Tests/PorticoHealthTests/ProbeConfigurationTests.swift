import NIOCore
import Testing

@testable import PorticoHealth

@Suite("Probe configuration")
struct ProbeConfigurationTests {
    @Test func defaultsMatchTheDocumentation() {
        let configuration = ProbeConfiguration(kind: .http)
        #expect(configuration.path == "/")
        #expect(configuration.host == nil)
        #expect(configuration.expectedStatuses == [200...200])
        #expect(configuration.bodyContains == nil)
        #expect(configuration.maxBodyBytes == 65_536)
        #expect(configuration.service == "")
        #expect(configuration.tls == ProbeConfiguration.TLSOptions(verify: true))
        #expect(configuration.timeout == .seconds(1))
    }

    @Test(arguments: [
        ("200", 200...200), ("200-299", 200...299), (" 200 - 204 ", 200...204), ("2xx", 200...299), ("5XX", 500...599),
    ])
    func statusRangesParse(text: String, expected: ClosedRange<Int>) {
        #expect(ProbeConfiguration.parseStatusRange(text) == expected)
    }

    @Test(arguments: ["", "abc", "299-200", "99", "600", "6xx", "2x", "200-", "-200"])
    func badStatusRangesAreRejected(text: String) {
        #expect(ProbeConfiguration.parseStatusRange(text) == nil)
    }

    @Test func validationCatchesMistakes() {
        #expect(throws: ProbeConfigurationError.self) { try ProbeConfiguration(kind: .http, path: "health").validate() }
        #expect(throws: ProbeConfigurationError.self) {
            try ProbeConfiguration(kind: .http, expectedStatuses: []).validate()
        }
        #expect(throws: ProbeConfigurationError.self) {
            try ProbeConfiguration(kind: .http, expectedStatuses: [600...700]).validate()
        }
        #expect(throws: ProbeConfigurationError.self) { try ProbeConfiguration(kind: .tcp, timeout: .zero).validate() }
        #expect(throws: ProbeConfigurationError.self) {
            try ProbeConfiguration(kind: .http, bodyContains: "").validate()
        }
        #expect(throws: ProbeConfigurationError.self) {
            try ProbeConfiguration(kind: .https, tls: .init(certificateFile: "c.pem")).validate()
        }
        #expect(throws: Never.self) { try ProbeConfiguration(kind: .grpc, path: "ignored").validate() }
    }

    @Test func defaultAuthorityLeavesOutTheSchemesPort() {
        #expect(
            HealthProbe.defaultAuthority(for: ProbeTarget(host: "a.internal", port: 80), kind: .http) == "a.internal")
        #expect(
            HealthProbe.defaultAuthority(for: ProbeTarget(host: "a.internal", port: 443), kind: .https) == "a.internal")
        #expect(
            HealthProbe.defaultAuthority(for: ProbeTarget(host: "a.internal", port: 443), kind: .http)
                == "a.internal:443")
        #expect(HealthProbe.defaultAuthority(for: ProbeTarget(host: "::1", port: 8080), kind: .grpc) == "[::1]:8080")
    }

    @Test func bodySearchFindsNeedlesAcrossTheSearchedBoundary() {
        let haystack = ByteBuffer(string: "abcdefgh")
        #expect(HTTPProbeHandler.contains(haystack, Array("def".utf8), from: 0))
        #expect(HTTPProbeHandler.contains(haystack, Array("def".utf8), from: 3))
        #expect(!HTTPProbeHandler.contains(haystack, Array("def".utf8), from: 4))
        #expect(!HTTPProbeHandler.contains(haystack, Array("ghi".utf8), from: 0))
        #expect(HTTPProbeHandler.contains(haystack, Array("h".utf8), from: 7))
    }
}

@Suite("gRPC health messages")
struct GRPCHealthTests {
    @Test func requestEncodesTheServiceName() {
        let frame = GRPCHealth.requestFrame(service: "users", allocator: ByteBufferAllocator())
        #expect(Array(frame.readableBytesView) == [0, 0, 0, 0, 7, 0x0A, 5] + Array("users".utf8))
        let empty = GRPCHealth.requestFrame(service: "", allocator: ByteBufferAllocator())
        #expect(Array(empty.readableBytesView) == [0, 0, 0, 0, 0])
    }

    @Test func responseDecodesTheStatusAndSkipsUnknownFields() throws {
        #expect(try GRPCHealth.decodeResponse(ByteBuffer(bytes: [0x08, 0x01])) == 1)
        #expect(try GRPCHealth.decodeResponse(ByteBuffer(bytes: [])) == 0)
        // field 2 (string "x"), field 3 (fixed64), then status NOT_SERVING
        let bytes: [UInt8] = [0x12, 0x01, 0x78, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x08, 0x02]
        #expect(try GRPCHealth.decodeResponse(ByteBuffer(bytes: bytes)) == 2)
        #expect(throws: ProbeFailure.self) { try GRPCHealth.decodeResponse(ByteBuffer(bytes: [0x08])) }
        #expect(throws: ProbeFailure.self) { try GRPCHealth.decodeResponse(ByteBuffer(bytes: [0x12, 0x05, 0x78])) }
    }

    @Test func framesAreReadOnlyWhenComplete() throws {
        var partial = ByteBuffer(bytes: [0, 0, 0, 0, 2, 0x08])
        #expect(try GRPCHealth.readMessage(from: &partial) == nil)
        var whole = GRPCHealth.responseFrame(status: 1, allocator: ByteBufferAllocator())
        let message = try #require(try GRPCHealth.readMessage(from: &whole))
        #expect(try GRPCHealth.decodeResponse(message) == 1)
        var compressed = ByteBuffer(bytes: [1, 0, 0, 0, 0])
        #expect(throws: ProbeFailure.self) { try GRPCHealth.readMessage(from: &compressed) }
    }

    @Test func grpcMessageIsPercentDecoded() {
        #expect(GRPCHealth.decodeMessage("unknown%20service") == "unknown service")
        #expect(GRPCHealth.decodeMessage("100%") == "100%")
        #expect(GRPCHealth.decodeMessage("plain") == "plain")
    }
}
