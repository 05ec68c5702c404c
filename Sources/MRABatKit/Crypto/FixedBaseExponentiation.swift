import CFixedBase

/// `g^e mod N` for one fixed base g, from a table of precomputed powers of g: the SRP verifier
/// `v = g^x`, the client's `A = g^a` and the server's `g^b` in `B = k·v + g^b`.
///
/// The exponent is cut into digits of ``windowBits`` bits; for every digit position the table
/// holds g raised to each digit value at that position, so a power is one Montgomery
/// multiplication per digit (43 for a 256-bit exponent with 6-bit digits) instead of
/// OpenSSL's ~256 squarings plus ~52 multiplications. Constant time in the exponent's value:
/// every table entry of a position is read and combined under a mask (no secret-dependent
/// branch or address), digit 0 is multiplied like any other, and every exponent is left-padded
/// to ``maxExponentByteCount`` so that all take the same digits. The C code (`CFixedBase`) wipes
/// its copies of the exponent and of the intermediate values before it returns.
///
/// Which multiplication: measured on the build host (2048-bit group, 256-bit exponents, one
/// core, `clang -O2`, each figure a ratio to `BN_mod_exp_mont_consttime` timed in alternating
/// rounds of the same run; two runs, the machine shared with other builds):
/// - OpenSSL's `BN_mod_mul_montgomery` on `BIGNUM`s, the selected entry read back with
///   `BN_lebin2bn`, 6-bit digits: 4.1–4.3×. Rejected also for not being constant time:
///   `BN_lebin2bn` skips leading zero bytes, and `bn_mul_mont_fixed_top` leaves its assembly
///   path when an operand has a leading zero limb — both depend on the selected entry.
/// - Our own 64-bit limbs in portable C (FIOS Montgomery, `unsigned __int128`), 6-bit digits:
///   3.3–3.6×; one multiplication takes 1.7–1.9× as long as `BN_mod_mul_montgomery`.
/// - Our own limbs with MULX/ADCX/ADOX (x86-64 BMI2 + ADX, inline assembly, two carry chains),
///   AVX2 selection, 6-bit digits: **4.6–6.0×**, the winner by 10–40 % over OpenSSL's
///   multiplication; one multiplication is 5–20 % faster than `BN_mod_mul_montgomery` (no
///   `BIGNUM` conversions). Used wherever the CPU has BMI2 and ADX; the portable C code is the
///   fallback elsewhere, and the tests compare both with OpenSSL.
///
/// Digit width, same runs (MULX/ADX): 4 bits (256 KB table) 4.1–4.6×, 5 bits (416 KB)
/// 4.5–5.8×, **6 bits (688 KB) 4.6–6.0×**, 7 bits (1.2 MB) 4.4–5.5×, 8 bits (2 MB) 3.2–3.6×:
/// past 6 bits, scanning the larger windows costs more than the multiplications it saves.
///
/// `@unchecked Sendable`: the C table is written only in `init` and then only read;
/// `CFixedBase_power` keeps all its state on the calling thread's stack.
package final class FixedBaseExponentiation: @unchecked Sendable {
    private let table: OpaquePointer
    /// The length of N in bytes: every result is padded to it.
    let modulusByteCount: Int
    /// The longest exponent (big-endian bytes, leading zeros included) the table takes.
    let maxExponentByteCount: Int
    package let windowBits: Int
    /// The size of the precomputed powers.
    package let tableByteCount: Int
    /// Which multiplication and selection code runs, e.g. "x86-64 MULX/ADX multiplication, AVX2
    /// selection".
    package let implementation: String

    /// Builds the table of powers of `base` modulo `modulus` (big-endian, no leading zero byte).
    ///
    /// - Parameters:
    ///   - windowBits: the digit width (1...10).
    ///   - maxExponentBits: the longest exponent the table takes (a multiple of 8).
    ///   - portable: use the portable C code even where a faster one exists (for tests).
    /// - Throws: ``MRABatError`` `.crypto` if the modulus is even or has a leading zero byte, the
    ///   base is 0 or not below the modulus, the shape is out of range, or memory runs out.
    init(modulus: [UInt8], base: [UInt8], windowBits: Int, maxExponentBits: Int, portable: Bool = false) throws {
        guard (1...Int(CFIXEDBASE_MAX_WINDOW_BITS)).contains(windowBits),
            (8...Int(CFIXEDBASE_MAX_EXPONENT_BITS)).contains(maxExponentBits)
        else {
            throw MRABatError(
                .crypto, "fixed-base table: \(windowBits)-bit digits or \(maxExponentBits)-bit exponents out of range")
        }
        var table: OpaquePointer?
        let status = CFixedBase_create(
            modulus, modulus.count, base, base.count, UInt32(windowBits), UInt32(maxExponentBits),
            portable ? UInt32(CFIXEDBASE_PORTABLE) : 0, &table)
        guard status == CFIXEDBASE_OK, let table else {
            throw MRABatError(.crypto, "fixed-base table: \(Self.reason(status))")
        }
        self.table = table
        self.modulusByteCount = modulus.count
        self.maxExponentByteCount = Int(CFixedBase_exponent_bits(table)) / 8
        self.windowBits = Int(CFixedBase_window_bits(table))
        self.tableByteCount = CFixedBase_table_bytes(table)
        self.implementation = String(cString: CFixedBase_implementation(table))
    }

    deinit { CFixedBase_free(table) }

    /// `base ^ exponent mod N`, padded to the length of N, or `nil` if `exponent` has more than
    /// ``maxExponentByteCount`` bytes (a public length: its value is not looked at).
    ///
    /// - Parameter exponent: big-endian; may be secret.
    /// - Throws: ``MRABatError`` `.crypto` only on an internal inconsistency.
    func power(_ exponent: [UInt8]) throws -> [UInt8]? {
        guard exponent.count <= maxExponentByteCount else { return nil }
        var result = [UInt8](repeating: 0, count: modulusByteCount)
        let status = CFixedBase_power(table, exponent, exponent.count, &result, result.count)
        guard status == CFIXEDBASE_OK else {
            throw MRABatError(.crypto, "fixed-base exponentiation: \(Self.reason(status))")
        }
        return result
    }

    private static func reason(_ status: Int32) -> String {
        switch Int(status) {
        case CFIXEDBASE_BAD_MODULUS: "the modulus is even, too short or too long, or has a leading zero byte"
        case CFIXEDBASE_BAD_BASE: "the base is 0 or not below the modulus"
        case CFIXEDBASE_BAD_SHAPE: "the digit width or the exponent length is out of range"
        case CFIXEDBASE_NO_MEMORY: "out of memory for the table"
        case CFIXEDBASE_EXPONENT_TOO_LONG: "the exponent is longer than the table supports"
        case CFIXEDBASE_BAD_RESULT_LENGTH: "the result buffer is not as long as the modulus"
        default: "status \(status)"
        }
    }
}
