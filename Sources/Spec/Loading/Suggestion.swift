/// "Did you mean …?" for misspelt keys.
enum Suggestion {
    /// The known key closest to `word`, if it is close enough to be what was meant: the same
    /// word in another case or with `_`/`-`, a prefix (`prod`), or within a small edit distance.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let folded = fold(word)
        guard !folded.isEmpty else { return nil }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let target = fold(candidate)
            if target == folded { return candidate }
            if folded.count >= 3, target.hasPrefix(folded) || folded.hasPrefix(target) {
                best = best.map { $0.distance <= 1 ? $0 : (candidate, 1) } ?? (candidate, 1)
                continue
            }
            let limit = target.count >= 5 ? 2 : 1
            let distance = editDistance(Array(folded), Array(target), limit: limit)
            if distance <= limit, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    private static func fold(_ word: String) -> String {
        String(word.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions), giving up
    /// early past `limit` because keys from hostile input may be long.
    private static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
