/// Writes one TFTP config file per device of a committed job, on all cores.
package enum ConfigEmitter {
    /// Reads the job's devices from the store a page at a time and writes their files in parallel.
    ///
    /// - Returns: the number of files written.
    package static func emit(store: any Store, cluster: ClusterConfig, jobID: Int64, directory: String, jobs: Int)
        async throws -> Int
    {
        let writer = TFTPConfigWriter()
        let renderer = ConfigRenderer()
        let jobs = max(1, jobs)
        let pageSize = 2048
        var written = 0
        var page = try await store.jobDevices(jobID: jobID, afterLine: 0, limit: pageSize)
        while let last = page.last {
            // The next page is read while this one is written, so the cores do not wait on SQLite.
            let next =
                page.count < pageSize
                ? nil : Task { try await store.jobDevices(jobID: jobID, afterLine: last.line, limit: pageSize) }
            written += try await inParallel(page.map(\.device), jobs: jobs) { device in
                _ = try writer.write(
                    PhoneConfig(device: device, cluster: cluster), toDirectory: directory, renderer: renderer)
                return true
            }
            page = try await next?.value ?? []
        }
        return written
    }

    /// Brings the config files in line with committed job `jobID`'s rows (`update`, `delete`, `undo`):
    /// the files of devices it created or changed are written, those of devices it found unchanged
    /// only when missing or stale (the others stay byte for byte and untouched), and those of devices
    /// it removed or renamed are removed.
    ///
    /// - Returns: the numbers of files written and removed, and the names of the devices the job removed.
    package static func emitChanges(
        store: any Store, cluster: ClusterConfig, jobID: Int64, directory: String, jobs: Int
    ) async throws -> (written: Int, removed: Int, removedDevices: Set<String>) {
        let writer = TFTPConfigWriter()
        let renderer = ConfigRenderer()
        let jobs = max(1, jobs)
        let pageSize = 2048
        var written = 0
        var removed = 0
        var removedDevices = Set<String>()
        var after = 0
        while true {
            let page = try await store.jobEffects(jobID: jobID, afterLine: after, limit: pageSize)
            guard let last = page.last else { break }
            after = last.line
            for effect in page {
                if effect.device == nil, let name = effect.removedName { removedDevices.insert(name) }
                if let name = effect.removedName, name != effect.device?.name,
                    try TFTPConfigWriter.remove(deviceName: name, fromDirectory: directory)
                {
                    removed += 1
                }
            }
            // Changed or not, a file that already holds its bytes is left alone: a change the file does
            // not carry (a description, a partition) rewrites nothing, and a file a killed job left stale
            // is written.
            written += try await inParallel(page.compactMap(\.device), jobs: jobs) { device in
                try writer.writeIfChanged(
                    PhoneConfig(device: device, cluster: cluster), toDirectory: directory, renderer: renderer)
            }
        }
        return (written, removed, removedDevices)
    }

    /// Runs `body` on every device, about four slices per core with at most `jobs` at once, and counts
    /// the devices it returned true for.
    private static func inParallel(
        _ devices: [StoredDevice], jobs: Int, _ body: @escaping @Sendable (StoredDevice) throws -> Bool
    ) async throws -> Int {
        let sliceSize = max(1, (devices.count + jobs * 4 - 1) / (jobs * 4))
        var total = 0
        try await withThrowingTaskGroup(of: Int.self) { group in
            var start = 0
            func add() {
                let slice = Array(devices[start..<min(start + sliceSize, devices.count)])
                start += sliceSize
                group.addTask {
                    var count = 0
                    for device in slice where try body(device) { count += 1 }
                    return count
                }
            }
            for _ in 0..<jobs where start < devices.count { add() }
            for try await count in group {
                total += count
                if start < devices.count { add() }
            }
        }
        return total
    }
}
