import NIOCore
import Synchronization

/// A small integer standing for one upstream address, the same for every snapshot.
///
/// Pools are keyed by it instead of by `SocketAddress`, whose hashing walks the whole socket
/// address structure on every request; the interning happens once per target at config
/// compile time.
public struct PoolKey: Hashable, Sendable {
    /// The interned number.
    public let rawValue: Int

    private static let table = Mutex<[SocketAddress: Int]>([:])

    /// The key for `address` (the same key every time for the same address).
    public init(address: SocketAddress) {
        self.rawValue = Self.table.withLock { table in
            if let existing = table[address] { return existing }
            let next = table.count + 1
            table[address] = next
            return next
        }
    }
}
