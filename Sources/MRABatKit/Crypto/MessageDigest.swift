import COpenSSL

/// A fetched OpenSSL message digest (`EVP_MD`), owned.
///
/// Fetched once per algorithm and reused: passing OpenSSL 3's legacy `EVP_sha256()` instead
/// makes every call fetch the implementation again, under a lock all cores share.
/// `@unchecked Sendable` because a fetched `EVP_MD` is immutable and reference-counted by
/// OpenSSL, which documents it as safe to use from many threads at once.
final class MessageDigest: @unchecked Sendable {
    let pointer: OpaquePointer
    /// Output length in bytes.
    let byteCount: Int

    static let sha1 = MessageDigest(name: "SHA1")
    static let sha256 = MessageDigest(name: "SHA256")

    private init(name: String) {
        // The default provider always has SHA-1 and SHA-256; failing here means a broken install.
        guard let pointer = EVP_MD_fetch(nil, name, nil) else {
            fatalError("OpenSSL cannot fetch \(name): \(OpenSSLFailure.drainErrorQueue() ?? "no reason given")")
        }
        self.pointer = pointer
        self.byteCount = Int(EVP_MD_get_size(pointer))
    }

    deinit { EVP_MD_free(pointer) }

    /// The digest of the concatenation of `parts`.
    func hash(_ parts: [[UInt8]]) throws -> [UInt8] {
        try parts.withRawParts { try hash($0) }
    }

    /// The digest of the concatenation of `parts`, read in place.
    func hash(_ parts: [UnsafeRawBufferPointer]) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLFailure.error("EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex2(context, pointer, nil) == 1 else { throw OpenSSLFailure.error("digest init failed") }
        for part in parts {
            guard EVP_DigestUpdate(context, part.baseAddress, part.count) == 1 else {
                throw OpenSSLFailure.error("digest update failed")
            }
        }
        var output = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &output, &length) == 1, Int(length) == byteCount else {
            throw OpenSSLFailure.error("digest final failed")
        }
        return output
    }
}

extension [[UInt8]] {
    /// Calls `body` with a raw view of every array, valid for the call.
    fileprivate func withRawParts<T>(_ body: ([UnsafeRawBufferPointer]) throws -> T) rethrows -> T {
        func nest(_ index: Int, _ views: [UnsafeRawBufferPointer]) throws -> T {
            guard index < count else { return try body(views) }
            return try self[index].withUnsafeBytes { try nest(index + 1, views + [$0]) }
        }
        return try nest(0, [])
    }
}
