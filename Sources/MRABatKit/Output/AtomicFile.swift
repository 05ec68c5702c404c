import CSystemCalls
import Glibc

/// One-call atomic file writes; see ``AtomicFileWriter`` for how and why.
package enum AtomicFile {
    /// Writes `bytes` to `path` through a temporary file and a rename.
    ///
    /// - Parameters:
    ///   - mode: Permission bits the file has from creation on (subject to the umask).
    ///   - durable: `fsync` the file and its directory, so a power cut cannot lose a file that was
    ///     reported written.
    /// - Throws: ``MRABatError`` `.io` naming `path`; nothing is left behind on failure.
    package static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, durable: Bool = false) throws {
        let writer = try AtomicFileWriter(path: path, mode: mode, bufferSize: 1)
        try writer.write(bytes)
        try writer.commit(durable: durable)
    }

    /// Streams a file to `path`: `body` writes through the given writer, then it is committed.
    ///
    /// If `body` throws, the temporary file is removed and the error is rethrown.
    package static func write(
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

    /// Flushes the directory entry of `path` (`fsync(2)` on its directory), so that a file just
    /// created or renamed there survives a power cut. The one directory flush of the package.
    /// - Throws: ``MRABatError`` `.io` naming `path` if the directory cannot be opened or flushed.
    static func syncDirectory(of path: String) throws {
        let (directory, _) = AtomicFileWriter.split(path)
        let dir = directory.isEmpty ? "." : directory
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw AtomicFileWriter.error(errno, path, "cannot open directory \(dir) to sync it") }
        defer { close(dfd) }
        if fsync(dfd) != 0 { throw AtomicFileWriter.error(errno, path, "cannot sync directory \(dir)") }
    }

    /// Flushes everything written to the file system that holds `path` (`syncfs(2)`).
    ///
    /// One call after writing many files non-durably gives the same guarantee as writing each one
    /// `durable: true`, at the cost of one flush instead of two `fsync`s per file.
    /// - Throws: ``MRABatError`` `.io` if `path` cannot be opened or the flush fails.
    package static func syncFileSystem(containing path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileWriter.error(errno, path, "cannot open to sync its file system") }
        defer { close(fd) }
        if syncfs(fd) != 0 { throw AtomicFileWriter.error(errno, path, "cannot sync its file system") }
    }
}
