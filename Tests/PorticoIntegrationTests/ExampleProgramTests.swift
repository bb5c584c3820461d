import Foundation
import NIOCore
import NIOPosix
import PorticoTesting
import Testing

/// The embedding example under Examples/ builds, runs, and its own filter works like a
/// built-in one (SPEC F-52a).
@Suite(.timeLimit(.minutes(1)))
struct ExampleProgramTests {
    @Test func customFilterRegisteredLikeBuiltinsWorks() async throws {
        let example = try RunningProcess(
            executable: try Binaries.path(of: "portico-example"), arguments: ["--port", "0"])
        let port = Int(try await example.waitFor(#"listening name=public port=(\d+)"#))!
        let group = MultiThreadedEventLoopGroup.singleton
        let client = try await RawClient.connect(port: port, group: group)
        try await client.send("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try await client.readResponse().bodyText == "hello from an embedded gateway\n")
        try await client.send("GET /tenant/x HTTP/1.1\r\nHost: h\r\n\r\n")
        let refused = try await client.readResponse()
        #expect(refused.status == 403)
        #expect(refused.bodyText.contains("unknown tenant"))
        try await client.send("GET /tenant/x HTTP/1.1\r\nHost: h\r\nX-Tenant: acme\r\n\r\n")
        let allowed = try await client.readResponse()
        #expect(allowed.status == 200)
        #expect(allowed.header("x-served-tenant") == "acme")
        await client.close()
        example.signal(SIGTERM)
        #expect(await example.waitForExit(timeout: .seconds(10)) == 0)
    }

    @Test func exampleRejectsABadConfigForItsFilterWithALocation() async throws {
        let config = try temporaryFile(
            """
            listeners: [{ name: public, address: "127.0.0.1:0" }]
            admin: { address: off }
            routes:
              - name: r
                match: { path: /x }
                respond: { status: 200 }
                filters: [tenants]
            filters:
              tenants: { type: tenant, allowed: [] }
            """
        )
        let (status, output) = try await runToCompletion(
            try Binaries.path(of: "portico-example"), ["--config", config])
        #expect(status == 1)
        #expect(output.contains("\(config):9:"), "\(output)")
        #expect(output.contains("allowed must name at least one tenant"), "\(output)")
    }
}
