import PorticoCore
import PorticoHTTP
import Testing

@Suite struct HashOnTests {
    @Test func parsesConfigValues() {
        #expect(HashOn(configValue: "header:x-user-id") == .header("x-user-id"))
        #expect(HashOn(configValue: "cookie:session") == .cookie("session"))
        #expect(HashOn(configValue: "query:tenant") == .query("tenant"))
        #expect(HashOn(configValue: "path") == .path)
        #expect(HashOn(configValue: "client_ip") == .clientIP)
        for bad in ["", "header", "header:", "body:x", "ip", "PATH"] {
            #expect(HashOn(configValue: bad) == nil, "\(bad)")
        }
        for value in ["header:x-user-id", "cookie:s", "query:q", "path", "client_ip"] {
            #expect(HashOn(configValue: value)?.configValue == value)
        }
    }

    @Test func extractsKeysFromRequests() {
        let request = RequestHead(
            method: .GET,
            target: "/users/7?tenant=acme&x=1",
            headers: ["X-User-ID": "u-1", "Cookie": "theme=dark; session=abc123"]
        )
        #expect(HashOn.header("x-user-id").key(of: request, clientIP: "") == StableHash.hash("u-1"))
        #expect(HashOn.cookie("session").key(of: request, clientIP: "") == StableHash.hash("abc123"))
        #expect(HashOn.query("tenant").key(of: request, clientIP: "") == StableHash.hash("acme"))
        #expect(HashOn.path.key(of: request, clientIP: "") == StableHash.hash("/users/7"))
        #expect(HashOn.clientIP.key(of: request, clientIP: "192.0.2.1") == StableHash.hash("192.0.2.1"))
        #expect(HashOn.header("x-other").key(of: request, clientIP: "") == nil)
        #expect(HashOn.cookie("sess").key(of: request, clientIP: "") == nil)
        #expect(HashOn.query("missing").key(of: request, clientIP: "") == nil)
    }

    @Test func sameKeyReachesTheSameTarget() {
        let balancer = BalancerKind.consistentHash.make(
            weights: [1, 1, 1], identities: ["a:80", "b:80", "c:80"], random: FastRandom(seed: 1))
        let key = HashOn.header("x-user-id").key(
            of: RequestHead(method: .GET, target: "/", headers: ["x-user-id": "u-9"]), clientIP: "")
        let first = balancer.pick(BalancerRequest(clientIP: "", hashKey: key))
        for _ in 0..<20 { #expect(balancer.pick(BalancerRequest(clientIP: "", hashKey: key)) == first) }
    }
}
