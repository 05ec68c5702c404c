import Glibc

/// Writes a file so that it appears under its final name complete or not at all.
///
/// The bytes go to a temporary file in the destination's own directory (so `rename(2)` is atomic),
/// created with `O_CREAT | O_EXCL` and the final mode from the start: a file meant to be 0600 is
/// never readable by others, not even for a moment. ``commit(durable:)`` renames it into place; a
/// writer that is dropped without committing removes its temporary file, so an error anywhere in
/// between leaves the directory as it was.
///
/// ```swift
/// let out = try AtomicFileWriter(path: "out/activation-codes.csv", mode: 0o600)
/// for row in rows { try out.write(row) }
/// try out.commit(durable: true)
/// ```
///
/// Not `Sendable`: one task owns one writer.
package final class AtomicFileWriter {
    /// The final path.
    package let path: String
    /// The temporary file, `.<name>.tmp.<random>` next to ``path``.
    package let temporaryPath: String

    private var fd: Int32
    private var buffer: [UInt8] = []
    private let bufferCapacity: Int
    private var state = State.open

    private enum State { case open, committed, abandoned }

    /// Creates the temporary file.
    ///
    /// - Parameters:
    ///   - path: Where the file will appear on ``commit(durable:)``. An existing file is replaced.
    ///   - mode: Permission bits of the new file, as modified by the process umask (as `open(2)`).
    ///   - bufferSize: Bytes collected before a `write(2)`.
    /// - Throws: ``MRABatError`` `.io` naming the path, e.g. when the directory does not exist.
    package init(path: String, mode: mode_t = 0o644, bufferSize: Int = 64 * 1024) throws {
        self.path = path
        self.bufferCapacity = max(bufferSize, 1)
        var fd: Int32 = -1
        self.temporaryPath = try Self.temporaryName(for: path) { candidate in
            fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            return fd
        }
        self.fd = fd
    }

    /// Creates `.<name>.tmp.<random>` next to `path` with `create` (which returns -1 and sets
    /// `errno` on failure), retrying on a clash, and returns the name it created.
    static func temporaryName(for path: String, _ create: (String) -> Int32) throws -> String {
        let (directory, name) = split(path)
        var attempt = 0
        while true {
            // 64 random bits make a clash all but impossible; O_EXCL makes one harmless (we retry).
            let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
            let candidate = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp.\(suffix)"
            if create(candidate) >= 0 { return candidate }
            let code = errno
            attempt += 1
            if code == EINTR || (code == EEXIST && attempt < 8) { continue }
            throw error(
                code, path,
                code == ENOENT
                    ? "cannot create the file: directory \(directory.isEmpty ? "." : directory) does not exist"
                    : "cannot create a temporary file in \(directory.isEmpty ? "." : directory)")
        }
    }

    deinit {
        if state == .open { abandon() }
    }

    /// Appends bytes; they reach the file when the buffer fills or on ``commit(durable:)``.
    package func write(_ bytes: some Collection<UInt8>) throws {
        precondition(state == .open, "AtomicFileWriter.write after commit or abandon")
        if buffer.count + bytes.count > bufferCapacity {
            try flush()
        }
        if bytes.count >= bufferCapacity {
            // Large writes skip the buffer: one copy fewer.
            let done: Void? = try bytes.withContiguousStorageIfAvailable { try writeAll($0) }
            if done != nil { return }
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= bufferCapacity { try flush() }
    }

    /// Appends the UTF-8 bytes of `text`.
    package func write(_ text: String) throws {
        try write(text.utf8)
    }

    /// Writes what is buffered, optionally syncs, and renames the file into place.
    ///
    /// - Parameter durable: `fsync` the file before the rename and its directory after it, so that
    ///   after a power cut the file is either absent or complete (needed for outputs that must not
    ///   run ahead of the store; costs milliseconds per file on most disks).
    /// - Throws: ``MRABatError`` `.io`; the temporary file is removed and nothing appears at ``path``.
    package func commit(durable: Bool) throws {
        precondition(state == .open, "AtomicFileWriter.commit after commit or abandon")
        do {
            try flush()
            if durable, fsync(fd) != 0 {
                throw Self.error(errno, path, "cannot sync the file to disk")
            }
            let rc = close(fd)
            fd = -1
            if rc != 0 { throw Self.error(errno, path, "cannot close the file") }
            if rename(temporaryPath, path) != 0 {
                throw Self.error(errno, path, "cannot rename \(temporaryPath) into place")
            }
            state = .committed
        } catch {
            abandon()
            throw error
        }
        if durable {
            // The rename is only durable once the directory entry is; the file is in place either way.
            try AtomicFile.syncDirectory(of: path)
        }
    }

    /// Closes and removes the temporary file; the final path is left untouched. Idempotent.
    package func abandon() {
        guard state == .open else { return }
        state = .abandoned
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(temporaryPath)
        buffer = []
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBufferPointer { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        try Self.writeAll(fd, bytes, path)
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and `EINTR`; errors name `path`.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws {
        try bytes.withUnsafeBufferPointer { try writeAll(fd, $0, path) }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>, _ path: String) throws {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let n = Glibc.write(fd, base, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                throw error(errno, path, "cannot write the file")
            }
            base += n
            remaining -= n
        }
    }

    /// `("a/b", "c")` for `"a/b/c"`, `("", "c")` for `"c"`, `("/", "c")` for `"/c"`.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        return (directory, String(path[path.index(after: slash)...]))
    }

    static func error(_ code: Int32, _ path: String, _ message: String) -> MRABatError {
        MRABatError(.io, message, at: SourceLocation(file: path), cause: String(cString: strerror(code)))
    }
}
