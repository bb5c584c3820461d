import Foundation
import NIOCore
import NIOPosix
import PorticoTesting
import Testing

/// The built binary, end to end: validation, route explanation, version, graceful drain.
@Suite(.timeLimit(.minutes(2)))
struct CLITests {
    @Test func validateAcceptsTheExampleAndRejectsBrokenConfigsWithLocations() async throws {
        let portico = try Binaries.path(of: "portico")
        let example = Binaries.root.appendingPathComponent("examples/portico.yaml").path
        let (okStatus, okOutput) = try await runToCompletion(portico, ["validate", example])
        #expect(okStatus == 0, "\(okOutput)")
        #expect(okOutput.contains("OK"))

        let broken = try temporaryFile(
            """
            listeners:
              - name: public
                address: 127.0.0.1:0
            routes:
              - name: r
                match: { path_prefx: /x }
                upstream: nowhere
            """
        )
        let (status, output) = try await runToCompletion(portico, ["validate", broken])
        #expect(status == 1)
        #expect(output.contains("\(broken):6:"), "\(output)")
        #expect(output.contains("path_prefix"), "\(output)")

        let dangling = try temporaryFile(
            """
            listeners:
              - name: public
                address: 127.0.0.1:0
            routes:
              - name: r
                match: { path_prefix: /x }
                upstream: nowhere
            """
        )
        let (danglingStatus, danglingOutput) = try await runToCompletion(portico, ["validate", dangling])
        #expect(danglingStatus == 1)
        #expect(danglingOutput.contains("\(dangling):7:"), "\(danglingOutput)")
        #expect(danglingOutput.contains("nowhere"), "\(danglingOutput)")
    }

    @Test func versionAndRouteTest() async throws {
        let portico = try Binaries.path(of: "portico")
        let (versionStatus, version) = try await runToCompletion(portico, ["version"])
        #expect(versionStatus == 0)
        #expect(version.hasPrefix("portico "))

        let example = Binaries.root.appendingPathComponent("examples/portico.yaml").path
        let (status, output) = try await runToCompletion(
            portico,
            ["route-test", "--config", example, "GET", "http://api.example.com/api/users/7?x=1", "-H", "X-Trace: abc"]
        )
        #expect(status == 0, "\(output)")
        #expect(output.contains("Matched route: users-api"))
        #expect(output.contains("GET /users/7?x=1 HTTP/1.1"))
        #expect(output.contains("X-Trace: abc"))
        #expect(output.contains("path does not match"))

        let (missStatus, missOutput) = try await runToCompletion(
            portico, ["route-test", "--config", example, "GET", "/nope"])
        #expect(missStatus == 3)
        #expect(missOutput.contains("Matched route: none"))
    }

    @Test func logFlagsOverrideTheConfig() async throws {
        let config = try temporaryFile(
            """
            listeners: [{ name: public, address: "127.0.0.1:0" }]
            admin: { address: off }
            logging: { level: error, format: text }
            routes: [{ name: r, match: { path: / }, respond: { status: 200 } }]
            """
        )
        let portico = try Binaries.path(of: "portico")
        let gateway = try RunningProcess(
            executable: portico,
            arguments: ["run", "--config", config, "--log-format", "json", "--log-level", "info"]
        )
        let line = try await gateway.waitFor(#"(\{[^\n]*"message":"portico ready"[^\n]*\})"#)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(object?["level"] as? String == "info")
        gateway.signal(SIGTERM)
        #expect(await gateway.waitForExit(timeout: .seconds(15)) == 0)

        let (status, output) = try await runToCompletion(portico, ["run", "--config", config, "--log-level", "loud"])
        #expect(status == 64, "\(output)")
        #expect(output.contains("--log-level"))
    }

    @Test func drainsInFlightRequestsOnSIGTERMAndExitsZero() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await TestBackend.start(group: group) { request, writer in
            let delay: TimeAmount = request.uri == "/slow" ? .milliseconds(1500) : .zero
            writer.eventLoop.scheduleTask(in: delay) { writer.respond(status: 200, body: "done \(request.uri)") }
        }
        let config = try temporaryFile(
            """
            listeners:
              - name: public
                address: 127.0.0.1:0
            admin:
              address: 127.0.0.1:0
            runtime: { workers: 2, drain_timeout: 10s }
            logging: { access_log: false }
            upstreams:
              backend:
                targets: [{ url: "http://127.0.0.1:\(backend.port)" }]
            routes:
              - name: all
                match: { path_prefix: / }
                upstream: backend
            """
        )
        let gateway = try RunningProcess(
            executable: try Binaries.path(of: "portico"), arguments: ["run", "--config", config])
        let port = Int(try await gateway.waitFor(#"listener bound address=127\.0\.0\.1:(\d+)"#))!
        _ = try await gateway.waitFor("portico ready")

        let client = try await RawClient.connect(port: port, group: group)
        try await client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        let idle = try await RawClient.connect(port: port, group: group)
        try await Task.sleep(for: .milliseconds(300))
        gateway.signal(SIGTERM)
        // The idle keep-alive connection is closed at once; the busy one gets its answer.
        #expect(await idle.waitForClose(timeout: .seconds(5)))
        let response = try await client.readResponse(timeout: .seconds(10))
        #expect(response.status == 200)
        #expect(response.bodyText == "done /slow")
        #expect(response.header("connection") == "close")
        let status = await gateway.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "\(gateway.text)")
        // Nothing listens any more.
        await #expect(throws: (any Error).self) { try await RawClient.connect(port: port, group: group) }
        await backend.stop()
    }
}
