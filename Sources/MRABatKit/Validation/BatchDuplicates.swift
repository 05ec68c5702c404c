/// Rows of one file that describe the same phone: the second and later are rejected, naming the first.
///
/// Keys are compared by value (``NaturalKey``, never a hash), so two distinct rows are never mistaken
/// for one. Only the rows not yet written are remembered (``forgetWritten()`` once a chunk is in the
/// job's transaction); older ones are found in the store as this job's own rows, by
/// ``StoreReconciler``. That keeps memory bounded by the chunk, not the file.
struct BatchDuplicates {
    private var firstLines = RecentWindow<NaturalKey, Int>()
    /// Rows by their `DEVICE NAME`: two rows naming one device are one device described twice.
    private var firstNames = RecentWindow<String, Int>()

    /// An earlier row that describes the same device.
    struct Earlier: Equatable {
        var line: Int
        /// It has the same `DEVICE NAME` (and another natural key).
        var byName: Bool
    }

    /// The line that first had `draft`'s key (or its `DEVICE NAME`), if an earlier unwritten row had
    /// it; otherwise remembers `draft` as the first.
    mutating func firstLine(of draft: DeviceDraft) -> Earlier? {
        let key = draft.naturalKey
        if let first = firstLines[key] { return Earlier(line: first, byName: false) }
        if let name = draft.requestedName, let first = firstNames[name] { return Earlier(line: first, byName: true) }
        firstLines.insert(key, draft.sourceLine)
        if let name = draft.requestedName { firstNames.insert(name, draft.sourceLine) }
        return nil
    }

    /// Forgets the rows of the chunk before the last: by now the job's transaction has them.
    mutating func forgetWritten() {
        firstLines.rotate()
        firstNames.rotate()
    }
}
