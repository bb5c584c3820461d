import NIOCore

/// Passive health checking (outlier detection) of one upstream's targets, as a pure state
/// machine: live traffic's consecutive failures eject a target for a growing time, never
/// more than the allowed share of targets at once (SPEC F-23).
///
/// The proxy reports each attempt's outcome (5xx, connect failures and resets are failures;
/// the caller decides), calls ``expire(now:)`` when ``nextReturn`` is due, and masks out the
/// ``isEjected(_:)`` targets. An ejection lasts `ejectionTime × n` for the target's n-th
/// ejection, capped at `maxEjectionTime`; n drops by one for every `ejectionTime` the target
/// then serves without being ejected, so an old incident is forgiven.
///
/// Targets are keyed by a stable identity (a pool key), so state survives a change of the
/// target list (``setTargets(_:)``). Hot methods are `@inlinable` so the proxy gets a copy
/// specialised to its key type.
public struct OutlierDetector<Target: Hashable & Sendable>: Sendable {
    @usableFromInline
    struct TargetState: Sendable {
        @usableFromInline var consecutiveFailures = 0
        @usableFromInline var ejectedUntil: NIODeadline?
        /// Ejections in recent memory (the multiplier of the next one).
        @usableFromInline var ejections = 0
        /// When the last ejection ended (for forgiving old ejections).
        @usableFromInline var returnedAt: NIODeadline?

        @inlinable init() {}
    }

    /// The settings in force.
    public let settings: OutlierSettings
    @usableFromInline var states: [Target: TargetState] = [:]
    /// Targets ejected now.
    public private(set) var ejectedCount = 0
    /// The earliest time an ejected target is due back; nil when none is ejected.
    public private(set) var nextReturn: NIODeadline?

    /// A detector for `targets`, none ejected.
    public init(targets: some Sequence<Target>, settings: OutlierSettings = OutlierSettings()) {
        self.settings = settings
        self.setTargets(targets)
    }

    /// Adopts a new target list: targets that stay keep their state (an ejected one stays
    /// ejected), new ones start clean, the rest are forgotten.
    public mutating func setTargets(_ targets: some Sequence<Target>) {
        var next: [Target: TargetState] = [:]
        for target in targets { next[target] = self.states[target] ?? TargetState() }
        self.states = next
        self.recount()
    }

    /// An attempt to `target` succeeded: its run of failures is over.
    @inlinable
    public mutating func requestSucceeded(_ target: Target) {
        // Checked first: writing through the dictionary on every success would be wasted.
        if self.states[target]?.consecutiveFailures ?? 0 > 0 {
            self.states[target]?.consecutiveFailures = 0
        }
    }

    /// An attempt to `target` failed at `now`; returns its ejection if this failure caused
    /// one. An ejection refused by `maxEjectionPercent` is tried again on the next failure.
    @inlinable
    public mutating func requestFailed(_ target: Target, now: NIODeadline) -> OutlierTransition<Target>? {
        guard var state = self.states[target], state.ejectedUntil == nil else { return nil }
        state.consecutiveFailures += 1
        defer { self.states[target] = state }
        guard state.consecutiveFailures >= self.settings.consecutiveFailures,
            self.activeEjections(now: now) < self.settings.maxEjected(of: self.states.count)
        else { return nil }
        return self.eject(target, &state, now: now)
    }

    /// An active health check of `target` succeeded: an ejected target returns at once.
    public mutating func activeCheckSucceeded(_ target: Target, now: NIODeadline) -> OutlierTransition<Target>? {
        guard var state = self.states[target], state.ejectedUntil != nil else { return nil }
        Self.end(&state, now: now)
        self.states[target] = state
        self.recount()
        return .returned(target, early: true)
    }

    /// Ends the ejections that ran out by `now`, returning those targets.
    public mutating func expire(now: NIODeadline) -> [OutlierTransition<Target>] {
        guard let due = self.nextReturn, due <= now else { return [] }
        var returned: [OutlierTransition<Target>] = []
        for (target, var state) in self.states {
            guard let until = state.ejectedUntil, until <= now else { continue }
            // The ejection ended at `until`, not when this sweep noticed.
            Self.end(&state, now: until)
            self.states[target] = state
            returned.append(.returned(target, early: false))
        }
        self.recount()
        return returned
    }

    /// Whether `target` is ejected (until ``expire(now:)`` returns it).
    @inlinable
    public func isEjected(_ target: Target) -> Bool {
        self.states[target]?.ejectedUntil != nil
    }

    /// The targets of `order` that are not ejected, as a mask over its indices.
    public func mask(for order: [Target]) -> TargetMask {
        TargetMask(order.map { !self.isEjected($0) })
    }

    /// Consecutive failures of `target` so far.
    public func consecutiveFailures(of target: Target) -> Int {
        self.states[target]?.consecutiveFailures ?? 0
    }

    @inlinable
    func activeEjections(now: NIODeadline) -> Int {
        guard self.ejectedCount > 0 else { return 0 }
        // Ejections that ran out but were not swept yet do not count against the cap.
        var count = 0
        for state in self.states.values {
            if let until = state.ejectedUntil, until > now { count += 1 }
        }
        return count
    }

    @usableFromInline
    mutating func eject(_ target: Target, _ state: inout TargetState, now: NIODeadline) -> OutlierTransition<Target> {
        if let returnedAt = state.returnedAt {
            let forgiven = Int((now - returnedAt).nanoseconds / self.settings.ejectionTime.nanoseconds)
            state.ejections = max(state.ejections - forgiven, 0)
        }
        state.ejections += 1
        let cap = self.settings.maxEjectionTime.nanoseconds
        let (product, overflow) = self.settings.ejectionTime.nanoseconds.multipliedReportingOverflow(
            by: Int64(state.ejections))
        let length = overflow ? cap : min(product, cap)
        let until = now + .nanoseconds(length)
        state.ejectedUntil = until
        state.consecutiveFailures = 0
        self.ejectedCount += 1
        self.nextReturn = min(self.nextReturn ?? until, until)
        return .ejected(target, until: until, ejections: state.ejections)
    }

    static func end(_ state: inout TargetState, now: NIODeadline) {
        state.ejectedUntil = nil
        state.returnedAt = now
        state.consecutiveFailures = 0
    }

    mutating func recount() {
        var count = 0
        var next: NIODeadline?
        for state in self.states.values {
            guard let until = state.ejectedUntil else { continue }
            count += 1
            next = min(next ?? until, until)
        }
        self.ejectedCount = count
        self.nextReturn = next
    }
}
