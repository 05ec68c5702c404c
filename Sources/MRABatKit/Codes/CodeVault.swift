import COpenSSL
import Glibc

/// The encrypted copy of each activation code, so outstanding codes can be exported again.
///
/// AES-256-GCM with a 32-byte key kept in its own file (mode 0600), apart from the store: a
/// copy of the store alone reveals no code. A sealed code is `nonce (12) | ciphertext (16) |
/// tag (16)`, 44 bytes, with a fresh random nonce per seal; the caller's associated data (the
/// code's SRP identity) is authenticated, so a sealed value moved to another record fails to
/// open.
///
/// `Sendable` as a plain value (the key bytes); each ``seal(_:associatedData:)`` and
/// ``open(_:associatedData:)`` creates its own `EVP_CIPHER_CTX`, so any number of tasks may use
/// one vault at once.
package struct CodeVault: Sendable {
    /// AES-256 key length.
    package static let keyByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16
    /// The length of every sealed code.
    package static let sealedByteCount = nonceByteCount + ActivationCode.length + tagByteCount

    private let key: [UInt8]

    /// A vault with a given key — for tests and for callers that manage keys themselves.
    init(key: [UInt8]) {
        precondition(key.count == Self.keyByteCount, "AES-256 needs a 32-byte key")
        self.key = key
    }

    /// Opens the vault whose key is in `path`, creating a new random key there if the file does
    /// not exist.
    ///
    /// A new key file is written under a temporary name created with `O_CREAT | O_EXCL` and mode
    /// 0600 (never widened and narrowed later), flushed to disk, then linked into place — so the
    /// key file is never seen half-written, two processes racing to create it end up with the
    /// same key, and the key is durable before any code sealed with it can be.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if an existing key file is readable or writable by
    ///   group or others, is not a regular file, or does not hold exactly 32 bytes; `.io` if a
    ///   system call fails. Every message names the file.
    package static func openOrCreate(keyFile path: String) throws -> CodeVault {
        if let key = try KeyFile.load(path) { return CodeVault(key: key) }
        return CodeVault(key: try KeyFile.create(path))
    }

    /// The vault whose key is in `path`, or nil if there is no such file (checked as
    /// ``openOrCreate(keyFile:)`` checks it).
    static func existing(keyFile path: String) throws -> CodeVault? {
        try KeyFile.load(path).map(CodeVault.init(key:))
    }

    /// The SHA-256 of the key, hex: what a store records to know which key sealed its codes.
    /// A digest of a random 256-bit key tells nothing about the key.
    var fingerprint: String {
        get throws { Hex.encode(try MessageDigest.sha256.hash([key])) }
    }

    /// Encrypts `code`, binding it to `associatedData` (the code's identity bytes).
    ///
    /// - Returns: 44 bytes: nonce | ciphertext | tag.
    /// - Throws: ``MRABatError`` `.crypto` if the random generator or OpenSSL fails.
    package func seal(_ code: ActivationCode, associatedData: [UInt8]) throws -> [UInt8] {
        let nonce = try SecureRandom.bytes(Self.nonceByteCount)
        let plaintext = code.asciiDigits
        let context = try CipherContext()
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: Self.tagByteCount)
        var length: Int32 = 0
        guard EVP_EncryptInit_ex2(context.pointer, SymmetricCipher.aes256GCM.pointer, key, nonce, nil) == 1,
            EVP_EncryptUpdate(context.pointer, nil, &length, associatedData, Int32(associatedData.count)) == 1,
            EVP_EncryptUpdate(context.pointer, &ciphertext, &length, plaintext, Int32(plaintext.count)) == 1,
            length == Int32(plaintext.count),
            EVP_EncryptFinal_ex(context.pointer, &tag, &length) == 1,
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_AEAD_GET_TAG, Int32(tag.count), &tag) == 1
        else { throw OpenSSLFailure.error("AES-256-GCM encryption of an activation code failed") }
        return nonce + ciphertext + tag
    }

    /// Decrypts a sealed code, checking it was sealed with this key and `associatedData`.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if `sealed` is not 44 bytes, fails authentication
    ///   (tampered, wrong key file, or moved to another record), or does not decrypt to 16 digits.
    package func open(_ sealed: [UInt8], associatedData: [UInt8]) throws -> ActivationCode {
        guard sealed.count == Self.sealedByteCount else {
            throw MRABatError(
                .crypto, "a sealed activation code must be \(Self.sealedByteCount) bytes, not \(sealed.count)")
        }
        let nonce = Array(sealed[..<Self.nonceByteCount])
        let ciphertext = Array(sealed[Self.nonceByteCount..<(Self.nonceByteCount + ActivationCode.length)])
        var tag = Array(sealed[(Self.nonceByteCount + ActivationCode.length)...])
        let context = try CipherContext()
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count)
        var length: Int32 = 0
        guard EVP_DecryptInit_ex2(context.pointer, SymmetricCipher.aes256GCM.pointer, key, nonce, nil) == 1,
            EVP_DecryptUpdate(context.pointer, nil, &length, associatedData, Int32(associatedData.count)) == 1,
            EVP_DecryptUpdate(context.pointer, &plaintext, &length, ciphertext, Int32(ciphertext.count)) == 1,
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_AEAD_SET_TAG, Int32(tag.count), &tag) == 1
        else { throw OpenSSLFailure.error("AES-256-GCM decryption of an activation code failed") }
        var finalLength: Int32 = 0
        guard EVP_DecryptFinal_ex(context.pointer, &plaintext, &finalLength) == 1 else {
            // A failed tag check queues no useful reason; drop whatever is there.
            _ = OpenSSLFailure.drainErrorQueue()
            throw MRABatError(
                .crypto,
                "a sealed activation code failed authentication: wrong key file, or the store was altered")
        }
        guard let code = ActivationCode(String(decoding: plaintext, as: UTF8.self)) else {
            throw MRABatError(.crypto, "a sealed activation code did not decrypt to 16 digits")
        }
        return code
    }
}

