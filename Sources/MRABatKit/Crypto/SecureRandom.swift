import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG (`RAND_bytes`).
///
/// OpenSSL keeps one DRBG per thread, so concurrent callers neither contend nor share state.
package enum SecureRandom {
    /// Returns `count` random bytes.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if the generator is not seeded or fails.
    package static func bytes(_ count: Int) throws -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        var result = [UInt8](repeating: 0, count: count)
        try result.withUnsafeMutableBytes { try fill($0) }
        return result
    }

    /// Fills `buffer` with random bytes, in as few `RAND_bytes` calls as its size allows.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if the generator fails; the buffer's contents are
    ///   then unspecified and must not be used.
    package static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws {
        guard var pointer = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var remaining = buffer.count
        while remaining > 0 {
            // RAND_bytes takes an Int32 count.
            let chunk = min(remaining, Int(Int32.max))
            guard RAND_bytes(pointer, Int32(chunk)) == 1 else {
                throw OpenSSLFailure.error("the OpenSSL random generator failed")
            }
            pointer += chunk
            remaining -= chunk
        }
    }
}
