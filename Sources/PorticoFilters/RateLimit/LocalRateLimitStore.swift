import PorticoCore
import Synchronization

/// Rate-limit state for one gateway process, shared by every event loop, so a client gets
/// exactly its quota however its connections are spread over the loops.
///
/// - Each key's whole state is one 64-bit word in its own ``Cell``, updated with a
///   compare-and-swap loop over the pure ``RateLimitRule``: no lock per request, and two
///   loops deciding for the same key at the same time cannot both take the last token.
///   A refused request writes nothing.
/// - Keys map to cells in one dictionary behind a mutex, taken only when a loop meets a key it
///   has not cached yet. Each loop keeps its own key → cell dictionary (in
///   ``RequestContext/loopState(for:make:)``), so steady traffic takes no lock at all.
/// - Memory is bounded. A key whose state is idle (its bucket refilled; its windows over) is
///   equivalent to an unknown key and is forgotten: every ``RateLimitRule/sweepInterval`` one
///   loop sweeps the map (skipping it if another loop is already sweeping), retiring idle cells
///   with a CAS to a sentinel, so a request racing with the sweep either wins (the cell stays)
///   or sees the sentinel and fetches a fresh cell. At most `maxKeys` keys are kept; when the
///   map is full (after a sweep, at most every 100 ms), new keys share one overflow cell with the
///   same rule until idle keys make room, so a flood of distinct keys is throttled as one client
///   instead of growing memory or disabling the limit.
public final class LocalRateLimitStore<Rule: RateLimitRule>: RateLimitStore {
    /// One key's state.
    public typealias Cell = RateLimitCell
    /// One event loop's key → cell references.
    public typealias LoopCache = RateLimitLoopCache

    private struct Shared {
        var cells: [String: Cell] = [:]
        var lastSweep: UInt64 = 0
        var lastPressureSweep: UInt64 = 0
    }

    /// Marks a cell that was forgotten; never a state the rules produce.
    static var retired: UInt64 { .max }
    private static var pressureSweepInterval: UInt64 { 100_000_000 }

    /// The rule.
    public let rule: Rule
    /// The most keys kept.
    public let maxKeys: Int
    private let clock: RateLimitClock
    private let epoch: UInt64
    private let shared = Mutex(Shared())
    private let overflow = Cell()

    /// A store deciding by `rule`, keeping at most `maxKeys` keys.
    public init(rule: Rule, maxKeys: Int, clock: RateLimitClock = .system) {
        self.rule = rule
        self.maxKeys = max(1, maxKeys)
        self.clock = clock
        self.epoch = clock.now()
    }

    /// Nanoseconds since the store was made.
    private func now() -> UInt64 {
        let reading = self.clock.now()
        return reading > self.epoch ? reading - self.epoch : 0
    }

    public func acquire(_ key: String, context: RequestContext) -> RateLimitDecision {
        let cache = context.loopState(for: ObjectIdentifier(self)) { LoopCache() }
        return self.acquire(key, cache: cache)
    }

    /// Takes one unit of `key`'s quota, using `cache` as the calling thread's cache.
    public func acquire(_ key: String, cache: LoopCache) -> RateLimitDecision {
        let now = self.now()
        if now >= cache.nextMaintenance { self.maintain(cache, now: now) }
        var cell = cache.cells[key] ?? self.lookUp(key, cache: cache, now: now)
        while true {
            let state = cell.state.load(ordering: .relaxed)
            if state == Self.retired {
                cell = self.lookUp(key, cache: cache, now: now)
                continue
            }
            let (next, decision) = self.rule.decide(state, now: now)
            guard decision.allowed else { return decision }
            if cell.state.compareExchange(expected: state, desired: next, ordering: .relaxed).exchanged {
                return decision
            }
        }
    }

    /// The number of keys held (tests, metrics).
    public var keyCount: Int { self.shared.withLock { $0.cells.count } }

    /// The shared cell for `key` (made if needed), remembered in `cache`.
    private func lookUp(_ key: String, cache: LoopCache, now: UInt64) -> Cell {
        let cell = self.shared.withLock { shared -> Cell in
            if let cell = shared.cells[key] { return cell }
            if shared.cells.count >= self.maxKeys {
                if shared.lastPressureSweep == 0
                    || Self.elapsed(now, since: shared.lastPressureSweep) >= Self.pressureSweepInterval
                {
                    shared.lastPressureSweep = max(now, 1)
                    self.sweep(&shared, now: now)
                }
                if shared.cells.count >= self.maxKeys { return self.overflow }
            }
            let cell = Cell()
            shared.cells[key] = cell
            return cell
        }
        if cache.cells.count >= self.maxKeys { cache.cells.removeAll(keepingCapacity: true) }
        cache.cells[key] = cell
        return cell
    }

    /// Periodic work on the request path, once per sweep interval per loop.
    private func maintain(_ cache: LoopCache, now: UInt64) {
        cache.nextMaintenance = now + self.rule.sweepInterval
        _ = self.shared.withLockIfAvailable { shared in
            if Self.elapsed(now, since: shared.lastSweep) >= self.rule.sweepInterval {
                self.sweep(&shared, now: now)
            }
        }
        // Drop references the sweep retired, and overflow assignments, so they are looked up again.
        if !cache.cells.isEmpty {
            cache.cells = cache.cells.filter { _, cell in
                cell !== self.overflow && cell.state.load(ordering: .relaxed) != Self.retired
            }
        }
    }

    /// Forgets idle keys (under the lock).
    private func sweep(_ shared: inout Shared, now: UInt64) {
        let trusted = Self.elapsed(now, since: shared.lastSweep) < self.rule.trustHorizon
        shared.lastSweep = now
        shared.cells = shared.cells.filter { _, cell in
            while true {
                let state = cell.state.load(ordering: .relaxed)
                if trusted && !self.rule.isIdle(state, now: now) { return true }
                if cell.state.compareExchange(expected: state, desired: Self.retired, ordering: .relaxed).exchanged {
                    return false
                }
            }
        }
    }

    private static func elapsed(_ now: UInt64, since then: UInt64) -> UInt64 {
        now > then ? now - then : 0
    }
}

// Outside the generic store on purpose: a class nested in a generic type needs its generic
// metadata looked up on every use, which cost more per request than the limiter's decision.

/// One rate-limit key's state: a single word, updated by compare-and-swap.
public final class RateLimitCell: Sendable {
    let state = Atomic<UInt64>(0)
}

/// One event loop's key → cell references for a ``LocalRateLimitStore``; touched only by that
/// loop.
public final class RateLimitLoopCache {
    var cells: [String: RateLimitCell] = [:]
    var nextMaintenance: UInt64 = 0

    /// A cache for a thread of its own (tests, benchmarks).
    public init() {}
}
