import PorticoHTTP
import Testing

@testable import PorticoCore

@Suite struct ByteKeyTableTests {
    @Test func findsKeysByOwnerAndBytes() {
        var entries: [(owner: Int32, key: [UInt8], value: Int32)] = []
        let keys = ["", "a", "ab", "abcdefgh", "abcdefghi", "abcdefghij-longer-than-sixteen", "é", "K", "\u{212A}"]
        for owner in 0..<20 {
            for key in keys { entries.append((Int32(owner), Array(key.utf8), Int32(entries.count))) }
        }
        entries.append((3, Array("a".utf8), 999))  // a duplicate keeps the first value
        let table = ByteKeyTable(entries)
        defer { table.deallocate() }
        #expect(table.count == entries.count - 1)
        for entry in entries.dropLast() {
            #expect(entry.key.withUnsafeBufferPointer { table.find(owner: entry.owner, $0) } == entry.value)
        }
        let absent: [(Int32, String)] = [
            (20, "a"), (0, "abcdefgi"), (0, "abcdefghj"), (1, "b"), (0, "abcdefghij-longer-than-sixteeN"), (0, "k"),
        ]
        for (owner, key) in absent {
            #expect(Array(key.utf8).withUnsafeBufferPointer { table.find(owner: owner, $0) } == -1)
        }
    }
}
