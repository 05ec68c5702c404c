import COpenSSL

extension [UInt8] {
    /// Overwrites the bytes with zeros in place (OpenSSL's `OPENSSL_cleanse`, which the compiler
    /// cannot drop as a dead store): for a secret — an SRP exponent, a power of g derived from
    /// one — once it is no longer needed. Copies made earlier are not reached.
    mutating func wipe() {
        withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { OPENSSL_cleanse(base, buffer.count) }
        }
    }
}
