import Atomics
import PorticoCore

extension RuntimeSnapshot: AtomicReference {}

/// Holds the current ``RuntimeSnapshot`` behind an atomic reference.
///
/// Each request loads it once (one atomic load); a reload only calls ``install(_:)``.
/// Requests that already started keep the snapshot they loaded.
public final class SnapshotStore: Sendable {
    private let reference: ManagedAtomic<RuntimeSnapshot>

    /// A store holding `initial`.
    public init(_ initial: RuntimeSnapshot) {
        self.reference = ManagedAtomic(initial)
    }

    /// The current snapshot.
    @inline(__always)
    public var current: RuntimeSnapshot {
        self.reference.load(ordering: .acquiring)
    }

    /// Makes `snapshot` current.
    public func install(_ snapshot: RuntimeSnapshot) {
        self.reference.store(snapshot, ordering: .releasing)
    }
}
