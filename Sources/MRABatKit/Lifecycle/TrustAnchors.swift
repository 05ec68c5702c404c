import COpenSSL
import Foundation
import Synchronization

/// A cluster's trusted manufacturing CAs (``TrustSettings/micCAFiles``) as one OpenSSL `X509_STORE`,
/// read once and kept while the files stay the same.
///
/// Measured on OpenSSL 3.0.19: `d2i_X509` of one P-256 certificate takes ~124 µs (most of it in the
/// provider decoder lookup for the public key), and reading the CA files again for every
/// activation was ~7 % of `mrabat serve`'s CPU with 64 phones at once. One store is shared by
/// concurrent verifications, as an `SSL_CTX`'s store is (OpenSSL locks its lookups). A file whose
/// device, inode, size or modification time changed is read again on the next verification, so a
/// CA added to a file takes effect without a restart.
final class TrustAnchors: @unchecked Sendable {
    /// The `X509_STORE *` this object owns; only read after `init`.
    let store: OpaquePointer
    private let stamps: [FileStamp]

    private init(files: [String]) throws {
        var stamps: [FileStamp] = []
        var anchors: [Certificate] = []
        for file in files {
            // The stamp before the read: a file changed while it is read is read again next time.
            stamps.append(FileStamp(path: file))
            do {
                anchors += try Certificate.load(pemFile: file)
            } catch let error as MRABatError {
                throw MRABatError(
                    .config, "trusted MIC CA file \(file) cannot be used: \(error.message)", cause: error.cause)
            }
        }
        guard let store = X509_STORE_new() else { throw OpenSSLFailure.error("cannot allocate an X509_STORE") }
        for anchor in anchors where X509_STORE_add_cert(store, anchor.pointer) != 1 {
            // Adding a certificate twice is harmless; anything else is not.
            _ = OpenSSLFailure.drainErrorQueue()
        }
        self.store = store
        self.stamps = stamps
    }

    deinit { X509_STORE_free(store) }

    /// Recently used trust lists, by their files in order; few clusters have more than one.
    private static let cache = Mutex<[[String]: TrustAnchors]>([:])
    private static let cacheLimit = 8

    /// The anchors of `files`, from the cache while no file changed.
    ///
    /// - Throws: ``MRABatError`` `.config` naming a file that cannot be read or holds no certificate.
    static func current(files: [String]) throws -> TrustAnchors {
        if let cached = cache.withLock({ $0[files] }), cached.stamps == files.map(FileStamp.init(path:)) {
            return cached
        }
        let fresh = try TrustAnchors(files: files)
        cache.withLock { entries in
            if entries[files] == nil, entries.count >= cacheLimit { entries.removeAll() }
            entries[files] = fresh
        }
        return fresh
    }

    /// What identifies one version of a file without reading it; nil fields for a file `stat` cannot see.
    private struct FileStamp: Equatable {
        var device: UInt64?
        var inode: UInt64?
        var size: Int64?
        var modified: Int?
        var modifiedNanoseconds: Int?

        init(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = Int(info.st_mtim.tv_sec)
            modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
        }
    }
}
