import COpenSSL

/// SRP-6a as RFC 5054 defines it, and the verifier the store keeps for each code.
///
/// Formulas, with `|` for concatenation and `PAD(z)` for `z` left-padded with zeros to the
/// length of N:
///
///     k  = H(N | PAD(g))                     x  = H(s | H(I | ":" | P))
///     v  = g^x % N                           u  = H(PAD(A) | PAD(B))
///     A  = g^a % N                           B  = (k·v + g^b) % N
///     client S = (B − k·g^x)^(a + u·x) % N   server S = (A·v^u)^b % N
///     K  = H(S)
///     M1 = H(H(N) xor H(PAD(g)) | H(I) | s | A | B | K)
///     M2 = H(A | M1 | K)
///
/// RFC 5054 fixes everything up to the premaster secret S, and its Appendix B test vector
/// checks k, x, v, u, A, B and S. K, M1 and M2 are SRP-6a's (Wu's design document), with the
/// encodings of the widely used `srp` package (pysrp) in its `rfc5054_enable()` mode, so that an
/// independent client interoperates: A, B and S enter K, M1 and M2 as minimal big-endian bytes
/// (no leading zeros), g enters `H(PAD(g))` padded, and the salt enters as stored — which is why
/// a salt never starts with a zero byte (pysrp's OpenSSL backend keeps it as a number and drops
/// it; see ``IssuedCodeSecrets``). a and b are 256 random bits (RFC 5054 §2.5.2: at least 256).
///
/// Every exponent (x, a, b, a + u·x) is secret, so every exponentiation is constant time in it.
/// Powers of g (v, A, g^b) come from the group's table of precomputed powers
/// (``SRPGroup/generatorPower(_:)``, ``FixedBaseExponentiation``), 4–5× faster than OpenSSL's
/// `BN_mod_exp_mont_consttime`; the others (`v^u`, S) use that OpenSSL function with the group's
/// shared Montgomery constants. Measured on the build host before the table existed (2048-bit
/// group, 256-bit x, one core, release, best of 6 rounds): `BN_mod_exp_mont_consttime` took
/// 275 µs per verifier; the variable-time `BN_mod_exp`, which has a fast path for g = 2, 197 µs
/// — not worth leaking timing about x, from which a code can be checked offline.
///
/// Safety checks (RFC 5054 §2.5.3–2.5.4 and SRP-6a): the server aborts if A % N = 0, the
/// client if B % N = 0, both if u = 0; values not below N are rejected as malformed; proofs
/// are compared in constant time.
package enum SRP {
    /// Bytes of randomness in a private value a or b.
    static let privateValueByteCount = 32

    /// The verifier `v = g^x % N` for `identity` and `password` with `salt`, padded to the length
    /// of N — what the store keeps instead of the password.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if OpenSSL fails.
    package static func makeVerifier(
        identity: String, password: String, salt: [UInt8], parameters: SRPParameters
    ) throws -> [UInt8] {
        var x = try privateKey(identity: identity, password: password, salt: salt, parameters: parameters)
        defer { x.wipe() }
        return try parameters.group.generatorPower(x)
    }

    /// `k = H(N | PAD(g))`.
    static func multiplier(_ parameters: SRPParameters) throws -> [UInt8] {
        let group = parameters.group
        return try parameters.hash(group.prime, pad(group.generator, parameters))
    }

    /// `x = H(s | H(I ":" P))`.
    static func privateKey(identity: String, password: String, salt: [UInt8], parameters: SRPParameters) throws
        -> [UInt8]
    {
        let inner = try parameters.hash(Array(identity.utf8), Array(":".utf8), Array(password.utf8))
        return try parameters.hash(salt, inner)
    }

    /// `u = H(PAD(A) | PAD(B))`.
    static func scrambler(clientValue: [UInt8], serverValue: [UInt8], parameters: SRPParameters) throws -> [UInt8] {
        try parameters.hash(pad(clientValue, parameters), pad(serverValue, parameters))
    }

    /// `M1 = H(H(N) xor H(PAD(g)) | H(I) | s | A | B | K)`, A and B minimal big-endian.
    static func clientProof(
        identity: String, salt: [UInt8], clientValue: [UInt8], serverValue: [UInt8], sessionKey: [UInt8],
        parameters: SRPParameters
    ) throws -> [UInt8] {
        let hash = parameters.hash
        let hashN = try hash(parameters.group.prime)
        let hashG = try hash(pad(parameters.group.generator, parameters))
        let groupHash = zip(hashN, hashG).map { $0 ^ $1 }
        return try hash(
            groupHash, hash(Array(identity.utf8)), salt, minimal(clientValue), minimal(serverValue), sessionKey)
    }

    /// `M2 = H(A | M1 | K)`, A minimal big-endian.
    static func serverProof(
        clientValue: [UInt8], clientProof: [UInt8], sessionKey: [UInt8], parameters: SRPParameters
    ) throws -> [UInt8] {
        try parameters.hash(minimal(clientValue), clientProof, sessionKey)
    }

    /// `bytes` read as an integer, in minimal big-endian form: no leading zero bytes.
    package static func minimal(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.drop { $0 == 0 })
    }

    /// `PAD(z)`: `bytes` read as an integer, left-padded with zeros to the length of N.
    static func pad(_ bytes: [UInt8], _ parameters: SRPParameters) throws -> [UInt8] {
        let length = parameters.group.byteCount
        let significant = bytes.drop { $0 == 0 }
        guard significant.count <= length else { throw MRABatError(.crypto, "an SRP value is longer than N") }
        return [UInt8](repeating: 0, count: length - significant.count) + significant
    }

    /// Parses a public value (A or B) from a peer and applies RFC 5054's check.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if the value is 0 modulo N (which would let the peer
    ///   fix the premaster secret without knowing the password) or not below N.
    static func peerValue(_ bytes: [UInt8], name: String, parameters: SRPParameters, context: BigNumberContext)
        throws -> BigNumber
    {
        let group = try parameters.group.modulus
        let value = try BigNumber(bytes: bytes)
        guard try !group.reduce(value, in: context).isZero else {
            throw MRABatError(.crypto, "SRP \(name) is 0 modulo N; refusing the handshake")
        }
        guard BN_cmp(value.pointer, group.modulus.pointer) < 0 else {
            throw MRABatError(.crypto, "SRP \(name) is not below N; refusing the handshake")
        }
        return value
    }

    /// A random private value (a or b): 256 bits, never zero.
    static func randomPrivateValue() throws -> [UInt8] {
        while true {
            let bytes = try SecureRandom.bytes(privateValueByteCount)
            if bytes.contains(where: { $0 != 0 }) { return bytes }
        }
    }

    /// Compares two proofs in time that depends only on their lengths (which are public).
    static func proofsMatch(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return CRYPTO_memcmp(lhs, rhs, lhs.count) == 0
    }
}
