import NIOCore
import PorticoCore
import Synchronization
import Testing

/// A clock the test moves by hand.
private final class ManualClock: Sendable {
    private let current = Mutex(NIODeadline.uptimeNanoseconds(1_000_000_000_000))

    var now: NIODeadline { self.current.withLock { $0 } }

    func advance(by amount: TimeAmount) {
        self.current.withLock { $0 = $0 + amount }
    }
}

@Suite struct InMemoryServiceRegistryTests {
    private let clock = ManualClock()

    private func makeRegistry() -> InMemoryServiceRegistry {
        InMemoryServiceRegistry(now: { [clock] in clock.now })
    }

    private func registration(_ id: String, ttl: TimeAmount = .seconds(10)) -> ServiceRegistration {
        ServiceRegistration(id: id, service: "users", address: "127.0.0.1", port: 3001, ttl: ttl)
    }

    @Test func registersExpiresAndForgets() async throws {
        let registry = self.makeRegistry()
        try await registry.register(self.registration("a"))
        try await registry.register(self.registration("b", ttl: .seconds(30)))
        #expect(await registry.snapshot(of: "users").instances.map(\.id) == ["a", "b"])
        #expect(await registry.services() == ["users"])
        self.clock.advance(by: .seconds(9))
        try await registry.heartbeat(service: "users", id: "a")
        self.clock.advance(by: .seconds(10))
        #expect(await registry.nextExpiry == self.clock.now)
        // Reads never show an expired instance, even before a sweep.
        #expect(await registry.snapshot(of: "users").instances.map(\.id) == ["b"])
        self.clock.advance(by: .seconds(11))
        #expect(await registry.expire().map(\.id) == ["b"])
        #expect(await registry.services().isEmpty)
        await #expect(throws: RegistryError.unknownInstance(service: "users", id: "a")) {
            try await registry.heartbeat(service: "users", id: "a")
        }
    }

    @Test func watchersSeeTheCurrentStateThenEveryChange() async throws {
        let registry = self.makeRegistry()
        try await registry.register(self.registration("a"))
        var updates = await registry.watch("users").makeAsyncIterator()
        #expect(await updates.next()?.instances.map(\.id) == ["a"])
        try await registry.register(self.registration("b"))
        let afterRegister = await updates.next()
        #expect(afterRegister?.instances.map(\.id) == ["a", "b"])
        try await registry.deregister(service: "users", id: "a")
        #expect(await updates.next()?.instances.map(\.id) == ["b"])
        self.clock.advance(by: .seconds(10))
        await registry.expire()
        let afterExpiry = await updates.next()
        #expect(afterExpiry?.instances.isEmpty == true)
        #expect(afterExpiry.map { $0.version > afterRegister!.version } == true)
        #expect(await registry.watcherCount(of: "users") == 1)
        await registry.finishWatchers()
        #expect(await updates.next() == nil)
    }

    @Test func heartbeatsAndSameContentDoNotWakeWatchers() async throws {
        let registry = self.makeRegistry()
        try await registry.register(self.registration("a"))
        var updates = await registry.watch("users").makeAsyncIterator()
        _ = await updates.next()
        try await registry.heartbeat(service: "users", id: "a")
        try await registry.register(self.registration("a"))
        try await registry.register(self.registration("c"))
        // Only "c" changed the service (watchers are told only of version changes).
        let update = await updates.next()
        #expect(update?.instances.map(\.id) == ["a", "c"])
        #expect(update?.version == 2)
    }

    @Test func refusesBadInputWithTypedErrors() async {
        let registry = self.makeRegistry()
        await #expect(throws: RegistryError.invalidPort(0)) {
            try await registry.register(ServiceRegistration(id: "a", service: "users", address: "h", port: 0))
        }
    }

    @Test func worksThroughTheProtocol() async throws {
        let registry: any ServiceRegistry = self.makeRegistry()
        try await registry.register(self.registration("a"))
        #expect(try await registry.snapshot(of: "users").version == 1)
        #expect(try await registry.services() == ["users"])
    }
}
