import Glibc

/// A ``ByteSource`` reading a file with POSIX `read(2)`, at most `chunkSize` bytes at a time.
///
/// It owns its file descriptor and closes it when it goes away. A class, not a struct, because a
/// copied descriptor would be closed twice. Not `Sendable`: reads advance a shared file offset.
package final class FileByteSource: ByteSource {
    /// The file as the user named it; every error names it.
    package let path: String
    private let fd: Int32
    private let chunkSize: Int

    /// Opens `path` for reading.
    ///
    /// - Parameters:
    ///   - path: the file to read.
    ///   - chunkSize: the most bytes one ``read(into:)`` returns; at least 1.
    /// - Throws: ``MRABatError`` `.io` naming the file and the system's reason.
    package init(path: String, chunkSize: Int = 64 * 1024) throws {
        self.path = path
        self.chunkSize = max(1, chunkSize)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MRABatError(
                .io, "cannot open \(path)", at: SourceLocation(file: path), cause: String(cString: strerror(errno)))
        }
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let wanted = min(chunkSize, buffer.count)
        guard wanted > 0 else { return 0 }
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, wanted)
            if count >= 0 { return count }
            // A signal may interrupt a read on a slow device; that is not a failure.
            if errno == EINTR { continue }
            throw MRABatError(
                .io, "cannot read \(path)", at: SourceLocation(file: path), cause: String(cString: strerror(errno)))
        }
    }
}
