import Atomics
import Synchronization

/// An upstream's targets as they are right now, with their active-health verdicts:
/// immutable, replaced as a whole when discovery or health checks change something.
///
/// Requests read it with one atomic load. Balancers are rebuilt when `targetsVersion`
/// changes (the list itself changed); health changes only alter the eligibility mask.
public final class TargetView: Sendable, AtomicReference {
    /// Increases with every change.
    public let version: Int
    /// Increases when the target list changes (indices are only valid within one).
    public let targetsVersion: Int
    /// The targets (balancers return indices into this).
    public let targets: [UpstreamTarget]
    /// Whether active health checks let each target take traffic (all true without checks).
    public let healthy: [Bool]
    /// Successful active probes of each target so far: a rise returns a passively ejected
    /// target to service early (SPEC F-23).
    public let probeSuccesses: [Int]
    /// Whether every target is healthy (the common case, checked first on the hot path).
    public let allHealthy: Bool

    /// Creates a view.
    public init(version: Int, targetsVersion: Int, targets: [UpstreamTarget], healthy: [Bool], probeSuccesses: [Int]) {
        precondition(targets.count == healthy.count && targets.count == probeSuccesses.count, "one flag per target")
        self.version = version
        self.targetsVersion = targetsVersion
        self.targets = targets
        self.healthy = healthy
        self.probeSuccesses = probeSuccesses
        self.allHealthy = !healthy.contains(false)
    }

    /// The index of the target with this pool key, if present.
    public func index(of key: PoolKey) -> Int? {
        self.targets.firstIndex { $0.poolKey == key }
    }
}

/// The changing part of an upstream, shared by all event loops: its current ``TargetView``.
///
/// Written by the control plane (discovery, health checks) under a mutex; read by requests
/// with one atomic load, never a lock.
public final class UpstreamState: Sendable {
    private let current: ManagedAtomic<TargetView>
    private let writer = Mutex<Void>(())

    /// A state holding `targets`, all healthy.
    public init(targets: [UpstreamTarget]) {
        let zeros = Array(repeating: 0, count: targets.count)
        self.current = ManagedAtomic(
            TargetView(
                version: 0, targetsVersion: 0, targets: targets,
                healthy: Array(repeating: true, count: targets.count), probeSuccesses: zeros))
    }

    /// The current view.
    @inline(__always)
    public var view: TargetView {
        self.current.load(ordering: .acquiring)
    }

    /// Replaces the target list (discovery, reload). Targets that stay keep their health
    /// verdict; new ones take `newTargetsHealthy` — true without active checks (traffic
    /// finds them at once), false with them, as in Envoy: a new target must pass a probe.
    /// Returns whether the list changed.
    @discardableResult
    public func replaceTargets(_ targets: [UpstreamTarget], newTargetsHealthy: Bool = true) -> Bool {
        self.update { old in
            guard old.targets != targets else { return nil }
            var healthy: [Bool] = []
            var successes: [Int] = []
            for target in targets {
                let index = old.index(of: target.poolKey)
                healthy.append(index.map { old.healthy[$0] } ?? newTargetsHealthy)
                successes.append(index.map { old.probeSuccesses[$0] } ?? 0)
            }
            return (targets, healthy, successes, true)
        }
    }

    /// Sets the active-health verdict of the target with this key (ignored if it left).
    /// Returns whether anything changed.
    @discardableResult
    public func setHealthy(_ healthy: Bool, for key: PoolKey) -> Bool {
        self.update { old in
            guard let index = old.index(of: key), old.healthy[index] != healthy else { return nil }
            var flags = old.healthy
            flags[index] = healthy
            return (old.targets, flags, old.probeSuccesses, false)
        }
    }

    /// An active probe of the target with this key succeeded.
    public func recordProbeSuccess(for key: PoolKey) {
        self.update { old in
            guard let index = old.index(of: key) else { return nil }
            var successes = old.probeSuccesses
            successes[index] &+= 1
            return (old.targets, old.healthy, successes, false)
        }
    }

    /// Takes over what `previous` (the same upstream in the snapshot being replaced) knows:
    /// discovered targets when `keepTargets`, and health verdicts of targets both have.
    public func adopt(_ previous: UpstreamState, keepTargets: Bool) {
        let old = previous.view
        self.update { mine in
            let targets = keepTargets ? old.targets : mine.targets
            var healthy: [Bool] = []
            var successes: [Int] = []
            for (position, target) in targets.enumerated() {
                let index = old.index(of: target.poolKey)
                let fallback = keepTargets ? old.healthy[position] : mine.healthy[position]
                healthy.append(index.map { old.healthy[$0] } ?? fallback)
                successes.append(index.map { old.probeSuccesses[$0] } ?? 0)
            }
            return (targets, healthy, successes, targets != mine.targets)
        }
    }

    /// Publishes a new view built from the current one, unless `change` returns nil.
    @discardableResult
    private func update(
        _ change: (TargetView) -> (targets: [UpstreamTarget], healthy: [Bool], successes: [Int], listChanged: Bool)?
    ) -> Bool {
        self.writer.withLock { _ in
            let old = self.current.load(ordering: .acquiring)
            guard let next = change(old) else { return false }
            let view = TargetView(
                version: old.version + 1,
                targetsVersion: next.listChanged ? old.targetsVersion + 1 : old.targetsVersion,
                targets: next.targets,
                healthy: next.healthy,
                probeSuccesses: next.successes
            )
            self.current.store(view, ordering: .releasing)
            return true
        }
    }
}
