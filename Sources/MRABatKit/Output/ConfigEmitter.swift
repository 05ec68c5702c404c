/// Writes one TFTP config file per device of a committed job, on all cores.
package enum ConfigEmitter {
    /// Reads the job's devices from the store a page at a time and writes their files in parallel.
    ///
    /// - Returns: the number of files written.
    package static func emit(store: any Store, cluster: ClusterConfig, jobID: Int64, directory: String, jobs: Int)
        async throws -> Int
    {
        LibXML2.initialize()
        let writer = TFTPConfigWriter()
        let jobs = max(1, jobs)
        let pageSize = 2048
        var written = 0
        var page = try await store.jobDevices(jobID: jobID, afterLine: 0, limit: pageSize)
        while let last = page.last {
            // The next page is read while this one is written, so the cores do not wait on SQLite.
            let next =
                page.count < pageSize
                ? nil : Task { try await store.jobDevices(jobID: jobID, afterLine: last.line, limit: pageSize) }
            let devices = page.map(\.device)
            let sliceSize = max(1, (devices.count + jobs * 4 - 1) / (jobs * 4))
            try await withThrowingTaskGroup(of: Int.self) { group in
                var start = 0
                func add() {
                    let slice = Array(devices[start..<min(start + sliceSize, devices.count)])
                    start += sliceSize
                    group.addTask {
                        for device in slice {
                            _ = try writer.write(PhoneConfig(device: device, cluster: cluster), toDirectory: directory)
                        }
                        return slice.count
                    }
                }
                for _ in 0..<jobs where start < devices.count { add() }
                for try await count in group {
                    written += count
                    if start < devices.count { add() }
                }
            }
            page = try await next?.value ?? []
        }
        return written
    }
}
