import COpenSSL

/// A fetched OpenSSL cipher (`EVP_CIPHER`), owned.
///
/// Fetched once and reused, for the same reason as ``MessageDigest``. `@unchecked Sendable`
/// because a fetched `EVP_CIPHER` is immutable and reference-counted by OpenSSL, documented as
/// safe to use from many threads at once; per-operation state lives in ``CipherContext``.
final class SymmetricCipher: @unchecked Sendable {
    let pointer: OpaquePointer

    static let aes256GCM = SymmetricCipher(name: "AES-256-GCM")

    private init(name: String) {
        guard let pointer = EVP_CIPHER_fetch(nil, name, nil) else {
            fatalError("OpenSSL cannot fetch \(name): \(OpenSSLFailure.drainErrorQueue() ?? "no reason given")")
        }
        self.pointer = pointer
    }

    deinit { EVP_CIPHER_free(pointer) }
}

/// An OpenSSL `EVP_CIPHER_CTX`, owned; one per seal or open, never shared.
final class CipherContext {
    let pointer: OpaquePointer

    init() throws {
        guard let pointer = EVP_CIPHER_CTX_new() else { throw OpenSSLFailure.error("EVP_CIPHER_CTX_new failed") }
        self.pointer = pointer
    }

    deinit { EVP_CIPHER_CTX_free(pointer) }
}
