import NIOCore
import PorticoCore
import Testing

@Suite struct RegistryStateTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    private func registration(
        _ id: String = "users-1", service: String = "users", address: String = "10.0.0.5", port: Int = 8080,
        ttl: TimeAmount? = .seconds(10)
    ) -> ServiceRegistration {
        ServiceRegistration(
            id: id, service: service, version: "1.4.2", address: address, port: port, metadata: ["zone": "a"],
            ttl: ttl)
    }

    @Test func registersAndListsInstances() throws {
        var state = RegistryState()
        #expect(state.version(of: "users") == 0)
        let instance = try state.register(self.registration("b"), now: self.start)
        try state.register(self.registration("a", port: 8081), now: self.start)
        try state.register(self.registration("x", service: "orders"), now: self.start)
        #expect(instance.expiresAt == self.start + .seconds(10))
        #expect(instance.url == "http://10.0.0.5:8080")
        #expect(state.instances(of: "users").map(\.id) == ["a", "b"])
        #expect(state.version(of: "users") == 2)
        #expect(state.services == ["orders", "users"])
        #expect(state.revision == 3)
        #expect(
            state.snapshot(of: "users")
                == ServiceSnapshot(service: "users", version: 2, instances: state.instances(of: "users")))
        #expect(state.instances(of: "nobody").isEmpty)
    }

    @Test func reRegisteringBumpsTheVersionOnlyWhenSomethingChanged() throws {
        var state = RegistryState()
        try state.register(self.registration(), now: self.start)
        let again = try state.register(self.registration(), now: self.start + .seconds(5))
        #expect(state.version(of: "users") == 1)
        #expect(again.registeredAt == self.start && again.lastHeartbeat == self.start + .seconds(5))
        try state.register(self.registration(port: 9090), now: self.start + .seconds(6))
        #expect(state.version(of: "users") == 2)
        #expect(state.instance(service: "users", id: "users-1")?.port == 9090)
    }

    @Test func heartbeatsKeepInstancesAlive() throws {
        var state = RegistryState()
        try state.register(self.registration(), now: self.start)
        try state.heartbeat(service: "users", id: "users-1", now: self.start + .seconds(8))
        #expect(state.expire(now: self.start + .seconds(17)) == [])
        #expect(state.nextExpiry == self.start + .seconds(18))
        #expect(state.version(of: "users") == 1)  // heartbeats are not changes
        let expired = state.expire(now: self.start + .seconds(18))
        #expect(expired.map(\.id) == ["users-1"])
        #expect(state.instances(of: "users").isEmpty)
        #expect(state.services.isEmpty)
        #expect(state.nextExpiry == nil)
        // Versions never go back, not even when the service is empty.
        #expect(state.version(of: "users") == 2)
        #expect(throws: RegistryError.unknownInstance(service: "users", id: "users-1")) {
            try state.heartbeat(service: "users", id: "users-1", now: self.start + .seconds(19))
        }
    }

    @Test func expiresOnlyTheLateOnes() throws {
        var state = RegistryState()
        try state.register(self.registration("short", ttl: .seconds(5)), now: self.start)
        try state.register(self.registration("long", ttl: .seconds(60)), now: self.start)
        try state.register(self.registration("other", service: "orders", ttl: nil), now: self.start)
        #expect(state.expire(now: self.start + .seconds(5)).map(\.id) == ["short"])
        #expect(state.instances(of: "users").map(\.id) == ["long"])
        #expect(state.instance(service: "orders", id: "other")?.ttl == .seconds(30))  // the default
        #expect(state.expire(now: self.start + .seconds(60)).map(\.id) == ["other", "long"])
    }

    @Test func deregisters() throws {
        var state = RegistryState()
        try state.register(self.registration(), now: self.start)
        #expect(try state.deregister(service: "users", id: "users-1").id == "users-1")
        #expect(state.version(of: "users") == 2)
        #expect(throws: RegistryError.unknownInstance(service: "users", id: "users-1")) {
            try state.deregister(service: "users", id: "users-1")
        }
    }

    @Test func rejectsBadInput() {
        var state = RegistryState()
        let cases: [(ServiceRegistration, RegistryError)] = [
            (self.registration(service: ""), .invalidServiceName("")),
            (self.registration(service: "Users"), .invalidServiceName("Users")),
            (self.registration(service: "-users"), .invalidServiceName("-users")),
            (
                self.registration(service: String(repeating: "a", count: 64)),
                .invalidServiceName(String(repeating: "a", count: 64))
            ),
            (self.registration(""), .invalidInstanceID("")),
            (self.registration("a/b"), .invalidInstanceID("a/b")),
            (self.registration("a b"), .invalidInstanceID("a b")),
            (self.registration(port: 0), .invalidPort(0)),
            (self.registration(port: 65536), .invalidPort(65536)),
            (self.registration(address: ""), .invalidAddress("")),
            (self.registration(address: "host name"), .invalidAddress("host name")),
            (self.registration(address: "-bad.example"), .invalidAddress("-bad.example")),
            (self.registration(address: "a..b"), .invalidAddress("a..b")),
            (
                self.registration(ttl: .milliseconds(500)),
                .ttlOutOfRange(.milliseconds(500), min: .seconds(1), max: .hours(1))
            ),
            (self.registration(ttl: .hours(2)), .ttlOutOfRange(.hours(2), min: .seconds(1), max: .hours(1))),
        ]
        for (registration, error) in cases {
            #expect(throws: error) { try state.register(registration, now: self.start) }
        }
        var badVersion = self.registration()
        badVersion.version = "1 2"
        #expect(throws: RegistryError.invalidVersion("1 2")) { try state.register(badVersion, now: self.start) }
        var badMetadata = self.registration()
        badMetadata.metadata = ["bad key": "x"]
        #expect(throws: RegistryError.self) { try state.register(badMetadata, now: self.start) }
        badMetadata.metadata = ["k": String(repeating: "v", count: 1025)]
        #expect(throws: RegistryError.self) { try state.register(badMetadata, now: self.start) }
        badMetadata.metadata = ["k": "line\nbreak"]
        #expect(throws: RegistryError.self) { try state.register(badMetadata, now: self.start) }
        #expect(state.revision == 0)
    }

    @Test func acceptsHostNamesAndIPv6() throws {
        var state = RegistryState()
        let named = try state.register(self.registration("n", address: "users-1.svc.local"), now: self.start)
        #expect(named.authority == "users-1.svc.local:8080")
        let v6 = try state.register(self.registration("v6", address: "[2001:db8::1]"), now: self.start)
        #expect(v6.address == "2001:db8::1")
        #expect(v6.authority == "[2001:db8::1]:8080")
        var grpc = self.registration("g")
        grpc.scheme = .grpc
        #expect(try state.register(grpc, now: self.start).url == "h2c://10.0.0.5:8080")
    }

    @Test func capsInstancesPerService() throws {
        var state = RegistryState(settings: RegistrySettings(maxInstancesPerService: 2))
        try state.register(self.registration("a"), now: self.start)
        try state.register(self.registration("b"), now: self.start)
        #expect(throws: RegistryError.tooManyInstances(service: "users", limit: 2)) {
            try state.register(self.registration("c"), now: self.start)
        }
        try state.register(self.registration("a", port: 1), now: self.start)  // an update still fits
    }

    @Test func errorsReadWell() {
        #expect(
            RegistryError.ttlOutOfRange(.milliseconds(500), min: .seconds(1), max: .hours(1)).description
                == "ttl 500ms is out of range: expected 1s to 3600s")
        #expect(RegistryError.invalidPort(0).description == "invalid port 0: expected 1 to 65535")
    }
}
