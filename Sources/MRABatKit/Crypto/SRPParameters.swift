/// An SRP-6a parameter set: the group (N, g) and the hash H. Both sides must use the same one.
package struct SRPParameters: Sendable, Hashable {
    package var group: SRPGroup
    package var hash: SRPHash

    package init(group: SRPGroup, hash: SRPHash) {
        self.group = group
        self.hash = hash
    }

    /// mrabat's parameters: the RFC 5054 2048-bit group with SHA-256.
    package static let mrabat = SRPParameters(group: .rfc5054Group2048, hash: .sha256)

    /// The parameters of the RFC 5054 Appendix B test vector: 1024-bit group, SHA-1.
    package static let rfc5054TestVector = SRPParameters(group: .rfc5054Group1024, hash: .sha1)
}
