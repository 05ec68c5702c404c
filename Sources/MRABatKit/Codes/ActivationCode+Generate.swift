extension ActivationCode {
    /// The largest multiple of 10^16 that fits below 2^64 (1844 × 10^16). Random 64-bit values at
    /// or above it are redrawn: keeping them would make the codes below 2^64 mod 10^16
    /// (about 6.7 × 10^15 of them) slightly likelier than the rest.
    static let rejectionLimit: UInt64 = (UInt64.max / modulus) * modulus

    /// How many codes' worth of random bytes one `RAND_bytes` call draws.
    ///
    /// A DRBG call costs far more than 8 bytes of output, so bulk draws dominate speed; 4096
    /// codes (32 KiB) amortise the call without holding much memory.
    static let codesPerDraw = 4096

    /// Fills a buffer with random bytes; throws if it cannot. Production codes use
    /// ``SecureRandom/fill(_:)`` (OpenSSL's `RAND_bytes`); tests pass a scripted source to check
    /// what is done with each drawn value.
    typealias RandomBytes = (UnsafeMutableRawBufferPointer) throws -> Void

    /// A fresh code, uniform over all 10^16 values.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if the random generator fails.
    package static func generate() throws -> ActivationCode {
        try generate(count: 1, randomBytes: SecureRandom.fill)[0]
    }

    /// `count` fresh codes, each uniform over all 10^16 values and all distinct from each other.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if the random generator fails.
    package static func generate(count: Int) throws -> [ActivationCode] {
        try generate(count: count, randomBytes: SecureRandom.fill)
    }

    /// `count` codes from `randomBytes`.
    ///
    /// Each code comes from 8 random bytes read as a `UInt64` (native byte order): values at or
    /// above ``rejectionLimit`` are rejected (rejection sampling), the rest reduced modulo 10^16.
    /// Random bytes are drawn in bulk, one call per up to ``codesPerDraw`` codes. A value that
    /// repeats one already in the batch is redrawn, so the batch never holds a duplicate
    /// (uniqueness against codes already outstanding is the store's check).
    static func generate(count: Int, randomBytes: RandomBytes) throws -> [ActivationCode] {
        precondition(count >= 0, "negative code count")
        var codes: [ActivationCode] = []
        codes.reserveCapacity(count)
        var seen = Set<UInt64>(minimumCapacity: count)
        var words = [UInt64](repeating: 0, count: min(max(count, 1), codesPerDraw))
        while codes.count < count {
            let wanted = min(count - codes.count, words.count)
            try words.withUnsafeMutableBytes {
                try randomBytes(UnsafeMutableRawBufferPointer(rebasing: $0[..<(wanted * 8)]))
            }
            for word in words[..<wanted] where word < rejectionLimit {
                let value = word % modulus
                if seen.insert(value).inserted { codes.append(ActivationCode(reduced: value)) }
            }
        }
        return codes
    }
}
