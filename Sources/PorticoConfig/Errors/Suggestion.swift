/// "Did you mean" suggestions for misspelled keys and keywords.
enum Suggestion {
    /// The candidate closest to `word` by edit distance, if it is close enough to be a likely
    /// typo (`path_prefx` → `path_prefix`, `maxBody` → `max_body`), else nil.
    static func closest(to word: String, among candidates: some Collection<String>) -> String? {
        // Every dangling reference asks once; against thousands of names that would add up.
        guard candidates.count <= 1000 else { return nil }
        // Short words are one or two edits from anything short; only allow one edit there.
        let limit = word.count <= 3 ? 1 : max(2, word.count / 3)
        let lowered = Array(word.lowercased().unicodeScalars)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != word {
            // Cheap length check first (no allocation): most candidates end here.
            let lengthGap = abs(candidate.unicodeScalars.count - lowered.count)
            guard lengthGap <= limit || lowered.count >= 3 else { continue }
            let other = Array(candidate.lowercased().unicodeScalars)
            // A shortened or extended word (`warn` → `warning`) is a likely slip at any distance.
            let isPrefix =
                min(lowered.count, other.count) >= 3 && (other.starts(with: lowered) || lowered.starts(with: other))
            // The distance is at least the difference in length: skip the work when that is too much.
            guard isPrefix || abs(other.count - lowered.count) <= limit else { continue }
            let distance = self.editDistance(lowered, other)
            guard (distance <= limit && distance < lowered.count) || isPrefix else { continue }
            if best == nil || distance < best!.distance || (distance == best!.distance && candidate < best!.candidate) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// ` (did you mean 'x'?)` or the empty string.
    static func didYouMean(_ word: String, among candidates: some Collection<String>) -> String {
        guard let match = self.closest(to: word, among: candidates) else { return "" }
        return " (did you mean '\(match)'?)"
    }

    /// Levenshtein distance between two strings.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        self.editDistance(Array(lhs.unicodeScalars), Array(rhs.unicodeScalars))
    }

    /// Levenshtein distance over Unicode scalars, O(n·m) on one row. Inputs are capped at 64
    /// scalars so that a hostile key cannot make this slow.
    private static func editDistance(_ lhs: [Unicode.Scalar], _ rhs: [Unicode.Scalar]) -> Int {
        let a = lhs.prefix(64)
        let b = Array(rhs.prefix(64))
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // `row[j]` is the distance from the prefix of `a` seen so far to `b[..<j]`;
        // `diagonal` keeps the previous row's value at `j - 1`.
        var row = Array(0...b.count)
        for (i, scalar) in a.enumerated() {
            var diagonal = row[0]
            row[0] = i + 1
            for j in 1...b.count {
                let above = row[j]
                row[j] = min(above + 1, row[j - 1] + 1, diagonal + (scalar == b[j - 1] ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }

    /// `a, b, c` for hints listing valid choices; long lists are cut short.
    static func list(_ words: some Collection<String>) -> String {
        let limit = 20
        guard words.count > limit else { return words.joined(separator: ", ") }
        return words.prefix(limit).joined(separator: ", ") + " and \(words.count - limit) more"
    }
}
