import COpenSSL
import Foundation
import MRABatKit
import Synchronization

/// Each device's current `<NAME>.cnf.xml`, rendered from the store as `TFTPConfigWriter` writes it,
/// with its ETag — cached, because phones poll their file far more often than it changes.
///
/// The cache is dropped when this server commits an activation (the BAT name stops serving, the SEP
/// name starts at once) and when another process changes a device, which the store's
/// ``Store/changeMarker()`` reveals; that is checked at most every ``recheckInterval`` seconds, so a change made by
/// `mrabat update` or `regenerate` is served within that time.
final class ConfigFiles: Sendable {
    struct File: Sendable {
        var bytes: [UInt8]
        /// A strong ETag: the quoted hex of the first 16 bytes of the file's SHA-256.
        var etag: String
    }

    private struct Cache {
        var version: Int64?
        var checkedAt: TimeInterval = 0
        /// A name with no device maps to nil (404s are cached too).
        var files: [String: File?] = [:]
        /// Bumped by every invalidation, so a render that raced one is not cached.
        var generation = 0
    }

    static let recheckInterval: TimeInterval = 0.2
    private static let maxEntries = 200_000

    private let worker: StoreWorker
    private let cluster: ClusterConfig
    private let cache = Mutex(Cache())

    init(worker: StoreWorker, cluster: ClusterConfig) {
        self.worker = worker
        self.cluster = cluster
    }

    /// The file of the device named `name` (`SEP…` or `BAT…`), or nil when there is none.
    func file(named name: String) async throws -> File? {
        try await revalidate()
        let (cached, generation) = cache.withLock { ($0.files[name], $0.generation) }
        if let cached { return cached }
        let device = try await worker.store.device(named: name)
        let file = try device.map { device in
            let bytes = try TFTPConfigWriter().render(PhoneConfig(device: device, cluster: cluster))
            return File(bytes: bytes, etag: Self.etag(bytes))
        }
        cache.withLock { cache in
            guard cache.generation == generation else { return }
            if cache.files.count >= Self.maxEntries { cache.files.removeAll(keepingCapacity: true) }
            cache.files[name] = .some(file)
        }
        return file
    }

    /// Forgets the files of an activation's old and new names.
    func invalidate(_ commit: ActivationCommit) {
        cache.withLock { cache in
            cache.generation += 1
            cache.files[commit.previousName] = nil
            cache.files[commit.device.name] = nil
        }
    }

    private func revalidate() async throws {
        let now = Date().timeIntervalSince1970
        let due = cache.withLock { cache in
            guard now - cache.checkedAt >= Self.recheckInterval else { return false }
            cache.checkedAt = now
            return true
        }
        guard due else { return }
        let version = try await worker.store.changeMarker()
        cache.withLock { cache in
            if cache.version != version {
                cache.generation += 1
                cache.files.removeAll(keepingCapacity: true)
                cache.version = version
            }
        }
    }

    static func etag(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_sha256(), nil) }
        // EVP_Digest with SHA-256 fails only without memory; an ETag of the length still changes with the file.
        guard ok == 1 else { return "\"len-\(bytes.count)\"" }
        return "\"" + WireHex.encode(digest.prefix(16)) + "\""
    }
}
