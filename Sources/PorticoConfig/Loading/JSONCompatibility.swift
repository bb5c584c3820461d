import Foundation

/// Makes valid JSON acceptable to libyaml without moving any line or column.
///
/// YAML 1.2 is a superset of JSON, but libyaml rejects two things valid JSON may contain:
/// a tab where YAML expects indentation (before the first `{`, or on a line after the last
/// `}`), and `\uD83D\uDE00`-style surrogate-pair escapes. Only text that really is JSON (it
/// parses with `JSONSerialization`) is touched, so YAML documents are never rewritten.
enum JSONCompatibility {
    /// `text` with tabs outside strings made spaces and surrogate escapes rewritten, when it is
    /// JSON; otherwise `text` unchanged.
    static func prepare(_ text: String) -> String {
        guard self.looksLikeJSON(text), (try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil else {
            return text
        }
        return self.rewrite(text)
    }

    private static func looksLikeJSON(_ text: String) -> Bool {
        let first = text.unicodeScalars.first { !$0.properties.isWhitespace }
        return first == "{" || first == "["
    }

    private static func rewrite(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var inString = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if !inString {
                // libyaml counts a tab as one column, so a space keeps every position.
                output.append(scalar == "\t" ? " " : scalar)
                if scalar == "\"" { inString = true }
                index += 1
                continue
            }
            if scalar == "\"" {
                inString = false
                output.append(scalar)
                index += 1
            } else if scalar == "\\", index + 1 < scalars.count {
                if scalars[index + 1] == "u", let (replacement, consumed) = self.unicodeEscape(scalars, at: index) {
                    output.append(contentsOf: replacement.unicodeScalars)
                    index += consumed
                } else {
                    output.append(scalar)
                    output.append(scalars[index + 1])
                    index += 2
                }
            } else {
                output.append(scalar)
                index += 1
            }
        }
        return String(output)
    }

    /// A YAML escape for a `\uXXXX` surrogate at `index`: a pair becomes `\UXXXXXXXX` (two
    /// columns shorter: the rest of that line shifts left by two in error positions), a lone
    /// surrogate becomes `\uFFFD` (same length). Nil for ordinary escapes, which pass as they are.
    private static func unicodeEscape(_ scalars: [Unicode.Scalar], at index: Int) -> (String, Int)? {
        guard let high = self.hexValue(scalars, from: index + 2), (0xD800...0xDFFF).contains(high) else { return nil }
        if (0xD800...0xDBFF).contains(high), index + 11 < scalars.count, scalars[index + 6] == "\\",
            scalars[index + 7] == "u", let low = self.hexValue(scalars, from: index + 8),
            (0xDC00...0xDFFF).contains(low)
        {
            let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            let hex = String(combined, radix: 16, uppercase: true)
            return ("\\U" + String(repeating: "0", count: 8 - hex.count) + hex, 12)
        }
        return ("\\uFFFD", 6)
    }

    private static func hexValue(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        guard start + 4 <= scalars.count else { return nil }
        var value = 0
        for scalar in scalars[start..<(start + 4)] {
            guard let digit = Int(String(scalar), radix: 16) else { return nil }
            value = value * 16 + digit
        }
        return value
    }
}
