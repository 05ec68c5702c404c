/// Names devices: the row's own `DEVICE NAME` when it gives one, else `SEP<MAC>` when the MAC is
/// known, else `BAT` + 12 random uppercase hex digits.
///
/// Random names come from OpenSSL's CSPRNG. Uniqueness is enforced against the store (asked once per
/// batch, and by its unique index) and the batch: the namer remembers what it handed out since the
/// last two calls of ``forgetWritten()``, which the job makes once a chunk's names are in the store.
package struct DeviceNamer {
    private var issued = RecentWindow<String, Bool>()

    package init() {}

    /// Names every draft: its requested name (a `BAT…` name kept from the file, or its `SEP…` name),
    /// `SEP<MAC>` for those with a MAC, a fresh `BAT…` name for the others.
    ///
    /// Requested names are remembered too, so that no fresh name repeats one (the reconciler has
    /// already rejected a requested name the store has for another device).
    /// - Parameter taken: which of the given names the store already has.
    package mutating func name(_ drafts: inout [DeviceDraft], taken: ([String]) async throws -> Set<String>)
        async throws
    {
        for index in drafts.indices {
            guard let given = drafts[index].requestedName else { continue }
            if drafts[index].mac == nil { drafts[index].name = given }
            issued.insert(given, true)
        }
        let unnamed = drafts.indices.filter { drafts[$0].mac == nil && drafts[$0].requestedName == nil }
        let names = try await dummyNames(count: unnamed.count, taken: taken)
        for (index, name) in zip(unnamed, names) { drafts[index].name = name }
        for index in drafts.indices {
            if let requested = drafts[index].requestedName {
                drafts[index].name = requested
            } else if let mac = drafts[index].mac {
                drafts[index].name = mac.deviceName
            }
        }
    }

    /// `count` fresh `BAT…` names at once: random bytes drawn in one call, the store asked once.
    package mutating func dummyNames(count: Int, taken: ([String]) async throws -> Set<String>) async throws
        -> [String]
    {
        var names: [String] = []
        names.reserveCapacity(count)
        while names.count < count {
            let missing = count - names.count
            let bytes = try SecureRandom.bytes(missing * 6)
            var candidates: [String] = []
            candidates.reserveCapacity(missing)
            for start in stride(from: 0, to: bytes.count, by: 6) {
                let name = "BAT" + Hex.encode(bytes[start..<start + 6], uppercase: true)
                if issued[name] == nil {
                    issued.insert(name, true)
                    candidates.append(name)
                }
            }
            let inStore = try await taken(candidates)
            for name in candidates {
                if inStore.contains(name) { issued.remove(name) } else { names.append(name) }
            }
        }
        return names
    }

    /// Forgets the names of the generation before the last: by now the store has them.
    package mutating func forgetWritten() { issued.rotate() }

    /// Whether `name` is a BAT dummy name (`BAT` + 12 uppercase hex).
    package static func isDummyName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 15, name.hasPrefix("BAT") else { return false }
        return bytes[3...].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) }
    }
}
