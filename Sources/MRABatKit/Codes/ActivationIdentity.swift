import COpenSSL
import CPBKDF2

/// The SRP identity `I` of an activation code, derived from the code alone.
///
/// The phone holds only the code (its model travels separately, so that a model mismatch can
/// be reported as such rather than as a wrong code), so `I` must be computable from the code.
/// The store keeps `I` in a unique index to find a code's record, which also makes it the
/// uniqueness key among outstanding codes. Neither the store nor an eavesdropper on the
/// handshake should get the code back from `I` cheaply, hence a slow, salted derivation:
///
///     I = "ac1-" + lowercase hex(PBKDF2-HMAC-SHA256(password: the 16 ASCII digits,
///                                                  salt: "mrabat/activation-identity/v1",
///                                                  iterations: 120, length: 16 bytes))
///
/// The salt is fixed (not per code) because the phone must derive the same `I` with nothing
/// but the code; it still separates these hashes from any other use of the digits. The
/// `ac1-` prefix versions the scheme, so it can change without ambiguity in the store.
///
/// Cost, measured on the build host (2 cores, release build, best of 6 rounds, one core):
/// a 2048-bit verifier (`g^x % N`, 256-bit x, constant time) takes 275 µs; PBKDF2 costs about
/// 2 µs plus 0.22 µs per iteration, so ``iterations`` = 120 takes ≈ 28 µs — about 10 % of the
/// verifier, which keeps issuance (≈ 3,000 codes per second per core) bound by the verifier.
///
/// What that buys: recovering a code from its identity by trying all 10^16 codes costs
/// 10^16 × 28 µs ≈ 2.8 × 10^11 core-seconds ≈ 9,000 CPU core-years (half that on average).
/// PBKDF2-HMAC-SHA256 runs far faster on GPUs — count on the order of 10^7–10^8 codes per
/// second per GPU at 120 iterations, i.e. years per GPU and days for a large cluster — so the
/// identity is a speed bump, not a vault: the store must still be guarded, and the lifetime of
/// a code (168 h by default) is what bounds the window. The verifier the store also holds is
/// no weaker a lock, since x depends on `I` and each guess then costs a further exponentiation.
package struct ActivationIdentity: Sendable, Hashable, CustomStringConvertible {
    /// PBKDF2 iteration count; chosen by measurement (see the type's documentation).
    package static let iterations = 120
    /// The fixed PBKDF2 salt, versioned with the scheme.
    package static let salt = "mrabat/activation-identity/v1"
    /// Versions the derivation; part of every identity.
    package static let prefix = "ac1-"
    /// Bytes of PBKDF2 output (hex-encoded into the identity).
    static let derivedByteCount = 16

    /// The identity text: `ac1-` and 32 lowercase hex digits.
    package let value: String

    /// Derives the identity of `code`.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if OpenSSL fails.
    package init(code: ActivationCode) throws {
        let password = code.asciiDigits
        let salt = Array(Self.salt.utf8)
        var output = [UInt8](repeating: 0, count: Self.derivedByteCount)
        // The one-block PBKDF2 on SHA-256 compressions (CPBKDF2.h: 28 µs against OpenSSL's 95 µs);
        // OpenSSL's own for anything it does not handle.
        if cpbkdf2_hmac_sha256_block(
            password, password.count, salt, salt.count, UInt32(Self.iterations), &output, output.count) == 1
        {
            value = Self.prefix + Hex.encode(output)
            return
        }
        let status = password.withUnsafeBufferPointer { passwordBytes in
            passwordBytes.withMemoryRebound(to: CChar.self) { passwordChars in
                PKCS5_PBKDF2_HMAC(
                    passwordChars.baseAddress, Int32(passwordChars.count), salt, Int32(salt.count),
                    Int32(Self.iterations), MessageDigest.sha256.pointer, Int32(output.count), &output)
            }
        }
        guard status == 1 else { throw OpenSSLFailure.error("PBKDF2 failed deriving an activation identity") }
        value = Self.prefix + Hex.encode(output)
    }

    package var description: String { value }
}
