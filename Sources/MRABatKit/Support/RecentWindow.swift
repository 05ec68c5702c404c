/// A map that remembers only the last two generations of keys.
///
/// The insert pipeline keeps in-file duplicates and handed-out names in memory only for the chunks
/// not yet written; older ones are in the job's transaction, where the store finds them. That keeps
/// memory bounded by the chunk, not the file. (`validate` writes nothing, so it never rotates.)
struct RecentWindow<Key: Hashable, Value> {
    private var current: [Key: Value] = [:]
    private var previous: [Key: Value] = [:]

    subscript(key: Key) -> Value? {
        current[key] ?? previous[key]
    }

    mutating func insert(_ key: Key, _ value: Value) {
        current[key] = value
    }

    mutating func remove(_ key: Key) {
        current[key] = nil
        previous[key] = nil
    }

    /// Starts a new generation; the oldest one is forgotten.
    mutating func rotate() {
        previous = current
        current.removeAll(keepingCapacity: true)
    }
}
