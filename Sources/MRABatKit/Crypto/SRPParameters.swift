/// An SRP-6a parameter set: the group (N, g) and the hash H. Both sides must use the same one.
public struct SRPParameters: Sendable, Hashable {
    public var group: SRPGroup
    public var hash: SRPHash

    public init(group: SRPGroup, hash: SRPHash) {
        self.group = group
        self.hash = hash
    }

    /// mrabat's parameters: the RFC 5054 2048-bit group with SHA-256.
    public static let mrabat = SRPParameters(group: .rfc5054Group2048, hash: .sha256)

    /// The parameters of the RFC 5054 Appendix B test vector: 1024-bit group, SHA-1.
    public static let rfc5054TestVector = SRPParameters(group: .rfc5054Group1024, hash: .sha1)
}
