import Foundation
import NIOCore
import NIOPosix
import PorticoCore
import PorticoFilters
import PorticoHTTP
import Testing

@Suite struct BasicAuthFilterTests {
    /// alice:secret (bcrypt, Apache's `$2y$`), bob:hunter2 (bcrypt `$2b$`), carol:secret ({SHA}).
    static let alice = "alice:$2y$04$ex.LQRSE/n3ZVjWxAvNrxeKggy54jT/pROZbwMDkYOsFFZ/n5xPze"
    static let bob = "bob:$2b$05$4L.Q8lAvnIhxFCd1TntVTey6nCdqamWIfD/SB8rrWHomDey4CGovK"
    static let carol = "carol:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="

    static func basic(_ credentials: String) -> (String, String) {
        ("Authorization", "Basic " + Data(credentials.utf8).base64EncodedString())
    }

    @Test func shaEntriesAreCheckedInline() throws {
        let filter = try FilterHarness.filter("    type: basic_auth\n    users: [\"\(Self.carol)\"]")
        var good = FilterHarness.context(
            FilterHarness.get("/", [Self.basic("carol:secret"), ("X-Consumer", "spoofed")]), filter: filter)
        #expect(filter.onRequest(&good).isProceed)
        #expect(good.consumer == "carol")
        #expect(good.request.headers["authorization"] == nil)
        #expect(good.request.headers.values("x-consumer") == ["carol"])

        var wrong = FilterHarness.context(FilterHarness.get("/", [Self.basic("carol:Secret")]), filter: filter)
        let error = try #require(filter.onRequest(&wrong).rejection)
        #expect(error.status == 401)
        #expect(error.headers["WWW-Authenticate"] == "Basic realm=\"portico\", charset=\"UTF-8\"")
    }

    @Test(arguments: [
        [(String, String)](),
        [("Authorization", "Bearer abc")],
        [("Authorization", "Basic !!!")],
        [("Authorization", "Basic " + Data("no-colon".utf8).base64EncodedString())],
        [BasicAuthFilterTests.basic("dave:secret")],
    ])
    func malformedOrUnknownCredentialsGet401(headers: [(String, String)]) throws {
        let filter = try FilterHarness.filter("    type: basic_auth\n    users: [\"\(Self.carol)\"]\n    realm: staff")
        var context = FilterHarness.context(FilterHarness.get("/", headers), filter: filter)
        let error = try #require(filter.onRequest(&context).rejection)
        #expect(error.status == 401)
        #expect(error.headers["WWW-Authenticate"] == "Basic realm=\"staff\", charset=\"UTF-8\"")
    }

    @Test func bcryptRunsOffTheLoopAndIsRemembered() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let filter = try FilterHarness.filter(
            "    type: basic_auth\n    users: [\"\(Self.alice)\", \"\(Self.bob)\"]\n    hide_credentials: false")
        let services = try await loop.submit { NIOLoopBound(TestServices(eventLoop: loop), eventLoop: loop) }.get()

        /// Runs `onRequest` on the loop, waiting out suspensions, as the request flow does.
        func run(_ credentials: String) async throws -> (decision: String, consumer: String?, suspended: Bool) {
            var suspended = false
            while true {
                let step = try await loop.submit { () -> (String, String?, EventLoopFuture<Void>?) in
                    var context = FilterHarness.context(
                        FilterHarness.get("/", [Self.basic(credentials)]), filter: filter, services: services.value)
                    switch filter.onRequest(&context) {
                    case .proceed: return ("proceed", context.consumer, nil)
                    case .reject(let error): return ("\(error.status)", nil, nil)
                    case .respond(let response): return ("\(response.head.status)", nil, nil)
                    case .suspend(let future): return ("suspend", nil, future)
                    }
                }.get()
                if let future = step.2 {
                    suspended = true
                    try await future.get()
                    continue
                }
                return (step.0, step.1, suspended)
            }
        }

        let first = try await run("alice:secret")
        #expect(first.decision == "proceed")
        #expect(first.consumer == "alice")
        #expect(first.suspended)
        let again = try await run("alice:secret")
        #expect(again.decision == "proceed")
        #expect(!again.suspended)

        let wrong = try await run("alice:wrong")
        #expect(wrong.decision == "401")
        #expect(wrong.suspended)
        let wrongAgain = try await run("alice:wrong")
        #expect(wrongAgain.decision == "401")
        #expect(!wrongAgain.suspended)

        #expect(try await run("bob:hunter2").decision == "proceed")
    }

    @Test func readsAnHtpasswdFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portico-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "# staff\n\n\(Self.carol)\r\n".write(
            to: directory.appendingPathComponent("users.htpasswd"), atomically: true, encoding: .utf8)
        let filter = try FilterHarness.filter(
            "    type: basic_auth\n    htpasswd_file: users.htpasswd\n    consumer_header: X-User",
            baseDirectory: directory.path)
        var context = FilterHarness.context(FilterHarness.get("/", [Self.basic("carol:secret")]), filter: filter)
        #expect(filter.onRequest(&context).isProceed)
        #expect(context.request.headers["x-user"] == "carol")

        try "carol:plaintext\n".write(
            to: directory.appendingPathComponent("bad.htpasswd"), atomically: true, encoding: .utf8)
        let errors = FilterHarness.errors(
            "    type: basic_auth\n    htpasswd_file: bad.htpasswd", baseDirectory: directory.path)
        #expect(errors.contains("bad.htpasswd line 1: unsupported password hash for 'carol'"), "\(errors)")
        #expect(
            FilterHarness.errors(
                "    type: basic_auth\n    htpasswd_file: missing.htpasswd", baseDirectory: directory.path
            )
            .contains("cannot read"))
    }

    @Test(arguments: [
        ("    type: basic_auth", "needs users or an htpasswd_file"),
        ("    type: basic_auth\n    users: [alice]", "entry 1: expected 'user:hash'"),
        ("    type: basic_auth\n    users: [\"alice:$apr1$abc$def\"]", "MD5 password hashes are not supported"),
        ("    type: basic_auth\n    users: [\"alice:$2y$04$short\"]", "malformed bcrypt hash for 'alice'"),
        ("    type: basic_auth\n    users: [\"alice:{SHA}abc\"]", "malformed {SHA} hash for 'alice'"),
        ("    type: basic_auth\n    users: [\"alice:secret\"]", "unsupported password hash for 'alice'"),
        ("    type: basic_auth\n    users: [\"\(carol)\", \"\(carol)\"]", "user 'carol' is defined twice"),
        ("    type: basic_auth\n    users: [\"\(carol)\"]\n    realm: 'a\"b'", "realm must be"),
        ("    type: basic_auth\n    users: [\"\(carol)\"]\n    consumer_header: \"a b\"", "not a valid header name"),
        ("    type: basic_auth\n    users: [\"\(carol)\"]\n    realms: x", "did you mean 'realm'"),
    ])
    func rejectsInvalidConfigs(yaml: String, message: String) {
        let errors = FilterHarness.errors(yaml)
        #expect(errors.contains(message), "\(errors)")
    }
}
