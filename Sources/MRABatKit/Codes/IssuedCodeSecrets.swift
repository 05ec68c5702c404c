/// Everything the store keeps for one issued activation code — and nothing in plaintext.
///
/// The code itself is given to the user once (the export CSV) and then exists in the store
/// only as what the SRP handshake needs (``salt``, ``verifier``) and as the ``sealed`` copy
/// that only the vault's key opens.
package struct IssuedCodeSecrets: Sendable, Hashable {
    /// The SRP identity `I` (``ActivationIdentity``): the store's unique key for the code.
    package var identity: String
    /// 16 random bytes, the SRP salt `s`; the first is never 0 (see ``newSalt()``).
    package var salt: [UInt8]
    /// The SRP verifier `v`, padded to the length of N.
    package var verifier: [UInt8]
    /// The code sealed by the ``CodeVault``, bound to ``identity``.
    package var sealed: [UInt8]

    package init(identity: String, salt: [UInt8], verifier: [UInt8], sealed: [UInt8]) {
        self.identity = identity
        self.salt = salt
        self.verifier = verifier
        self.sealed = sealed
    }

    /// Bytes of random SRP salt per code.
    package static let saltByteCount = 16

    /// Derives the record for `code`: identity, fresh salt, verifier, sealed copy.
    ///
    /// Costs one 2048-bit modular exponentiation plus the identity's PBKDF2 (see
    /// ``ActivationIdentity``); safe to call from many tasks at once.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if the random generator or OpenSSL fails.
    package static func issue(
        code: ActivationCode, vault: CodeVault, parameters: SRPParameters = .mrabat
    ) throws -> IssuedCodeSecrets {
        let identity = try ActivationIdentity(code: code).value
        let salt = try newSalt()
        let verifier = try SRP.makeVerifier(
            identity: identity, password: code.digits, salt: salt, parameters: parameters)
        let sealed = try vault.seal(code, associatedData: Array(identity.utf8))
        return IssuedCodeSecrets(identity: identity, salt: salt, verifier: verifier, sealed: sealed)
    }

    /// A fresh salt: ``saltByteCount`` random bytes whose first byte is not 0.
    ///
    /// SRP clients that keep the salt as a number (pysrp's OpenSSL backend) drop a leading zero
    /// byte and so compute another x: about 1 code in 256 would fail against them. Drawing the
    /// first byte from 1...255 costs 0.006 bits of the salt's 128.
    static func newSalt() throws -> [UInt8] {
        var salt = try SecureRandom.bytes(saltByteCount)
        while salt[0] == 0 { salt[0] = try SecureRandom.bytes(1)[0] }
        return salt
    }
}
