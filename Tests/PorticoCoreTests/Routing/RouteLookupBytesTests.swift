import PorticoHTTP
import Testing

@testable import PorticoCore

/// The byte-level pieces of the indexed lookup: word-at-a-time hashing and segment scanning
/// (which read whole 8-byte words around a key), the captures of a winning template, and
/// the literal prefix that lets a lookup skip a path regex.
@Suite struct RouteLookupBytesTests {
    /// Buffers of every length up to 40, with "/" at irregular places and non-ASCII bytes.
    private static let buffers: [[UInt8]] = (0...40).map { length in
        let text = "/ab/cdefghij/é/klmnopqrstuvwxyz//0123456789/\u{212A}"
        return Array(text.utf8.prefix(length))
    }

    @Test func hashingAKeyInsideABufferEqualsHashingItAlone() {
        for buffer in Self.buffers {
            buffer.withUnsafeBufferPointer { bytes in
                for start in 0...bytes.count {
                    for end in start...bytes.count {
                        let alone = Array(bytes[start..<end]).withUnsafeBufferPointer {
                            ByteKeyTable.hash(owner: 7, $0)
                        }
                        let inside = ByteKeyTable.hash(owner: 7, in: bytes, start, end)
                        #expect(inside == alone, "bytes \(start)..<\(end) of \(bytes.count)")
                    }
                }
            }
        }
    }

    @Test func findingAKeyInsideABufferEqualsFindingItAlone() {
        let source = Self.buffers.last!
        var entries: [(owner: Int32, key: [UInt8], value: Int32)] = []
        for start in stride(from: 0, to: source.count, by: 3) {
            for end in stride(from: start, through: source.count, by: 2) {
                entries.append((Int32(start % 4), Array(source[start..<end]), Int32(entries.count)))
            }
        }
        let table = ByteKeyTable(entries)
        defer { table.deallocate() }
        // Every stored key is found, and what is found is an entry with that owner and key.
        for entry in entries {
            let found = entry.key.withUnsafeBufferPointer { table.find(owner: entry.owner, $0) }
            #expect(found >= 0 && found < entries.count, "\(entry)")
            if found >= 0 && found < entries.count {
                #expect(entries[Int(found)].owner == entry.owner && entries[Int(found)].key == entry.key)
            }
        }
        for buffer in Self.buffers {
            buffer.withUnsafeBufferPointer { bytes in
                for start in 0...bytes.count {
                    for end in start...bytes.count {
                        for owner: Int32 in 0..<4 {
                            let alone = Array(bytes[start..<end]).withUnsafeBufferPointer {
                                table.find(owner: owner, $0)
                            }
                            #expect(table.find(owner: owner, in: bytes, start, end) == alone)
                        }
                    }
                }
            }
        }
    }

    @Test func segmentEndIsTheNextSlashOrTheEnd() {
        for buffer in Self.buffers {
            buffer.withUnsafeBufferPointer { bytes in
                for start in 0...bytes.count {
                    let expected = bytes[start...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
                    #expect(RouteIndex.segmentEnd(bytes, from: start) == expected, "from \(start) of \(bytes.count)")
                }
            }
        }
    }

    @Test func capturesAreFoundAcrossWordBoundaries() throws {
        let routes = try table(
            RouteSpec(name: "long", path: .template("/{a}/0123456789abcdef/{b}/*/{c}")),
            RouteSpec(name: "short", path: .template("/{x}")),
            RouteSpec(name: "tail", path: .template("/t/{id}/**"))
        )
        #expect(routes.captures("/a/0123456789abcdef/bb/x/c") == ["a=a", "b=bb", "c=c"])
        #expect(
            routes.captures("/abcdefghijklm/0123456789abcdef/é-ü/yyyyyyyyy/last-one")
                == ["a=abcdefghijklm", "b=é-ü", "c=last-one"]
        )
        #expect(routes.captures("/ab") == ["x=ab"])
        #expect(routes.captures("/abcdefghijklmnopq") == ["x=abcdefghijklmnopq"])
        #expect(routes.captures("/t/7") == ["id=7"])
        #expect(routes.captures("/t/12345678/a/b") == ["id=12345678"])
    }

    @Test func capturesBeyondTheThirtySecondSegment() throws {
        let literals = (0..<34).map { "s\($0)" }
        var deep = literals
        deep[1] = "{near}"
        deep[33] = "{far}"
        let routes = try table(
            RouteSpec(name: "deep", path: .template("/" + deep.joined(separator: "/"))),
            RouteSpec(name: "far-only", path: .template("/x/" + literals.dropLast().joined(separator: "/") + "/{far}")),
            RouteSpec(name: "at-31", path: .template("/y/" + literals.prefix(30).joined(separator: "/") + "/{last}/**"))
        )
        var request = literals
        request[1] = "one"
        request[33] = "thirty-three"
        #expect(routes.captures("/" + request.joined(separator: "/")) == ["near=one", "far=thirty-three"])
        let farPath = "/x/" + literals.dropLast().joined(separator: "/") + "/value"
        #expect(routes.captures(farPath) == ["far=value"])
        let path31 = "/y/" + literals.prefix(30).joined(separator: "/") + "/v/more"
        #expect(routes.captures(path31) == ["last=v"])
    }

