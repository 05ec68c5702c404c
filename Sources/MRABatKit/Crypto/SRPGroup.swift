import Synchronization

/// A group (N, g) for SRP-6a: a safe prime N and a generator g, from RFC 5054 Appendix A.
///
/// Only the RFC's groups exist as values, so a parameter set can never carry an untested
/// prime. Each group prepares its Montgomery constants once, when first used, and its table of
/// powers of g (``FixedBaseExponentiation``) on its first ``generatorPower(_:)``; both are then
/// shared read-only between all tasks.
package struct SRPGroup: Sendable, Hashable, CustomStringConvertible {
    /// A name for messages, e.g. `RFC 5054 2048-bit`.
    package let name: String
    /// N, big-endian, no leading zeros.
    package let prime: [UInt8]
    /// g, big-endian, no leading zeros.
    package let generator: [UInt8]
    /// The length of N in bits.
    package var bitCount: Int { prime.count * 8 }
    /// The length of N in bytes: what `PAD()` pads to.
    var byteCount: Int { prime.count }

    private let montgomery: Result<MontgomeryModulus, MRABatError>
    private let powers: GeneratorPowers

    /// N's Montgomery constants for OpenSSL's arithmetic.
    ///
    /// - Throws: ``MRABatError`` if they could not be prepared (an allocation failure: the
    ///   primes are constants).
    var modulus: MontgomeryModulus {
        get throws { try montgomery.get() }
    }

    private init(name: String, primeHex: String, generator: UInt8) {
        self.name = name
        self.generator = [generator]
        let prime = Hex.decode(primeHex) ?? []
        self.prime = prime
        self.powers = GeneratorPowers(prime: prime, generator: [generator])
        // These are fixed constants: a failure here is an allocation failure (or a typo in the
        // hex, which the group tests would catch), reported by the first use of the group.
        do {
            guard !prime.isEmpty else { throw MRABatError(.internal, "the \(name) prime is not valid hex") }
            self.montgomery = .success(try MontgomeryModulus(modulus: prime))
        } catch let error as MRABatError {
            self.montgomery = .failure(error)
        } catch {
            self.montgomery = .failure(MRABatError(.crypto, "cannot prepare the \(name) group", cause: "\(error)"))
        }
    }

    /// `g ^ exponent mod N`, padded to the length of N, in constant time with respect to the
    /// exponent's value: from the group's table of powers of g (built on the first call) for
    /// exponents of up to ``GeneratorPowers/maxExponentBits`` bits, which every SRP exponent of
    /// this base is (x is a hash, a and b are 256 random bits); a longer exponent falls back to
    /// OpenSSL's `BN_mod_exp_mont_consttime`, equally constant time, only slower.
    ///
    /// - Parameter exponent: big-endian, may be secret; the caller wipes it.
    /// - Throws: ``MRABatError`` `.crypto` if the table cannot be built or OpenSSL fails.
    func generatorPower(_ exponent: [UInt8]) throws -> [UInt8] {
        if let result = try powers.table().power(exponent) { return result }
        return try genericGeneratorPower(exponent)
    }

    /// `g ^ exponent mod N` by OpenSSL's generic `BN_mod_exp_mont_consttime`: the fallback for
    /// long exponents, the reference the tests compare the table with, and the benchmark's
    /// yardstick.
    package func genericGeneratorPower(_ exponent: [UInt8]) throws -> [UInt8] {
        let modulus = try modulus
        let context = try BigNumberContext()
        let power = try BigNumber(bytes: exponent)
        power.markSecret()
        return try modulus.power(BigNumber(bytes: generator), power, in: context).bytes(paddedTo: byteCount)
    }

    /// The group's table of powers of g, built now if this is the first use.
    package func generatorPowers() throws -> FixedBaseExponentiation { try powers.table() }

    /// The RFC 5054 1024-bit group, g = 2. Only for the Appendix B test vector.
    package static let rfc5054Group1024 = SRPGroup(
        name: "RFC 5054 1024-bit",
        primeHex: """
            EEAF0AB9 ADB38DD6 9C33F80A FA8FC5E8 60726187 75FF3C0B 9EA2314C 9C256576 D674DF74 96EA81D3 \
            383B4813 D692C6E0 E0D5D8E2 50B98BE4 8E495C1D 6089DAD1 5DC7D7B4 6154D6B6 CE8EF4AD 69B15D49 \
            82559B29 7BCF1885 C529F566 660E57EC 68EDBC3C 05726CC0 2FD4CBF4 976EAA9A FD5138FE 8376435B \
            9FC61D2F C0EB06E3
            """,
        generator: 2)

    /// The RFC 5054 2048-bit group, g = 2: what mrabat uses.
    package static let rfc5054Group2048 = SRPGroup(
        name: "RFC 5054 2048-bit",
        primeHex: """
            AC6BDB41 324A9A9B F166DE5E 1389582F AF72B665 1987EE07 FC319294 3DB56050 A37329CB B4A099ED \
            8193E075 7767A13D D52312AB 4B03310D CD7F48A9 DA04FD50 E8083969 EDB767B0 CF609517 9A163AB3 \
            661A05FB D5FAAAE8 2918A996 2F0B93B8 55F97993 EC975EEA A80D740A DBF4FF74 7359D041 D5C33EA7 \
            1D281E44 6B14773B CA97B43A 23FB8016 76BD207A 436C6481 F1D2B907 8717461A 5B9D32E6 88F87748 \
            544523B5 24B0D57D 5EA77A27 75D2ECFA 032CFBDB F52FB378 61602790 04E57AE6 AF874E73 03CE5329 \
            9CCC041C 7BC308D8 2A5698F3 A8D0C382 71AE35F8 E9DBFBB6 94B5C803 D89F7AE4 35DE236D 525F5475 \
            9B65E372 FCD68EF2 0FA7111F 9E4AFF73
            """,
        generator: 2)

    package var description: String { name }

    package static func == (lhs: SRPGroup, rhs: SRPGroup) -> Bool { lhs.name == rhs.name }
    package func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// One group's table of powers of its generator, built on first use, once per process, whatever
/// the number of tasks asking at the same time.
final class GeneratorPowers: Sendable {
    /// The digit width: see ``FixedBaseExponentiation`` for the widths measured.
    static let windowBits = 6
    /// The longest exponent the table takes: SRP-6a's x = H(…) (SHA-256: 256 bits) and the
    /// private values a and b (``SRP/privateValueByteCount``, 32 bytes).
    static let maxExponentBits = 256

    private let prime: [UInt8]
    private let generator: [UInt8]
    private let built = Mutex<FixedBaseExponentiation?>(nil)

    init(prime: [UInt8], generator: [UInt8]) {
        self.prime = prime
        self.generator = generator
    }

    /// The table; the first caller builds it (a few milliseconds) while the others wait.
    func table() throws -> FixedBaseExponentiation {
        try built.withLock { built in
            if let built { return built }
            let table = try FixedBaseExponentiation(
                modulus: prime, base: generator, windowBits: Self.windowBits, maxExponentBits: Self.maxExponentBits)
            built = table
            return table
        }
    }
}
