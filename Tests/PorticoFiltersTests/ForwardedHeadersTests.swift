import Logging
import NIOCore
import NIOPosix
import PorticoConfig
import PorticoCore
import PorticoFilters
import PorticoServer
import PorticoTesting
import Testing

/// `X-Forwarded-For` / `-Proto` / `-Host` (and `Forwarded`) against the listener's
/// `trusted_proxies`, end to end over loopback (docs/configuration.md, "Forwarding fields"):
///
/// - `X-Forwarded-For` gets the peer's address appended; an incoming value is kept only when
///   `trust_incoming` is on and either no `trusted_proxies` are configured or the peer is one;
///   otherwise it is replaced.
/// - An incoming `X-Forwarded-Proto` / `X-Forwarded-Host` is passed on only from a trusted
///   proxy; otherwise the gateway's own values replace it.
/// - The client address used by policies is the peer's or, from a trusted proxy, the nearest
///   address in `X-Forwarded-For` that is not a trusted proxy.
///
/// The gateway is configured from YAML and listens on 127.0.0.1:0; the backend echoes every
/// header it received, one `name: value` line each, and a `headers` filter sends the policy
/// client address upstream as `X-Client-IP` (`${client_ip}`). Tests that need a second,
/// untrusted peer on the same listener connect from 127.0.0.2 (Linux routes all of 127/8 to
/// the loopback interface).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ForwardedHeadersTests {
    /// The headers a backend received, decoded from its echo.
    struct Echo {
        var fields: [(String, String)]

        init(_ response: HTTPTestResponse) {
            self.fields = response.bodyText.split(separator: "\n").compactMap { line in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                let value = line[line.index(after: colon)...].drop { $0 == " " }
                return (line[..<colon].lowercased(), String(value))
            }
        }

        /// Every value of `name`, in order.
        func values(_ name: String) -> [String] {
            self.fields.filter { $0.0 == name }.map(\.1)
        }
    }

    /// The gateway of these tests (see the suite's documentation).
    struct Gateway {
        let base: LoopbackGateway
        var port: Int { self.base.port }
        var backend: TestBackend { self.base.backend }

        /// Runs `body` against a gateway whose only listener has the extra keys `listener`
        /// (YAML flow-mapping entries, e.g. `trusted_proxies: [127.0.0.1]`).
        ///
        /// Routes: `/echo` (the `who` filter: `X-Client-IP: ${client_ip}`), `/office`
        /// (`ip_filter` allowing 198.51.100.0/24) and `/limited` (a client-IP rate limit of one
        /// request per hour), all proxied to the echoing backend.
        static func with(listener: String, _ body: (Gateway) async throws -> Void) async throws {
            let base = try await LoopbackGateway.start(
                routes: """
                      - { name: echo, match: { path_prefix: /echo }, upstream: backend, filters: [who] }
                      - { name: office, match: { path_prefix: /office }, upstream: backend, filters: [who, office] }
                      - { name: limited, match: { path_prefix: /limited }, upstream: backend, filters: [who, limit] }
                    """,
                filters: """
                      who: { type: headers, request: { set: { X-Client-IP: "${client_ip}" } } }
                      office: { type: ip_filter, allow: [198.51.100.0/24] }
                      limit: { type: rate_limit, rate: 1/h, burst: 1, key: client_ip }
                    """,
                listener: listener
            ) { request, writer in
                let echo = request.headers.map { "\($0.0): \($0.1)\n" }.joined()
                writer.respond(status: 200, headers: [("content-type", "text/plain")], body: echo)
            }
            do {
                try await body(Gateway(base: base))
            } catch {
                await base.stop()
                throw error
            }
            await base.stop()
        }

        /// Sends one request on a new connection from `source` (a loopback address) and
        /// returns the response.
        func send(_ request: String, from source: String = "127.0.0.1") async throws -> HTTPTestResponse {
            try await LoopbackExchange.send(request, from: source, to: self.base.port, group: self.base.group)
        }

        /// `send`, expecting a proxied `200`: the headers the backend received.
        func echo(
            _ request: String, from source: String = "127.0.0.1", sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> Echo {
            let response = try await self.send(request, from: source)
            #expect(response.status == 200, "\(response.status) \(response.bodyText)", sourceLocation: sourceLocation)
            return Echo(response)
        }

    }

    /// A request to `path` with `fields` (raw header lines, in order).
    static func request(_ path: String, host: String = "public.example", _ fields: [String] = []) -> String {
        "GET \(path) HTTP/1.1\r\nHost: \(host)\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n"
    }

    /// Client-sent forwarding fields, in varied spellings and repeated, as a spoofing client
    /// would send them.
    static let spoofed = [
        "X-Forwarded-For: 198.51.100.7", "x-forwarded-for: 10.1.2.3",
        "X-Forwarded-Proto: https", "x-forwarded-proto: wss",
        "X-Forwarded-Host: evil.example", "X-FORWARDED-HOST: evil2.example",
        "Forwarded: for=198.51.100.7;proto=https;host=evil.example",
    ]

    // MARK: Peer not trusted

    @Test func anUntrustedPeerCannotSpoofAnyForwardingField() async throws {
        // 127.0.0.1 is not in the list; 10.0.0.0/8 (which the spoofed chain ends with) is.
        try await Gateway.with(listener: "trusted_proxies: [10.0.0.0/8], forwarded: { add_forwarded_header: true }") {
            gateway in
            let seen = try await gateway.echo(Self.request("/echo", Self.spoofed))
            #expect(seen.values("x-forwarded-for") == ["127.0.0.1"])
            #expect(seen.values("x-forwarded-proto") == ["http"])
            #expect(seen.values("x-forwarded-host") == ["public.example"])
            #expect(seen.values("forwarded") == ["for=127.0.0.1;proto=http;host=\"public.example\""])
            #expect(seen.values("x-client-ip") == ["127.0.0.1"])
            #expect(seen.values("host") == ["public.example"])
        }
    }

    @Test func anUntrustedPeerIsJudgedByItsOwnAddress() async throws {
        try await Gateway.with(listener: "trusted_proxies: [10.0.0.0/8]") { gateway in
            // An address in the allowed range, claimed in X-Forwarded-For, does not get through.
            let office = try await gateway.send(
                Self.request("/office", ["X-Forwarded-For: 198.51.100.7, 10.1.2.3"]))
            #expect(office.status == 403)
            // The rate-limit key is the peer: a new X-Forwarded-For is not a new budget.
            let first = try await gateway.send(Self.request("/limited", ["X-Forwarded-For: 198.51.100.7"]))
            #expect(first.status == 200)
            let second = try await gateway.send(Self.request("/limited", ["X-Forwarded-For: 198.51.100.8"]))
            #expect(second.status == 429)
            #expect(gateway.backend.requests.count == 1)
        }
    }

    @Test func withoutTrustedProxiesForwardedForIsAppendedToButProtoAndHostAreReplaced() async throws {
        // The default listener: trust_incoming on, no trusted_proxies.
        try await Gateway.with(listener: "forwarded: { add_forwarded_header: true }") { gateway in
            let seen = try await gateway.echo(
                Self.request(
                    "/echo",
                    [
                        "X-Forwarded-For: 198.51.100.7", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example",
                        "Forwarded: for=198.51.100.7",
                    ]))
            #expect(seen.values("x-forwarded-for") == ["198.51.100.7, 127.0.0.1"])
            #expect(seen.values("x-forwarded-proto") == ["http"])
            #expect(seen.values("x-forwarded-host") == ["public.example"])
            #expect(seen.values("forwarded") == ["for=198.51.100.7, for=127.0.0.1;proto=http;host=\"public.example\""])
            // Appending is not believing: policies still see the peer.
            #expect(seen.values("x-client-ip") == ["127.0.0.1"])
            let office = try await gateway.send(Self.request("/office", ["X-Forwarded-For: 198.51.100.7"]))
            #expect(office.status == 403)
        }
    }

    @Test func trustIncomingOffReplacesForwardingFieldsEvenFromATrustedProxy() async throws {
        try await Gateway.with(listener: "trusted_proxies: [127.0.0.1], forwarded: { trust_incoming: false }") {
            gateway in
            let seen = try await gateway.echo(Self.request("/echo", Self.spoofed))
            #expect(seen.values("x-forwarded-for") == ["127.0.0.1"])
            #expect(seen.values("x-forwarded-proto") == ["http"])
            #expect(seen.values("x-forwarded-host") == ["public.example"])
            // Not sent by this hop (add_forwarded_header is off) and not kept from the client.
            #expect(seen.values("forwarded") == [])
        }
    }

    // MARK: Peer trusted

    @Test func aTrustedProxysFieldsAreKeptAndExtended() async throws {
        try await Gateway.with(
            listener: "trusted_proxies: [127.0.0.1, 10.0.0.0/8], forwarded: { add_forwarded_header: true }"
        ) { gateway in
            let seen = try await gateway.echo(
                Self.request(
                    "/echo", host: "internal.svc",
                    [
                        "X-Forwarded-For: 203.0.113.9, 198.51.100.7", "X-Forwarded-For: 10.1.2.3",
                        "X-Forwarded-Proto: https", "X-Forwarded-Host: public.example",
                        "Forwarded: for=198.51.100.7;proto=https",
                    ]))
            // Both incoming fields, in order, then this hop's peer.
            #expect(seen.values("x-forwarded-for") == ["203.0.113.9, 198.51.100.7, 10.1.2.3, 127.0.0.1"])
            #expect(seen.values("x-forwarded-proto") == ["https"])
            #expect(seen.values("x-forwarded-host") == ["public.example"])
            #expect(
                seen.values("forwarded") == [
                    "for=198.51.100.7;proto=https, for=127.0.0.1;proto=http;host=\"internal.svc\""
                ])
            #expect(seen.values("host") == ["internal.svc"])
            // The nearest untrusted address: 10.1.2.3 is a trusted proxy, 198.51.100.7 is not;
            // 203.0.113.9, further out, was only claimed by that untrusted hop.
            #expect(seen.values("x-client-ip") == ["198.51.100.7"])
        }
    }

    @Test func aTrustedProxyThatSendsNoFieldsGetsTheGatewaysOwn() async throws {
        try await Gateway.with(listener: "trusted_proxies: [127.0.0.0/8]") { gateway in
            let seen = try await gateway.echo(Self.request("/echo"))
            #expect(seen.values("x-forwarded-for") == ["127.0.0.1"])
            #expect(seen.values("x-forwarded-proto") == ["http"])
            #expect(seen.values("x-forwarded-host") == ["public.example"])
            #expect(seen.values("x-client-ip") == ["127.0.0.1"])
            // A forwarded chain without one address that parses leaves the peer as the client.
            let garbled = try await gateway.echo(Self.request("/echo", ["X-Forwarded-For: unknown, _hidden"]))
            #expect(garbled.values("x-forwarded-for") == ["unknown, _hidden, 127.0.0.1"])
            #expect(garbled.values("x-client-ip") == ["127.0.0.1"])
        }
    }

    @Test func policiesBehindATrustedProxySeeTheNearestUntrustedAddress() async throws {
        try await Gateway.with(listener: "trusted_proxies: [127.0.0.1, 10.0.0.0/8]") { gateway in
            let allowed = try await gateway.send(
                Self.request("/office", ["X-Forwarded-For: 198.51.100.7, 10.1.2.3"]))
            #expect(allowed.status == 200)
            #expect(Echo(allowed).values("x-client-ip") == ["198.51.100.7"])
            // The leftmost address is in the range, but the nearest untrusted one is not.
            let refused = try await gateway.send(
                Self.request("/office", ["X-Forwarded-For: 198.51.100.7, 203.0.113.5, 10.1.2.3"]))
            #expect(refused.status == 403)
            // One rate-limit budget per real client, not one for the proxy.
            let first = try await gateway.send(Self.request("/limited", ["X-Forwarded-For: 198.51.100.7"]))
            #expect(first.status == 200)
            let other = try await gateway.send(Self.request("/limited", ["X-Forwarded-For: 198.51.100.8"]))
            #expect(other.status == 200)
            let again = try await gateway.send(Self.request("/limited", ["X-Forwarded-For: 198.51.100.7, 10.9.9.9"]))
            #expect(again.status == 429)
        }
    }

    // MARK: Trusted and untrusted peers on one listener

    #if os(Linux)
        @Test func theSameFieldsAreBelievedFromTheProxyOnlyAndNotFromAnotherPeer() async throws {
            try await Gateway.with(listener: "trusted_proxies: [127.0.0.1]") { gateway in
                let fields = [
                    "X-Forwarded-For: 198.51.100.7", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example",
                ]
                let viaProxy = try await gateway.echo(Self.request("/echo", fields), from: "127.0.0.1")
                #expect(viaProxy.values("x-forwarded-for") == ["198.51.100.7, 127.0.0.1"])
                #expect(viaProxy.values("x-forwarded-proto") == ["https"])
                #expect(viaProxy.values("x-forwarded-host") == ["evil.example"])
                #expect(viaProxy.values("x-client-ip") == ["198.51.100.7"])

                let direct = try await gateway.echo(Self.request("/echo", fields), from: "127.0.0.2")
                #expect(direct.values("x-forwarded-for") == ["127.0.0.2"])
                #expect(direct.values("x-forwarded-proto") == ["http"])
                #expect(direct.values("x-forwarded-host") == ["public.example"])
                #expect(direct.values("x-client-ip") == ["127.0.0.2"])

                #expect(try await gateway.send(Self.request("/office", fields), from: "127.0.0.1").status == 200)
                #expect(try await gateway.send(Self.request("/office", fields), from: "127.0.0.2").status == 403)

                // The untrusted peer's budget is its own address's, whatever it claims.
                let limited = ["X-Forwarded-For: 198.51.100.20"]
                #expect(try await gateway.send(Self.request("/limited", limited), from: "127.0.0.2").status == 200)
                #expect(
                    try await gateway.send(
                        Self.request("/limited", ["X-Forwarded-For: 198.51.100.21"]), from: "127.0.0.2"
                    )
                    .status == 429)
                // ... and the client it claimed still has a budget of its own through the proxy.
                #expect(try await gateway.send(Self.request("/limited", limited), from: "127.0.0.1").status == 200)
            }
        }
    #endif
}

