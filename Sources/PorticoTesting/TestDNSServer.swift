import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PorticoDNS

/// An in-process authoritative DNS server for tests, on UDP and TCP at `127.0.0.1:<port>`
/// (the same port for both), answering from a mutable record table.
///
/// It lives in `PorticoTesting`, not `PorticoDNS`, so no test code ships in the gateway; it
/// only uses the module's public codec.
///
/// Answers: records of the asked type at the name; otherwise a CNAME at the name is followed
/// within the table (all of the chain goes in the answer); a name with no records at all is
/// NXDOMAIN, one without the type NODATA (both with an SOA for negative caching). SRV answers
/// carry the targets' A/AAAA records in the additional section when ``Table/srvAdditionals``
/// is set. Knobs: per-name response codes, truncation over UDP, silence, FORMERR to EDNS,
/// a wrong-id decoy before the real answer.
public final class TestDNSServer: Sendable {
    /// The server's mutable state.
    public struct Table: Sendable {
        public var records: [DNSRecord] = []
        /// Names answered with this code and nothing else.
        public var responseCodes: [DNSName: ResponseCode] = [:]
        /// Names answered over UDP with only the header and question, TC set.
        public var truncatedOverUDP: Set<DNSName> = []
        /// Answer nothing at all (to test timeouts).
        public var silent = false
        /// Put SRV targets' addresses in the additional section.
        public var srvAdditionals = true
        /// Answer FORMERR to queries carrying EDNS (an old server).
        public var formatErrorOnEDNS = false
        /// Before each real UDP answer, send one with another id (must be ignored).
        public var sendDecoyFirst = false
        /// Negative-caching TTL in the SOA of NXDOMAIN/NODATA answers.
        public var negativeTTL: UInt32 = 5
    }

    /// A received query.
    public struct Query: Sendable, Hashable {
        public var name: DNSName
        public var type: RecordType
        public var overTCP: Bool
        public var hadEDNS: Bool
    }

    private let udp: any Channel
    private let tcp: any Channel
    private let state: SharedState

    /// The address to put in a ``ResolverConfiguration``.
    public let address: SocketAddress

    private init(udp: any Channel, tcp: any Channel, state: SharedState) {
        self.udp = udp
        self.tcp = tcp
        self.state = state
        self.address = udp.localAddress!
    }

