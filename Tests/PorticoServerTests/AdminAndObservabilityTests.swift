import Foundation
import Logging
import NIOCore
import NIOPosix
import Portico
import PorticoObservability
import PorticoTesting
import Testing

/// The admin API, Prometheus metrics and the access log, through a whole `Gateway`.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AdminAndObservabilityTests {
    let group = MultiThreadedEventLoopGroup.singleton

    /// A pipe the access log writes into, read back by the test.
    final class Capture: @unchecked Sendable {
        let readEnd: Int32
        let writeEnd: Int32
        private var collected = ""

        init() {
            var fds: [Int32] = [0, 0]
            _ = pipe(&fds)
            self.readEnd = fds[0]
            self.writeEnd = fds[1]
            _ = fcntl(self.readEnd, F_SETFL, fcntl(self.readEnd, F_GETFL) | O_NONBLOCK)
        }

        func lines(waitingFor count: Int) async -> [String] {
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline {
                var buffer = [UInt8](repeating: 0, count: 65536)
                let read = Foundation.read(self.readEnd, &buffer, buffer.count)
                if read > 0 { self.collected += String(decoding: buffer[0..<read], as: UTF8.self) }
                let lines = self.collected.split(separator: "\n").map(String.init)
                if lines.count >= count { return lines }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return self.collected.split(separator: "\n").map(String.init)
        }

        deinit {
            close(self.readEnd)
            close(self.writeEnd)
        }
    }

    private func gateway(format: String, backendPort: Int, capture: Capture) throws -> Gateway {
        let yaml = """
            listeners: [{ name: public, address: "127.0.0.1:0" }]
            admin: { address: "127.0.0.1:0" }
            runtime: { workers: 1 }
            logging: { format: \(format), access_log: true }
            upstreams:
              users: { targets: [{ url: "http://127.0.0.1:\(backendPort)" }] }
            routes:
              - name: users
                match: { path_prefix: /users }
                upstream: users
                filters: [ids]
            filters:
              ids: { type: request_id }
            """
        let snapshot = try ConfigLoader(registry: FilterRegistry.standard, environment: [:]).load(text: yaml).snapshot
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return Gateway(
            snapshot: snapshot, logger: logger, accessLogOutput: LineOutput(fileDescriptor: capture.writeEnd))
    }

    @Test func adminEndpointsMetricsAndTextAccessLog() async throws {
        let backend = try await TestBackend.start(group: self.group, body: "hello")
        let capture = Capture()
        let gateway = try self.gateway(format: "text", backendPort: backend.port, capture: capture)
        try await gateway.start()
        let port = gateway.listenerAddresses["public"]!.port!
        let adminPort = gateway.adminAddress!.port!

        let client = try await RawClient.connect(port: port, group: self.group)
        try await client.send("GET /users/1 HTTP/1.1\r\nHost: api.example.com\r\nX-Request-ID: trace-1\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        try await client.send("GET /missing HTTP/1.1\r\nHost: api.example.com\r\n\r\n")
        #expect(try await client.readResponse().status == 404)
        await client.close()

        let admin = try await RawClient.connect(port: adminPort, group: self.group)
        try await admin.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await admin.readResponse().bodyText.contains("ok"))
        try await admin.send("GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await admin.readResponse().status == 200)
        try await admin.send("GET /version HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await admin.readResponse().bodyText.contains("\"version\""))
        try await admin.send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n")
        let metrics = try await admin.readResponse().bodyText
        #expect(metrics.contains(#"portico_requests_total{route="users",status_class="2xx"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"portico_requests_total{route="(none)",status_class="4xx"} 1"#))
        #expect(metrics.contains(#"portico_request_duration_seconds_count{route="users"} 1"#))
        #expect(metrics.contains("portico_active_connections"))
        try await admin.send("POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
        #expect(try await admin.readResponse().status == 405)
        await admin.close()

        let lines = await capture.lines(waitingFor: 2)
        #expect(lines.count == 2)
        let fields = lines.first { $0.contains("/users/1") }?.split(separator: " ").map(String.init) ?? []
        // time request_id client method host path route upstream target status bytes_in bytes_out duration upstream retries
        #expect(fields.count == 15, "\(lines)")
        if fields.count == 15 {
            #expect(fields[1] == "trace-1")
            #expect(fields[2] == "127.0.0.1")
            #expect(fields[3] == "GET")
            #expect(fields[4] == "api.example.com")
            #expect(fields[5] == "/users/1")
            #expect(fields[6] == "users")
            #expect(fields[7] == "users")
            #expect(fields[8] == "127.0.0.1:\(backend.port)")
            #expect(fields[9] == "200")
            #expect(fields[11] == "5")
            #expect(fields[14] == "0")
        }
        await gateway.stop()
        await backend.stop()
    }

    @Test func jsonAccessLogAndReadinessWhileDraining() async throws {
        let backend = try await TestBackend.start(group: self.group, body: "hello")
        let capture = Capture()
        let gateway = try self.gateway(format: "json", backendPort: backend.port, capture: capture)
        try await gateway.start()
        let port = gateway.listenerAddresses["public"]!.port!
        let client = try await RawClient.connect(port: port, group: self.group)
        try await client.send("GET /users/2?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        await client.close()
        let line = await capture.lines(waitingFor: 1).first ?? ""
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(object?["path"] as? String == "/users/2")
        #expect(object?["status"] as? Int == 200)
        #expect(object?["route"] as? String == "users")
        #expect(object?["bytes_out"] as? Int == 5)
        #expect((object?["request_id"] as? String)?.count == 36)
        #expect(gateway.isReady)
        await gateway.stop()
        #expect(!gateway.isReady)
        await backend.stop()
    }
}
