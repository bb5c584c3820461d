import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A DNS stub resolver on NIO: asks the configured recursive nameservers over UDP, falls back
/// to TCP for truncated answers, and reports TTLs, which `getaddrinfo` hides. For the control
/// plane (discovery); nothing here runs on the data path.
///
/// **Per query**: for each of ``ResolverConfiguration/attempts`` rounds, each nameserver in
/// turn (starting at the next one each query with `rotate`) gets one try with a fresh random
/// id and source port, bounded by ``ResolverConfiguration/timeout``. A try that times out,
/// fails to connect, or is answered with anything but NOERROR/NXDOMAIN moves to the next
/// server; a FORMERR to an EDNS query is retried once on the same server without EDNS (old
/// servers). A UDP answer with TC set is asked again over TCP, same server, own timeout.
///
/// **Names**: IP literals are answered without a query (an A question for an IPv6 literal gets
/// an empty answer, and vice versa) with TTL `UInt32.max`. A name ending in a dot is asked as
/// is. Otherwise the search list applies as in resolv.conf(5): a name with at least `ndots`
/// dots is tried as given first, then with each search domain appended; one with fewer dots
/// the other way round. The search stops at the first candidate that exists (NOERROR, even
/// without records of the type — musl's rule; glibc goes on after NODATA), so the A and AAAA
/// lookups of one host cannot come from two different names. Only NXDOMAIN moves to the next
/// candidate; a timeout or server failure ends the lookup with that error, so a transient
/// failure never yields another name's records. `/etc/hosts` is not consulted.
public final class DNSResolver: DNSResolving {
    /// The configuration in use.
    public let configuration: ResolverConfiguration
    private let group: any EventLoopGroup
    private let rotation = NIOLockedValueBox(0)

    /// A resolver using `configuration` (the system's by default) and `group`'s event loops.
    public init(
        configuration: ResolverConfiguration = .system(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
    }

    public func resolve(_ name: String, type: RecordType) async throws -> DNSAnswer {
        if let literal = Self.literalAnswer(name, type: type) {
            return literal
        }
        let candidates = try self.configuration.searchCandidates(for: name)
        for candidate in candidates {
            let question = DNSQuestion(name: candidate, type: type)
            let response = try await self.query(question)
            if response.responseCode == .nameError { continue }
            return try response.answer(to: question)
        }
        throw DNSResolutionError.nameNotFound(name)
    }

    /// Asks the nameservers one question exactly as given (no search list, no CNAME
    /// handling) and returns the first NOERROR or NXDOMAIN response.
    /// - Throws: ``DNSResolutionError`` when no server gave such a response: the last
    ///   failure seen (``DNSResolutionError/timeout``, ``DNSResolutionError/serverFailure(_:)``...).
    public func query(_ question: DNSQuestion) async throws -> DNSMessage {
        let servers = self.configuration.nameservers
        guard !servers.isEmpty else { throw DNSResolutionError.noNameservers }
        let first =
            self.configuration.rotate
            ? self.rotation.withLockedValue { next in
                defer { next &+= 1 }
                return next % servers.count
            } : 0
        var lastError = DNSResolutionError.timeout
        for _ in 0..<max(self.configuration.attempts, 1) {
            for offset in servers.indices {
                try Task.checkCancellation()
                let server = servers[(first + offset) % servers.count]
                do {
                    let response = try await self.ask(question, server: server)
                    switch response.responseCode {
                    case .noError, .nameError:
                        return response
                    default:
                        lastError = .serverFailure(response.responseCode)
                    }
                } catch let error as DNSResolutionError {
                    lastError = error
                } catch let error as CancellationError {
                    throw error
                } catch {
                    lastError = .transport("\(server): \(error)")
                }
            }
        }
        throw lastError
    }

    /// One try with one server: UDP (unless `use-vc`), TCP when truncated, and no EDNS after
    /// a FORMERR to EDNS.
    private func ask(_ question: DNSQuestion, server: SocketAddress) async throws -> DNSMessage {
        var payloadSize = self.configuration.udpPayloadSize
        while true {
            let response = try await self.exchange(question, server: server, udpPayloadSize: payloadSize)
            if response.responseCode == .formatError, payloadSize != nil, response.edns == nil {
                payloadSize = nil
                continue
            }
            return response
        }
    }

    private func exchange(
        _ question: DNSQuestion, server: SocketAddress, udpPayloadSize: UInt16?
    ) async throws -> DNSMessage {
        let timeout = self.configuration.timeout
        if !self.configuration.tcpOnly {
            let query = DNSMessage.query(name: question.name, type: question.type, udpPayloadSize: udpPayloadSize)
            let response = try await DNSTransport.udp.exchange(query, with: server, timeout: timeout, group: self.group)
            guard response.isTruncated else { return response }
        }
        let query = DNSMessage.query(name: question.name, type: question.type, udpPayloadSize: udpPayloadSize)
        return try await DNSTransport.tcp.exchange(query, with: server, timeout: timeout, group: self.group)
    }

    /// The answer for an IP literal, or `nil` if `name` is not one.
    static func literalAnswer(_ name: String, type: RecordType) -> DNSAnswer? {
        guard let address = IPAddress(name) else { return nil }
        let owner = (try? DNSName(name.replacingBrackets())) ?? .root
        var records: [DNSRecord] = []
        switch (address, type) {
        case (.v4(let v4), .a):
            records = [DNSRecord(name: owner, ttl: .max, data: .a(v4))]
        case (.v6(let v6), .aaaa):
            records = [DNSRecord(name: owner, ttl: .max, data: .aaaa(v6))]
        default:
            break
        }
        return DNSAnswer(name: owner, type: type, records: records, ttl: .max)
    }
}

extension String {
    fileprivate func replacingBrackets() -> String {
        self.hasPrefix("[") && self.hasSuffix("]") ? String(self.dropFirst().dropLast()) : self
    }
}

extension ResolverConfiguration {
    /// The names ``DNSResolver`` tries for `name`, in order (see ``DNSResolver``); expansions
    /// longer than 255 bytes are left out.
    /// - Throws: ``DNSResolutionError/invalidName(_:)`` when `name` is not a valid name.
    public func searchCandidates(for name: String) throws -> [DNSName] {
        guard !name.isEmpty, !name.contains(":"), let parsed = try? DNSName(name), !parsed.isRoot else {
            throw DNSResolutionError.invalidName(name)
        }
        if name.hasSuffix(".") || self.searchDomains.isEmpty {
            return [parsed]
        }
        let expanded = self.searchDomains.compactMap { try? parsed.appending($0) }
        let dots = parsed.labels.count - 1
        return dots >= self.ndots ? [parsed] + expanded : expanded + [parsed]
    }
}
