import PorticoDNS
import Testing

struct DNSAnswerTests {
    private func responseWith(
        _ answers: [DNSRecord], authorities: [DNSRecord] = [], additionals: [DNSRecord] = [],
        question: DNSQuestion
    ) -> DNSMessage {
        DNSMessage(
            id: 1, isResponse: true, questions: [question], answers: answers, authorities: authorities,
            additionals: additionals
        )
    }

    private let soa = DNSRecord(
        name: name("svc.local"), ttl: 20,
        data: .soa(
            SOAData(
                primaryServer: name("ns.svc.local"), responsible: name("h.svc.local"), serial: 1, refresh: 1,
                retry: 1, expire: 1, minimum: 45
            )
        )
    )

    @Test func directAnswerWithMinimumTTL() throws {
        let question = DNSQuestion(name: name("users.svc.local"), type: .a)
        let message = self.responseWith(
            [aRecord("users.svc.local", "10.0.0.1", ttl: 30), aRecord("USERS.svc.local", "10.0.0.2", ttl: 10)],
            question: question
        )
        let answer = try message.answer(to: question)
        #expect(answer.addresses == [ip("10.0.0.1"), ip("10.0.0.2")])
        #expect(answer.ttl == 10)
        #expect(answer.canonicalName == name("users.svc.local"))
    }

    @Test func followsCNAMEChainsAndCountsTheirTTLs() throws {
        let question = DNSQuestion(name: name("www.example.com"), type: .aaaa)
        let message = self.responseWith(
            [
                aaaaRecord("edge.cdn.net", "2001:db8::5", ttl: 300),
                cnameRecord("www.example.com", "lb.example.com", ttl: 600),
                cnameRecord("lb.example.com", "edge.cdn.net", ttl: 15),
                aaaaRecord("unrelated.example.com", "2001:db8::9"),
            ],
            question: question
        )
        let answer = try message.answer(to: question)
        #expect(answer.canonicalName == name("edge.cdn.net"))
        #expect(answer.addresses == [ip("2001:db8::5")])
        #expect(answer.ttl == 15)
    }

    @Test func detectsCNAMELoops() {
        let question = DNSQuestion(name: name("a.test"), type: .a)
        let loop = self.responseWith(
            [cnameRecord("a.test", "b.test"), cnameRecord("b.test", "a.test")], question: question)
        #expect(throws: DNSResolutionError.cnameLoop("a.test")) { try loop.answer(to: question) }

        var chain: [DNSRecord] = []
        for index in 0..<20 { chain.append(cnameRecord("n\(index).test", "n\(index + 1).test")) }
        let long = self.responseWith(chain, question: DNSQuestion(name: name("n0.test"), type: .a))
        #expect(throws: DNSResolutionError.cnameLoop("n0.test")) {
            try long.answer(to: DNSQuestion(name: name("n0.test"), type: .a))
        }
    }

    @Test func cnameQuestionsAreNotChased() throws {
        let question = DNSQuestion(name: name("www.test"), type: .cname)
        let message = self.responseWith([cnameRecord("www.test", "host.test", ttl: 7)], question: question)
        let answer = try message.answer(to: question)
        #expect(answer.records == [cnameRecord("www.test", "host.test", ttl: 7)])
        #expect(answer.canonicalName == name("www.test"))
    }

    @Test func noDataUsesTheNegativeCachingTTL() throws {
        let question = DNSQuestion(name: name("users.svc.local"), type: .aaaa)
        let message = self.responseWith([], authorities: [self.soa], question: question)
        let answer = try message.answer(to: question)
        #expect(answer.records.isEmpty)
        #expect(answer.ttl == 20)  // min(SOA TTL 20, minimum 45)
        #expect(try self.responseWith([], question: question).answer(to: question).ttl == 0)
        // A chain ending in NODATA is capped by the chain's TTLs too.
        let chained = self.responseWith(
            [cnameRecord("users.svc.local", "real.svc.local", ttl: 3)], authorities: [self.soa], question: question
        )
        #expect(try chained.answer(to: question).ttl == 3)
    }

    @Test func srvAnswersKeepAdditionalAddresses() throws {
        let question = DNSQuestion(name: name("_http._tcp.users"), type: .srv)
        let message = self.responseWith(
            [srvRecord("_http._tcp.users", port: 8080, target: "a.users")],
            additionals: [
                aRecord("a.users", "10.0.0.1"), aaaaRecord("a.users", "fd00::1"), aRecord("b.users", "10.0.0.2"),
                cnameRecord("c.users", "a.users"),
            ],
            question: question
        )
        let answer = try message.answer(to: question)
        #expect(answer.services == [SRVData(priority: 10, weight: 5, port: 8080, target: name("a.users"))])
        #expect(answer.additionalRecords.count == 3)
        #expect(
            answer.additionalAddresses(for: name("A.users")).compactMap(\.data.address) == [
                ip("10.0.0.1"), ip("fd00::1"),
            ])
    }
}
