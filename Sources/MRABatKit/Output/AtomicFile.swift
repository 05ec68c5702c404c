import CSystemCalls
import Glibc
import Synchronization

/// One-call atomic file writes; see ``AtomicFileWriter`` for how and why.
package enum AtomicFile {
    /// Writes `bytes` to `path` through a temporary file and a rename.
    ///
    /// - Parameters:
    ///   - mode: Permission bits the file has from creation on (subject to the umask).
    ///   - durable: `fsync` the file and its directory, so a power cut cannot lose a file that was
    ///     reported written.
    /// - Throws: ``MRABatError`` `.io` naming `path`; nothing is left behind on failure.
    ///   - unnamed: Write an unnamed file (`O_TMPFILE`) and link it in (see ``writeUnnamed(_:to:mode:durable:)``);
    ///     false, or a file system without `O_TMPFILE`, uses a named temporary file and a rename.
    package static func write(
        _ bytes: [UInt8], to path: String, mode: mode_t = 0o644, durable: Bool = false, unnamed: Bool = true
    ) throws {
        if unnamed, try writeUnnamed(bytes, to: path, mode: mode, durable: durable) { return }
        let writer = try AtomicFileWriter(path: path, mode: mode, bufferSize: 1)
        try writer.write(bytes)
        try writer.commit(durable: durable)
    }

    /// Writes `bytes` to an unnamed file in `path`'s directory (`O_TMPFILE`) and links it in as `path`.
    ///
    /// The file appears complete or not at all, as with a rename, but no temporary name is created
    /// and removed, so the directory is changed once instead of three times and a killed process
    /// leaves nothing behind. When `path` exists, the file is linked in under a temporary name and
    /// renamed over it.
    /// - Returns: false, having written nothing, when the file system or kernel has no `O_TMPFILE`
    ///   or `/proc/self/fd` (the caller then uses a named temporary file).
    static func writeUnnamed(_ bytes: [UInt8], to path: String, mode: mode_t, durable: Bool) throws -> Bool {
        let (directory, _) = AtomicFileWriter.split(path)
        let dir = directory.isEmpty ? "." : directory
        var fd: Int32
        repeat { fd = csystem_open_tmpfile(dir, UInt32(mode)) } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT {
                throw AtomicFileWriter.error(code, path, "cannot create the file: directory \(dir) does not exist")
            }
            if code == EOPNOTSUPP || code == EISDIR || code == EINVAL { return false }
            throw AtomicFileWriter.error(code, path, "cannot create a temporary file in \(dir)")
        }
        defer { close(fd) }
        try AtomicFileWriter.writeAll(fd, bytes, path)
        if durable, fsync(fd) != 0 { throw AtomicFileWriter.error(errno, path, "cannot sync the file to disk") }
        let code = link(fd, as: path)
        if code != 0 {
            if code == ENOENT { return false }  // no /proc: nothing was linked
            guard code == EEXIST else { throw AtomicFileWriter.error(code, path, "cannot link the file into place") }
            // Replacing a file: link under a fresh temporary name, then rename over the old one.
            let temporary = try AtomicFileWriter.temporaryName(for: path) { candidate in
                let code = link(fd, as: candidate)
                errno = code
                return code == 0 ? 0 : -1
            }
            if rename(temporary, path) != 0 {
                let code = errno
                unlink(temporary)
                throw AtomicFileWriter.error(code, path, "cannot rename \(temporary) into place")
            }
        }
        if durable { try syncDirectory(of: path) }
        return true
    }

    /// Whether `linkat(2)` with `AT_EMPTY_PATH` works here; cleared by the first refusal.
    private static let linksByDescriptor = Atomic<Bool>(true)

    /// Gives the unnamed file `fd` the name `path`: by its descriptor where the kernel allows that
    /// (`csystem_link_fd`), else through `/proc/self/fd/N`, whose lookup cost ~4 µs
    /// more per file (~10 % of a file's system time, measured with a C loop of `O_TMPFILE`
    /// files, 2 KB each, on this machine's ext4).
    /// - Returns: 0, or the `errno` of the failure (`ENOENT` also when there is no `/proc`).
    private static func link(_ fd: Int32, as path: String) -> Int32 {
        if linksByDescriptor.load(ordering: .relaxed) {
            if csystem_link_fd(fd, path) == 0 { return 0 }
            let code = errno
            if code == EPERM || code == EINVAL {
                linksByDescriptor.store(false, ordering: .relaxed)
            } else if code != ENOENT {
                return code
            }
        }
        return linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 ? 0 : errno
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