/// Reading and creating the vault's key file.
private enum KeyFile {
    /// The key in `path`, or `nil` if there is no such file.
    static func load(_ path: String) throws -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw systemError("cannot open key file \(path)")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw systemError("cannot stat key file \(path)") }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw MRABatError(.crypto, "key file \(path) is not a regular file")
        }
        let permissions = status.st_mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw MRABatError(
                .crypto,
                "key file \(path) is accessible by group or others (mode \(String(permissions, radix: 8))); "
                    + "it must be 0600 — run `chmod 600 \(path)` if the key has not leaked")
        }
        guard status.st_size == off_t(CodeVault.keyByteCount) else {
            throw MRABatError(
                .crypto,
                "key file \(path) holds \(status.st_size) bytes; a vault key is exactly \(CodeVault.keyByteCount)")
        }
        var key = [UInt8](repeating: 0, count: CodeVault.keyByteCount)
        var filled = 0
        while filled < key.count {
            let count = key[filled...].withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw systemError("cannot read key file \(path)") }
            filled += count
        }
        return key
    }

    /// Creates `path` holding a new random key and returns the key — or, if another process
    /// created the file first, returns that file's key.
    static func create(_ path: String) throws -> [UInt8] {
        let key = try SecureRandom.bytes(CodeVault.keyByteCount)
        let temporary = path + ".tmp-\(getpid())-" + Hex.encode(try SecureRandom.bytes(4))
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw systemError("cannot create key file \(temporary)") }
        defer { unlink(temporary) }
        var written = 0
        while written < key.count {
            let count = key[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                close(descriptor)
                throw systemError("cannot write key file \(temporary)")
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            close(descriptor)
            throw systemError("cannot flush key file \(temporary)")
        }
        close(descriptor)
        // link() publishes the finished file atomically and, unlike rename(), never replaces one.
        if link(temporary, path) != 0 {
            if errno == EEXIST, let existing = try load(path) { return existing }
            throw systemError("cannot create key file \(path)")
        }
        // The directory entry too, so the new key file survives a power cut.
        try AtomicFile.syncDirectory(of: path)
        return key
    }

    private static func systemError(_ message: String) -> MRABatError {
        MRABatError(.io, message, cause: String(cString: strerror(errno)))
    }
}
