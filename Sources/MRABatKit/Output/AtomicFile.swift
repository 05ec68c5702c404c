#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

#if os(Linux)
    // Glibc declares syncfs(2) only under _GNU_SOURCE, which the Swift overlay does not set; the
    // symbol itself has been in glibc since 2.14.
    @_silgen_name("syncfs")
    private func linuxSyncfs(_ fd: Int32) -> Int32
#endif

/// One-call atomic file writes; see ``AtomicFileWriter`` for how and why.
public enum AtomicFile {
    /// Writes `bytes` to `path` through a temporary file and a rename.
    ///
    /// - Parameters:
    ///   - mode: Permission bits the file has from creation on (subject to the umask).
    ///   - durable: `fsync` the file and its directory, so a power cut cannot lose a file that was
    ///     reported written.
    /// - Throws: ``MRABatError`` `.io` naming `path`; nothing is left behind on failure.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, durable: Bool = false) throws {
        let writer = try AtomicFileWriter(path: path, mode: mode, bufferSize: 1)
        try writer.write(bytes)
        try writer.commit(durable: durable)
    }

    /// Streams a file to `path`: `body` writes through the given writer, then it is committed.
    ///
    /// If `body` throws, the temporary file is removed and the error is rethrown.
    public static func write(
        to path: String, mode: mode_t = 0o644, durable: Bool = false, _ body: (AtomicFileWriter) throws -> Void
    ) throws {
        let writer = try AtomicFileWriter(path: path, mode: mode)
        do {
            try body(writer)
        } catch {
            writer.abandon()
            throw error
        }
        try writer.commit(durable: durable)
    }

    /// Flushes everything written to the file system that holds `path` (`syncfs(2)`; `sync()` where
    /// that does not exist).
    ///
    /// One call after writing many files non-durably gives the same guarantee as writing each one
    /// `durable: true`, at the cost of one flush instead of two `fsync`s per file.
    /// - Throws: ``MRABatError`` `.io` if `path` cannot be opened or the flush fails.
    public static func syncFileSystem(containing path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileWriter.error(errno, path, "cannot open to sync its file system") }
        defer { close(fd) }
        #if os(Linux)
            if linuxSyncfs(fd) != 0 { throw AtomicFileWriter.error(errno, path, "cannot sync its file system") }
        #else
            sync()
        #endif
    }
}
