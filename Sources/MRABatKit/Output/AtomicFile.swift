#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
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
}
