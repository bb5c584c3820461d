/// The literal start of a path regex, so that route lookups skip running a regex on a path
/// that cannot match it.
///
/// Only what is certain is taken: the pattern starts with `^` (the start of the path; no
/// option can come before it) and contains no `|` anywhere (an alternation could make the
/// anchor or the prefix optional); then the longest run of plain characters after `^`. Unless
/// the run ends the pattern (or only `$` follows), its last character is dropped: whatever
/// comes next (a quantifier, `.`, a group, a class, an escape such as `\u{301}`, a raw
/// non-ASCII character) could make it optional or, since Swift's `Regex` compares whole
/// characters, combine with it into a different character (`e` + U+0301 matches `é`). Plain
/// means ASCII letters, digits, `/`, `_` and `-`, except `K` (canonically equivalent to the
/// KELVIN SIGN, U+212A; left out to be safe). So every path the regex matches starts with
/// these bytes; the converse is not claimed (the regex still runs on paths that have them).
enum RegexPrefix {
    /// The bytes every matching path starts with; empty when the pattern does not say.
    static func required(by pattern: String) -> [UInt8] {
        let bytes = Array(pattern.utf8)
        guard bytes.first == UInt8(ascii: "^"), !bytes.contains(UInt8(ascii: "|")) else { return [] }
        var prefix: [UInt8] = []
        var index = 1
        while index < bytes.count && Self.isPlain(bytes[index]) {
            prefix.append(bytes[index])
            index += 1
        }
        let endsPattern = index == bytes.count || (index == bytes.count - 1 && bytes[index] == UInt8(ascii: "$"))
        if !endsPattern && !prefix.isEmpty { prefix.removeLast() }
        return prefix
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "K"): false
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}
