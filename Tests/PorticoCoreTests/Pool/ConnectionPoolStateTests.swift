import NIOCore
import PorticoCore
import Testing

@Suite struct ConnectionPoolStateTests {
    typealias Pool = ConnectionPoolState<String, Int>
    let settings = PoolSettings(maxIdlePerTarget: 2, idleTimeout: .seconds(60), maxConnectionsPerTarget: 3)
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func connectsThenReusesWarmestFirst() {
        var pool = Pool()
        #expect(pool.acquire("a", settings: self.settings) == .connect)
        #expect(pool.acquire("a", settings: self.settings) == .connect)
        #expect(pool.released("a", id: 1, reusable: true, settings: self.settings, now: self.start) == .park)
        #expect(
            pool.released("a", id: 2, reusable: true, settings: self.settings, now: self.start + .seconds(1)) == .park)
        #expect(pool.acquire("a", settings: self.settings) == .reuse(2))
        #expect(pool.acquire("a", settings: self.settings) == .reuse(1))
        #expect(pool.totalCount("a") == 2)
    }

    @Test func freshRequestsNeverReuse() {
        var pool = Pool()
        _ = pool.acquire("a", settings: self.settings)
        _ = pool.released("a", id: 1, reusable: true, settings: self.settings, now: self.start)
        #expect(pool.acquire("a", settings: self.settings, fresh: true) == .connect)
        #expect(pool.idleCount("a") == 1)
    }

    @Test func boundsIdleAndTotal() {
        var pool = Pool()
        for _ in 0..<3 { #expect(pool.acquire("a", settings: self.settings) == .connect) }
        #expect(pool.acquire("a", settings: self.settings) == .exhausted)
        #expect(pool.acquire("b", settings: self.settings) == .connect)  // per target
        #expect(pool.released("a", id: 1, reusable: true, settings: self.settings, now: self.start) == .park)
        #expect(pool.released("a", id: 2, reusable: true, settings: self.settings, now: self.start) == .park)
        #expect(pool.released("a", id: 3, reusable: true, settings: self.settings, now: self.start) == .close)
        #expect(pool.released("a", id: 9, reusable: false, settings: self.settings, now: self.start) == .close)
        pool.closed("a", id: 3)
        #expect(pool.totalCount("a") == 2)
        #expect(pool.acquire("a", settings: self.settings) == .reuse(2))
    }

    @Test func connectFailuresAndClosesAreCounted() {
        var pool = Pool()
        _ = pool.acquire("a", settings: self.settings)
        pool.connectFailed("a")
        #expect(pool.totalCount("a") == 0)
        _ = pool.acquire("a", settings: self.settings)
        _ = pool.released("a", id: 1, reusable: true, settings: self.settings, now: self.start)
        pool.closed("a", id: 1)  // the server closed it while idle
        #expect(pool.idleCount("a") == 0)
        #expect(pool.acquire("a", settings: self.settings) == .connect)
    }

    @Test func idleConnectionsExpire() {
        var pool = Pool()
        _ = pool.acquire("a", settings: self.settings)
        _ = pool.acquire("a", settings: self.settings)
        _ = pool.released("a", id: 1, reusable: true, settings: self.settings, now: self.start)
        _ = pool.released("a", id: 2, reusable: true, settings: self.settings, now: self.start + .seconds(30))
        #expect(pool.expired(now: self.start + .seconds(59)).isEmpty)
        #expect(pool.expired(now: self.start + .seconds(61)) == [1])
        #expect(pool.idleCount("a") == 1)
        #expect(pool.expired(now: self.start + .seconds(91)) == [2])
        #expect(pool.allIdle.isEmpty)
    }
}