    @Test func wildcardSuffixesOfShortAndLongHosts() throws {
        let routes = try table(
            RouteSpec(name: "io", hosts: hosts("*.io"), path: .prefix("/")),
            RouteSpec(name: "long", hosts: hosts("*.a-rather-long-suffix.io"), path: .prefix("/"))
        )
        #expect(routes.winner("/", host: "a.io") == "io")
        #expect(routes.winner("/", host: "abcdefghijklm.io") == "io")
        #expect(routes.winner("/", host: "x.a-rather-long-suffix.io") == "long")
        #expect(routes.winner("/", host: "a-rather-long-suffix.io") == "io")
        #expect(routes.winner("/", host: "io") == nil)
    }

    @Test func regexPrefixTakesOnlyWhatEveryMatchStartsWith() {
        let cases: [(String, String)] = [
            ("^/legacy/r19/(?<year>[0-9]{4})/(?<slug>[a-z-]+)$", "/legacy/r19"),
            ("^/users/(?<id>[0-9]+)$", "/users"),
            ("^/users", "/users"),
            ("^/users$", "/users"),
            ("^/ab?c", "/a"),
            ("^/ab??c", "/a"),
            ("^/ab*", "/a"),
            ("^/ab+", "/a"),
            ("^/ab{2}", "/a"),
            ("^/ab{0,}", "/a"),
            ("^/a.b", "/"),
            ("^/a\\/b", "/"),
            ("^/api|^/v2", ""),
            ("^/a(b|c)", ""),
            ("/a", ""),
            ("(?i)^/abc", ""),
            ("^(?i)/abc", ""),
            ("^/Kelvin", ""),
            ("^/oK", "/"),
            ("^/a;b", "/"),
            ("^/a`b", "/"),
            ("^/é", ""),
            // The last character may combine with what follows: `e` + U+0301 is `é`.
            ("^/cafe\\u{301}", "/caf"),
            ("^/cafe\\x{301}", "/caf"),
            ("^/cafe\u{301}", "/caf"),
            ("^", ""),
        ]
        for (pattern, prefix) in cases {
            #expect(RegexPrefix.required(by: pattern) == Array(prefix.utf8), "\(pattern)")
        }
    }

    @Test func aRegexWhoseLastLiteralCombinesWithAMarkStillMatches() throws {
        // `/café` with é as one character matches `^/cafe\u{301}` (Swift compares characters).
        let pattern = "^/cafe\\u{301}$"
        let path = "/caf\u{E9}"
        #expect(try Regex(pattern).wholeMatch(in: path) != nil)
        let prefix = RegexPrefix.required(by: pattern)
        #expect(Array(path.utf8).starts(with: prefix), "prefix \(String(decoding: prefix, as: UTF8.self))")
    }

    @Test func regexRoutesSkippedByPrefixGiveTheSameResults() throws {
        let routes = try table(
            RouteSpec(name: "year", path: .regex("^/legacy/(?<year>[0-9]{4})$"), methods: HTTPMethodSet([.GET])),
            RouteSpec(name: "kelvin", path: .regex("^/K/x")),
            RouteSpec(name: "either", path: .regex("^/one|^/two")),
            RouteSpec(name: "optional", path: .regex("^/ab?c$"))
        )
        #expect(routes.captures("/legacy/2024") == ["year=2024"])
        #expect(routes.winner("/legacy/24") == nil)
        #expect(routes.winner("/legac") == nil)
        #expect(routes.winner("/other/2024") == nil)
        // A method failure is still a 405 when the prefix holds, and a 404 when it does not.
        #expect(
            routes.checkedLookup(routeQuery("/legacy/2024", method: .POST))
                == .methodNotAllowed(allowed: HTTPMethodSet([.GET])))
        #expect(routes.checkedLookup(routeQuery("/legacx/2024", method: .POST)) == .notFound)
        #expect(routes.winner("/K/x") == "kelvin")
        // KELVIN SIGN: whatever the regex engine says, the lookup says the same as `explain`.
        _ = routes.checkedLookup(routeQuery("/\u{212A}/x"))
        #expect(routes.winner("/two") == "either")
        #expect(routes.winner("/ac") == "optional")
        #expect(routes.winner("/abc") == "optional")
    }
}
