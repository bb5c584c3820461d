import PorticoCore
import Testing

@Suite struct StableHashTests {
    @Test func isFixedAcrossProcessesAndReleases() {
        // Pinned values: changing them would move every client's affinity on upgrade.
        #expect(StableHash.hash("") == StableHash.mix(0xcbf2_9ce4_8422_2325))
        #expect(StableHash.hash("user-42") == StableHash.hash(bytes: Array("user-42".utf8)))
        // FNV-1a 64 of "user-42" is 0x32c6_d7a5_4d35_dacb; fmix64 of that (computed independently):
        #expect(StableHash.hash("user-42") == 0xa395_32c7_ab05_1e8d)
    }

    @Test func spreadsShortKeysOverTheLowBits() {
        var buckets = [Int](repeating: 0, count: 16)
        for index in 0..<16_000 { buckets[Int(StableHash.hash("\(index)") % 16)] += 1 }
        #expect(buckets.allSatisfy { $0 > 850 && $0 < 1150 })
    }

    @Test func substringsHashLikeStrings() {
        let text = "prefix/tenant-7"
        #expect(StableHash.hash(text.split(separator: "/")[1]) == StableHash.hash("tenant-7"))
    }
}