    /// Starts a server with `records`.
    public static func start(
        records: [DNSRecord] = [], group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TestDNSServer {
        let state = NIOLockedValueBox((table: Table(records: records), queries: [Query]()))
        var lastError: (any Error)?
        // UDP on an ephemeral port, then TCP on the same number (retried if it is taken).
        for _ in 0..<20 {
            let udp = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPHandler(state: state))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            do {
                let tcp = try await ServerBootstrap(group: group)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(TCPHandler(state: state))
                        }
                    }
                    .bind(host: "127.0.0.1", port: udp.localAddress!.port!).get()
                return TestDNSServer(udp: udp, tcp: tcp, state: state)
            } catch {
                lastError = error
                try? await udp.close()
            }
        }
        throw lastError!
    }

    /// Changes the table.
    public func update(_ change: @Sendable (inout Table) -> Void) {
        self.state.withLockedValue { change(&$0.table) }
    }

    /// Replaces every record owned by `name` with `records`.
    public func setRecords(_ records: [DNSRecord], for name: DNSName) {
        self.update { table in
            table.records.removeAll { $0.name == name }
            table.records += records
        }
    }

    /// Every query received, in order.
    public var queries: [Query] { self.state.withLockedValue { $0.queries } }

    /// How many queries were received.
    public var queryCount: Int { self.state.withLockedValue { $0.queries.count } }

    /// How many queries for `name` and `type` were received (over either transport).
    public func queryCount(_ name: String, _ type: RecordType) -> Int {
        let name = try! DNSName(name)
        return self.queries.filter { $0.name == name && $0.type == type }.count
    }

    public func stop() async {
        try? await self.udp.close()
        try? await self.tcp.close()
    }

    /// The response to `query`, or `nil` to stay silent.
    fileprivate static func respond(
        to query: DNSMessage, overTCP: Bool, state: SharedState
    ) -> DNSMessage? {
        guard let question = query.questions.first else { return nil }
        let table = state.withLockedValue { state in
            state.queries.append(
                Query(name: question.name, type: question.type, overTCP: overTCP, hadEDNS: query.edns != nil)
            )
            return state.table
        }
        if table.silent { return nil }
        var response = DNSMessage(
            id: query.id, isResponse: true, isAuthoritative: true, recursionDesired: query.recursionDesired,
            recursionAvailable: true, questions: query.questions,
            edns: query.edns.map { _ in EDNS(udpPayloadSize: DNSMessage.defaultUDPPayloadSize) }
        )
        if table.formatErrorOnEDNS, query.edns != nil {
            response.edns = nil
            response.responseCode = .formatError
            return response
        }
        if let code = table.responseCodes[question.name] {
            response.responseCode = code
            return response
        }
        if !overTCP, table.truncatedOverUDP.contains(question.name) {
            response.isTruncated = true
            return response
        }
        var current = question.name
        for _ in 0..<16 {
            let matching = table.records.filter { $0.name == current && $0.type == question.type }
            if !matching.isEmpty {
                response.answers += matching
                break
            }
            guard question.type != .cname,
                let alias = table.records.first(where: { $0.name == current && $0.type == .cname }),
                case .cname(let target) = alias.data
            else { break }
            response.answers.append(alias)
            current = target
        }
        if !response.answers.contains(where: { $0.type == question.type }) {
            if !table.records.contains(where: { $0.name == current }) {
                response.responseCode = .nameError
            }
            let soa = SOAData(
                primaryServer: try! DNSName("ns.test"), responsible: try! DNSName("admin.test"), serial: 1,
                refresh: 60, retry: 60, expire: 60, minimum: table.negativeTTL
            )
            response.authorities = [DNSRecord(name: try! DNSName("test"), ttl: 3600, data: .soa(soa))]
        }
        if question.type == .srv, table.srvAdditionals {
            for case .srv(let srv) in response.answers.map(\.data) {
                response.additionals += table.records.filter {
                    $0.name == srv.target && ($0.type == .a || $0.type == .aaaa)
                }
            }
        }
        return response
    }
}

private typealias SharedState = NIOLockedValueBox<(table: TestDNSServer.Table, queries: [TestDNSServer.Query])>

private final class UDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let state: SharedState

    init(state: SharedState) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        guard let query = try? DNSMessage(decoding: envelope.data),
            var response = TestDNSServer.respond(to: query, overTCP: false, state: self.state)
        else { return }
        // Cut to the client's advertised size (512 without EDNS), as a real server does.
        let limit = Int(max(query.edns?.udpPayloadSize ?? 512, 512))
        if response.encoded().count > limit {
            response.answers = []
            response.authorities = []
            response.additionals = []
            response.isTruncated = true
        }
        if self.state.withLockedValue({ $0.table.sendDecoyFirst }) {
            var decoy = response
            decoy.id &+= 1
            decoy.answers = decoy.answers.map { record in
                var record = record
                if case .a = record.data { record.data = .a(IPv4Address(6, 6, 6, 6)) }
                return record
            }
            let packet = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: decoy.encodedBuffer())
            context.write(Self.wrapOutboundOut(packet), promise: nil)
        }
        let packet = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: response.encodedBuffer())
        context.writeAndFlush(Self.wrapOutboundOut(packet), promise: nil)
    }
}

private final class TCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let state: SharedState
    private var received = ByteBuffer()

    init(state: SharedState) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = Self.unwrapInboundIn(data)
        self.received.writeBuffer(&bytes)
        while let length = self.received.getInteger(at: self.received.readerIndex, as: UInt16.self),
            self.received.readableBytes >= 2 + Int(length)
        {
            self.received.moveReaderIndex(forwardBy: 2)
            let message = self.received.readSlice(length: Int(length))!
            guard let query = try? DNSMessage(decoding: message),
                let response = TestDNSServer.respond(to: query, overTCP: true, state: self.state)
            else { continue }
            let encoded = response.encodedBuffer()
            var framed = ByteBuffer()
            framed.writeInteger(UInt16(encoded.readableBytes))
            framed.writeImmutableBuffer(encoded)
            context.writeAndFlush(Self.wrapOutboundOut(framed), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
