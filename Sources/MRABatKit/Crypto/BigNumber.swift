import COpenSSL

/// An OpenSSL `BIGNUM`, owned: freed (and cleared, as it may hold a secret) on deinit.
///
/// Not `Sendable`: a `BIGNUM` is mutable and unsynchronised. SRP code creates these per call
/// and hands only byte arrays across tasks.
final class BigNumber {
    let pointer: OpaquePointer

    /// A new number, zero.
    init() throws {
        guard let pointer = BN_new() else { throw OpenSSLFailure.error("BN_new failed") }
        self.pointer = pointer
    }

    /// The number whose big-endian unsigned encoding is `bytes` (empty means zero).
    init(bytes: [UInt8]) throws {
        guard let pointer = BN_bin2bn(bytes, Int32(bytes.count), nil) else {
            throw OpenSSLFailure.error("BN_bin2bn failed")
        }
        self.pointer = pointer
    }

    deinit { BN_clear_free(pointer) }

    var isZero: Bool { BN_is_zero(pointer) == 1 }

    /// The minimal big-endian encoding (no leading zero bytes; zero is empty).
    var bytes: [UInt8] {
        var result = [UInt8](repeating: 0, count: Int(COpenSSL_BN_num_bytes(pointer)))
        _ = BN_bn2bin(pointer, &result)
        return result
    }

    /// The big-endian encoding left-padded with zeros to `length` bytes (RFC 5054 `PAD()`).
    func bytes(paddedTo length: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: length)
        guard BN_bn2binpad(pointer, &result, Int32(length)) == Int32(length) else {
            throw MRABatError(.crypto, "a number does not fit in \(length) bytes")
        }
        return result
    }

    /// Marks the number so OpenSSL takes constant-time paths when it is an exponent.
    func markSecret() {
        BN_set_flags(pointer, BN_FLG_CONSTTIME)
    }
}

/// An OpenSSL `BN_CTX` scratch pool, owned. One per computation: a `BN_CTX` must never be
/// used by two threads at once, and creating one is cheap next to a modular exponentiation.
final class BigNumberContext {
    let pointer: OpaquePointer

    init() throws {
        // The "secure" variant keeps temporaries in the secure heap when one is configured.
        guard let pointer = BN_CTX_secure_new() else { throw OpenSSLFailure.error("BN_CTX_new failed") }
        self.pointer = pointer
    }

    deinit { BN_CTX_free(pointer) }
}

/// Montgomery parameters for one modulus, computed once and then only read.
///
/// `@unchecked Sendable` because it is immutable after `init`: OpenSSL's modular
/// exponentiation only reads a caller-supplied `BN_MONT_CTX` (OpenSSL itself shares one per RSA
/// key across threads the same way), and the modulus `BIGNUM` is never written after setup.
final class MontgomeryModulus: @unchecked Sendable {
    let modulus: BigNumber
    let montgomery: OpaquePointer
    /// The length of the modulus in bytes: what `PAD()` pads to.
    let byteCount: Int

    init(modulus bytes: [UInt8]) throws {
        let modulus = try BigNumber(bytes: bytes)
        let context = try BigNumberContext()
        guard let montgomery = BN_MONT_CTX_new() else { throw OpenSSLFailure.error("BN_MONT_CTX_new failed") }
        guard BN_MONT_CTX_set(montgomery, modulus.pointer, context.pointer) == 1 else {
            BN_MONT_CTX_free(montgomery)
            throw OpenSSLFailure.error("BN_MONT_CTX_set failed")
        }
        self.modulus = modulus
        self.montgomery = montgomery
        self.byteCount = Int(COpenSSL_BN_num_bytes(modulus.pointer))
    }

    deinit { BN_MONT_CTX_free(montgomery) }

    /// `base ^ exponent mod N`, in constant time with respect to the exponent.
    ///
    /// Every SRP exponent is secret or derived from one (x, a, b, a + u·x), hence constant time
    /// throughout; see ``SRP`` for the measured cost against the variable-time path.
    func power(_ base: BigNumber, _ exponent: BigNumber, in context: BigNumberContext) throws -> BigNumber {
        let result = try BigNumber()
        guard
            BN_mod_exp_mont_consttime(
                result.pointer, base.pointer, exponent.pointer, modulus.pointer,
                context.pointer, montgomery) == 1
        else { throw OpenSSLFailure.error("modular exponentiation failed") }
        return result
    }

    /// `(lhs * rhs) mod N`.
    func multiply(_ lhs: BigNumber, _ rhs: BigNumber, in context: BigNumberContext) throws -> BigNumber {
        let result = try BigNumber()
        guard BN_mod_mul(result.pointer, lhs.pointer, rhs.pointer, modulus.pointer, context.pointer) == 1 else {
            throw OpenSSLFailure.error("modular multiplication failed")
        }
        return result
    }

    /// `(lhs + rhs) mod N`.
    func add(_ lhs: BigNumber, _ rhs: BigNumber, in context: BigNumberContext) throws -> BigNumber {
        let result = try BigNumber()
        guard BN_mod_add(result.pointer, lhs.pointer, rhs.pointer, modulus.pointer, context.pointer) == 1 else {
            throw OpenSSLFailure.error("modular addition failed")
        }
        return result
    }

    /// `(lhs - rhs) mod N`, non-negative.
    func subtract(_ lhs: BigNumber, _ rhs: BigNumber, in context: BigNumberContext) throws -> BigNumber {
        let result = try BigNumber()
        guard BN_mod_sub(result.pointer, lhs.pointer, rhs.pointer, modulus.pointer, context.pointer) == 1 else {
            throw OpenSSLFailure.error("modular subtraction failed")
        }
        return result
    }

    /// `value mod N`, non-negative.
    func reduce(_ value: BigNumber, in context: BigNumberContext) throws -> BigNumber {
        let result = try BigNumber()
        guard BN_nnmod(result.pointer, value.pointer, modulus.pointer, context.pointer) == 1 else {
            throw OpenSSLFailure.error("modular reduction failed")
        }
        return result
    }
}

extension BigNumber {
    /// `lhs * rhs + addend`, not reduced: the exponent `a + u·x` of the client's premaster secret.
    static func multiplyAdd(
        _ lhs: BigNumber, _ rhs: BigNumber, plus addend: BigNumber, in context: BigNumberContext
    ) throws -> BigNumber {
        let product = try BigNumber()
        let sum = try BigNumber()
        guard BN_mul(product.pointer, lhs.pointer, rhs.pointer, context.pointer) == 1,
            BN_add(sum.pointer, product.pointer, addend.pointer) == 1
        else { throw OpenSSLFailure.error("big number arithmetic failed") }
        return sum
    }
}
