/// The hash function `H` of an SRP-6a parameter set.
package enum SRPHash: String, Sendable, Hashable, CaseIterable {
    /// SHA-1: only for the RFC 5054 Appendix B test vector, which is defined with it.
    case sha1
    /// SHA-256: what mrabat uses.
    case sha256

    /// Output length in bytes.
    package var byteCount: Int { digest.byteCount }

    var digest: MessageDigest {
        switch self {
        case .sha1: MessageDigest.sha1
        case .sha256: MessageDigest.sha256
        }
    }

    /// `H(parts[0] | parts[1] | …)`.
    func callAsFunction(_ parts: [UInt8]...) throws -> [UInt8] {
        try digest.hash(parts)
    }
}