/// One HTTP/1.1 exchange on a new TCP connection from a chosen loopback source address.
enum LoopbackExchange {
    struct Incomplete: Error, CustomStringConvertible {
        var received: [UInt8]
        var description: String { "no complete response; received: \(String(decoding: self.received, as: UTF8.self))" }
    }

    struct WrongSource: Error {
        var local: SocketAddress?
    }

    /// Sends `request` from `source`:0 to 127.0.0.1:`port` and reads one response (10 s at most).
    static func send(
        _ request: String, from source: String, to port: Int, group: any EventLoopGroup
    ) async throws -> HTTPTestResponse {
        let loop = group.next()
        let done = loop.makePromise(of: [UInt8].self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .bind(to: try SocketAddress(ipAddress: source, port: 0))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ResponseCollector(done: done))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
        } catch {
            done.fail(error)
            throw error
        }
        let timeout = loop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
        defer {
            timeout.cancel()
            channel.close(promise: nil)
        }
        guard channel.localAddress?.ipAddress == source else { throw WrongSource(local: channel.localAddress) }
        try await channel.writeAndFlush(ByteBuffer(string: request)).get()
        let bytes = try await done.futureResult.get()
        guard let (response, _) = try HTTPTestResponse.parse(bytes, requestMethod: "GET", peerClosed: true) else {
            throw Incomplete(received: bytes)
        }
        return response
    }

    /// Collects bytes until one whole response is in (or the peer closes).
    final class ResponseCollector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        private let done: EventLoopPromise<[UInt8]>
        private var bytes: [UInt8] = []
        private var finished = false

        init(done: EventLoopPromise<[UInt8]>) {
            self.done = done
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.bytes += Self.unwrapInboundIn(data).readableBytesView
            if !self.finished,
                (try? HTTPTestResponse.parse(self.bytes, requestMethod: "GET", peerClosed: false)) != nil
            {
                self.finished = true
                self.done.succeed(self.bytes)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !self.finished {
                self.finished = true
                self.done.succeed(self.bytes)
            }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            if !self.finished {
                self.finished = true
                self.done.succeed(self.bytes)
            }
        }
    }
}
