/// Suggests the closest known name for a near-miss, so an error can say "did you mean".
package enum DidYouMean {
    /// The candidate closest to `value` if it is close enough to be a plausible typo.
    ///
    /// Comparison ignores case and white space; "close enough" is an edit distance of at most
    /// a third of the longer name (at least 1), or one name containing the other.
    package static func suggestion(for value: String, among candidates: some Sequence<String>) -> String? {
        let needle = fold(value)
        guard !needle.isEmpty else { return nil }
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let folded = fold(candidate)
            if folded == needle { return candidate }
            let distance = editDistance(Array(needle.utf8), Array(folded.utf8))
            let limit = max(1, max(needle.utf8.count, folded.utf8.count) / 3)
            let contains =
                folded.count >= 3 && needle.count >= 3 && (folded.contains(needle) || needle.contains(folded))
            guard distance <= limit || contains else { continue }
            if distance < best?.distance ?? .max { best = (candidate, distance) }
        }
        return best?.name
    }

    /// `" (did you mean \"X\"?)"` or the empty string.
    package static func hint(for value: String, among candidates: some Sequence<String>) -> String {
        guard let match = suggestion(for: value, among: candidates) else { return "" }
        return " (did you mean \"\(match)\"?)"
    }

    private static func fold(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { !$0.properties.isWhitespace && $0 != "-" && $0 != "_" })
    }

    /// Levenshtein distance over bytes; names are short, so the O(n·m) table is cheap.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
