/// Decoy SRP challenges for identities no code has, so the network service is no oracle for which
/// codes exist.
///
/// An unknown identity gets a challenge made exactly as a real one is — the same `SRPServer`
/// arithmetic, three exponentiations — over a salt and a verifier derived from a secret key and the
/// identity: the same identity gets the same salt every time (a real code's salt does not change
/// either), and no proof can pass, because nobody knows a password for the made-up verifier. The key
/// is a random secret of the serving process; it is never logged or stored.
package struct ActivationDecoy: Sendable {
    private let key: [UInt8]

    /// A decoy source with a fresh random key.
    package init() throws {
        key = try SecureRandom.bytes(32)
    }

    /// The salt of `identity`'s decoy: 16 bytes whose first is never 0, as for real salts.
    func salt(for identity: String) throws -> [UInt8] {
        var salt = Array(try derive(identity, label: "salt").prefix(IssuedCodeSecrets.saltByteCount))
        salt[0] = 1 + salt[0] % 255
        return salt
    }

    /// A server for `identity`'s decoy: salt as above, and a verifier below N that no password produced.
    func server(for identity: String) throws -> SRPServer {
        let parameters = SRPParameters.mrabat
        var verifier: [UInt8] = []
        var block = 0
        while verifier.count < parameters.group.byteCount {
            verifier += try derive(identity, label: "verifier-\(block)")
            block += 1
        }
        verifier = Array(verifier.prefix(parameters.group.byteCount))
        // Below N: N's top byte is 0xAC; a top byte below 0x80 keeps v < N and non-zero.
        verifier[0] &= 0x7F
        verifier[1] |= 0x01
        return try SRPServer(parameters: parameters, identity: identity, salt: salt(for: identity), verifier: verifier)
    }

    private func derive(_ identity: String, label: String) throws -> [UInt8] {
        try MessageDigest.sha256.hash([key, Array("mrabat/decoy/\(label)/".utf8), Array(identity.utf8)])
    }
}
