import Foundation
import Glibc

/// An open descriptor of the output directory carrying a `flock(2)`, held while a job writes there.
///
/// A killed job leaves its writers' temporary files (`.NAME.tmp.*`) behind; the next job removes
/// them, but only when no other live `mrabat` uses the directory, or it would delete that job's
/// files from under it. Every job holds a shared lock for as long as it writes; the one that can
/// take the lock exclusively is alone and may clean. The kernel drops the lock when the process
/// dies, SIGKILL included, so a crashed job never blocks the next one.
final class OutputDirectoryLock: Sendable {
    /// Owned by this object alone and closed once, in `deinit`; `flock` itself is thread-safe.
    private let fd: Int32

    /// Opens `path` and takes the lock; runs `cleanup` first if no other job holds it.
    init(path: String, cleanup: () -> Void) throws {
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileWriter.error(errno, path, "cannot open the output directory") }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            cleanup()
        }
        // Downgrading is not atomic on Linux, but this job has created no file yet. Blocks only
        // while another job cleans, which takes one directory scan.
        while flock(fd, LOCK_SH) != 0 {
            guard errno == EINTR else {
                let code = errno
                close(fd)
                throw AtomicFileWriter.error(code, path, "cannot lock the output directory")
            }
        }
    }

    deinit {
        close(fd)
    }
}

extension OutputDirectory {
    /// Removes the temporary files killed writers left in `directory`: files named
    /// `.NAME.tmp.SUFFIX` with a hexadecimal `SUFFIX`, as ``AtomicFileWriter`` names them.
    ///
    /// - Returns: how many were removed. Failures are ignored: a leftover is harmless, never read.
    @discardableResult
    static func removeStaleTemporaryFiles(in directory: String) -> Int {
        guard let dir = opendir(directory) else { return 0 }
        defer { closedir(dir) }
        var removed = 0
        while let entry = readdir(dir) {
            // Cheap test on the raw name first: the directory may hold a million config files.
            guard entry.pointee.d_name.0 == UInt8(ascii: ".") else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            // unlink(2) never removes a directory, so whatever the file type, only a file goes.
            guard isTemporaryFileName(name) else { continue }
            if unlink(directory + "/" + name) == 0 { removed += 1 }
        }
        return removed
    }

    /// `.NAME.tmp.SUFFIX`, NAME not empty, SUFFIX hexadecimal digits.
    static func isTemporaryFileName(_ name: String) -> Bool {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp.", options: .backwards),
            marker.lowerBound > name.index(after: name.startIndex)
        else { return false }
        let suffix = name[marker.upperBound...]
        return !suffix.isEmpty && suffix.allSatisfy(\.isHexDigit)
    }
}
