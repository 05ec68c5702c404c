import Foundation
import Synchronization
import Testing

@testable import MRABatKit

/// SplitMix64: a tiny seeded generator, so that every exponent of a run can be recomputed from
/// the seed and its index (a failure names both).
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}

extension CodesTests {
    @Suite struct FixedBaseExponentiationTests {
        static let seed: UInt64 = 0x6D72_6162_6174_0011

        /// Exponent number `index` of a run: 32 random bytes mostly; every 16th a random length
        /// from 0 to 32 bytes (SHA-1's 20 among them), every 64th with leading zero bytes.
        static func exponent(_ index: Int, maxBytes: Int = 32) -> [UInt8] {
            var random = SplitMix64(state: seed &+ UInt64(index) &* 0x1_0000_0001)
            var length = maxBytes
            if index % 16 == 3 { length = Int(random.next() % UInt64(maxBytes + 1)) }
            var exponent = random.bytes(length)
            if index % 64 == 5, exponent.count > 4 { exponent.replaceSubrange(0..<3, with: [0, 0, 0]) }
            return exponent
        }

        /// Compares the table with OpenSSL's `BN_mod_exp_mont_consttime` on exponents
        /// `0..<count`, split over one thread per core; returns a line per mismatch.
        ///
        /// Threads of its own rather than tasks: tens of seconds of synchronous arithmetic would
        /// otherwise hold the cooperative pool that the other tests of the run share. On Linux
        /// the threads also run at a lower priority (nice is per thread there), so that tests
        /// timed against the wall clock are not slowed by this one's arithmetic.
        static func mismatches(
            _ table: FixedBaseExponentiation, group: SRPGroup, count: Int, maxBytes: Int = 32
        ) async throws -> [String] {
            let threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
            let collector = Collector(remaining: threads)
            return try await withCheckedThrowingContinuation { continuation in
                for chunk in 0..<threads {
                    Thread {
                        #if os(Linux)
                            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
                        #endif
                        let result = Result {
                            var found: [String] = []
                            for index in stride(from: chunk, to: count, by: threads) {
                                let e = exponent(index, maxBytes: maxBytes)
                                if try table.power(e) != group.genericGeneratorPower(e) {
                                    found.append("seed \(seed) index \(index): exponent \(Hex.encode(e))")
                                }
                            }
                            return found
                        }
                        if let finished = collector.add(result) { continuation.resume(with: finished) }
                    }.start()
                }
            }
        }

        /// Gathers the threads' results; the last one to finish gets the total.
        final class Collector: Sendable {
            private let state: Mutex<(remaining: Int, found: [String], error: (any Error)?)>

            init(remaining: Int) { state = Mutex((remaining, [], nil)) }

            func add(_ result: Result<[String], any Error>) -> Result<[String], any Error>? {
                state.withLock { state in
                    switch result {
                    case .success(let found): state.found += found
                    case .failure(let error): state.error = state.error ?? error
                    }
                    state.remaining -= 1
                    guard state.remaining == 0 else { return nil }
                    if let error = state.error { return .failure(error) }
                    return .success(state.found)
                }
            }
        }

        @Test func matchesOpenSSLOnAHundredThousandExponents() async throws {
            let group = SRPGroup.rfc5054Group2048
            let table = try group.generatorPowers()
            let found = try await Self.mismatches(table, group: group, count: 100_000)
            #expect(found.isEmpty, "\(found.count) mismatches, first: \(found.prefix(3))")
        }

        @Test func portableCodeMatchesOpenSSL() async throws {
            for (group, count) in [(SRPGroup.rfc5054Group2048, 5_000), (.rfc5054Group1024, 5_000)] {
                let table = try FixedBaseExponentiation(
                    modulus: group.prime, base: group.generator, windowBits: 6, maxExponentBits: 256, portable: true)
                #expect(table.implementation == "portable C")
                let found = try await Self.mismatches(table, group: group, count: count)
                #expect(found.isEmpty, "\(group): \(found.count) mismatches, first: \(found.prefix(3))")
            }
        }

        @Test func servesTheRFC5054TestGroup() async throws {
            let group = SRPGroup.rfc5054Group1024
            let table = try group.generatorPowers()
            #expect(table.modulusByteCount == 128)
            let found = try await Self.mismatches(table, group: group, count: 20_000)
            #expect(found.isEmpty, "\(found.count) mismatches, first: \(found.prefix(3))")
        }

        /// RFC 5054 Appendix B: v = g^x with the 160-bit SHA-1 x, and A = g^a (SRPTests checks
        /// the same figures end to end, through the handshake).
        @Test func rfc5054AppendixBPowers() throws {
            let group = SRPGroup.rfc5054Group1024
            let x = try #require(Hex.decode("94B7555A ABE9127C C58CCF49 93DB6CF8 4D16C124"))
            let v = Hex.decode(
                """
                7E273DE8 696FFC4F 4E337D05 B4B375BE B0DDE156 9E8FA00A 9886D812 9BADA1F1 822223CA 1A605B53
                0E379BA4 729FDC59 F105B478 7E5186F5 C671085A 1447B52A 48CF1970 B4FB6F84 00BBF4CE BFBB1681
                52E08AB5 EA53D15C 1AFF87B2 B9DA6E04 E058AD51 CC72BFC9 033B564E 26480D78 E955A5E2 9E7AB245
                DB2BE315 E2099AFB
                """)
            let a = try #require(
                Hex.decode("60975527 035CF2AD 1989806F 0407210B C81EDC04 E2762A56 AFD529DD DA2D4393"))
            let publicA = Hex.decode(
                """
                61D5E490 F6F1B795 47B0704C 436F523D D0E560F0 C64115BB 72557EC4 4352E890 3211C046 92272D8B
                2D1A5358 A2CF1B6E 0BFCF99F 921530EC 8E393561 79EAE45E 42BA92AE ACED8251 71E1E8B9 AF6D9C03
                E1327F44 BE087EF0 6530E69F 66615261 EEF54073 CA11CF58 58F0EDFD FE15EFEA B349EF5D 76988A36
                72FAC47B 0769447B
                """)
            #expect(v?.count == 128)
            #expect(try group.generatorPower(x) == v)
            #expect(try group.generatorPower(a) == publicA)
            // Through the table itself, not a fallback.
            #expect(try group.generatorPowers().power(x) == v)
            #expect(try group.generatorPowers().power(a) == publicA)
        }

        @Test(arguments: [SRPGroup.rfc5054Group2048, .rfc5054Group1024])
        func edgeCaseExponents(_ group: SRPGroup) throws {
            let table = try group.generatorPowers()
            let one = [UInt8](repeating: 0, count: group.byteCount - 1) + [1]
            let g = [UInt8](repeating: 0, count: group.byteCount - 1) + group.generator
            #expect(try table.power([]) == one)
            #expect(try table.power([0]) == one)
            #expect(try table.power([UInt8](repeating: 0, count: 32)) == one)
            #expect(try table.power([1]) == g)
            #expect(try table.power([UInt8](repeating: 0, count: 31) + [1]) == g)
            let cases: [[UInt8]] = [
                [UInt8](repeating: 0xFF, count: 32),  // all ones, 256 bits
                [0x80] + [UInt8](repeating: 0, count: 31),  // 2^255
                [UInt8](repeating: 0, count: 31) + [2],
                [UInt8](repeating: 0x55, count: 32),
                [0xFF],
            ]
            for exponent in cases {
                #expect(try table.power(exponent) == group.genericGeneratorPower(exponent), "\(Hex.encode(exponent))")
            }
        }

        /// Exponents longer than the table takes (33 bytes up to N's size) fall back to OpenSSL.
        @Test(arguments: [SRPGroup.rfc5054Group2048, .rfc5054Group1024])
        func longExponentsFallBackToOpenSSL(_ group: SRPGroup) throws {
            let table = try group.generatorPowers()
            let one = [UInt8](repeating: 0, count: group.byteCount - 1) + [1]
            let g = [UInt8](repeating: 0, count: group.byteCount - 1) + group.generator
            let thirtyThree = [UInt8](repeating: 0, count: 32) + [1]
            #expect(try table.power(thirtyThree) == nil)
            #expect(try group.generatorPower(thirtyThree) == g)

            // N − 1, N, N + 1: Fermat (N is prime) gives 1, g and g² = 4, independently of OpenSSL.
            #expect(group.generator == [2])
            let four = [UInt8](repeating: 0, count: group.byteCount - 1) + [4]
            var nMinusOne = group.prime
            nMinusOne[nMinusOne.count - 1] -= 1
            var nPlusOne = group.prime
            nPlusOne[nPlusOne.count - 1] += 1
            #expect(try group.generatorPower(nMinusOne) == one)
            #expect(try group.generatorPower(group.prime) == g)
            #expect(try group.generatorPower(nPlusOne) == four)
            let random = Self.exponent(7, maxBytes: group.byteCount)
            #expect(try group.generatorPower(random) == group.genericGeneratorPower(random))
        }

        /// A table made for N-sized exponents serves N − 1 and random N-sized exponents itself.
        @Test func tableForModulusSizedExponents() async throws {
            let group = SRPGroup.rfc5054Group2048
            for portable in [false, true] {
                let table = try FixedBaseExponentiation(
                    modulus: group.prime, base: group.generator, windowBits: 6, maxExponentBits: 2048,
                    portable: portable)
                #expect(table.tableByteCount == 342 * 64 * 256)
                var nMinusOne = group.prime
                nMinusOne[nMinusOne.count - 1] -= 1
                let one = [UInt8](repeating: 0, count: 255) + [1]
                let two = [UInt8](repeating: 0, count: 255) + [2]
                #expect(try table.power(nMinusOne) == one)
                #expect(try table.power(group.prime) == two)
                #expect(
                    try table.power([UInt8](repeating: 0xFF, count: 256))
                        == group.genericGeneratorPower(
                            [UInt8](repeating: 0xFF, count: 256)))
                let found = try await Self.mismatches(table, group: group, count: 200, maxBytes: 256)
                #expect(found.isEmpty, "portable \(portable): \(found.prefix(3))")
            }
        }

        @Test(arguments: 1...9)
        func everyWindowWidth(_ windowBits: Int) async throws {
            for group in [SRPGroup.rfc5054Group2048, .rfc5054Group1024] {
                for portable in [false, true] {
                    let table = try FixedBaseExponentiation(
                        modulus: group.prime, base: group.generator, windowBits: windowBits, maxExponentBits: 256,
                        portable: portable)
                    let windows = (256 + windowBits - 1) / windowBits
                    #expect(table.tableByteCount == (windows << windowBits) * group.byteCount)
                    #expect(table.windowBits == windowBits)
                    let found = try await Self.mismatches(table, group: group, count: 64)
                    #expect(found.isEmpty, "\(group), \(windowBits) bits, portable \(portable): \(found.prefix(3))")
                }
            }
        }

        /// Another base and a small odd modulus that is not a whole number of limbs.
        @Test func otherBasesAndModuli() throws {
            let group = SRPGroup.rfc5054Group2048
            let base: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0x9A]
            let table = try FixedBaseExponentiation(
                modulus: group.prime, base: [0, 0] + base, windowBits: 5, maxExponentBits: 256)
            let modulus = try MontgomeryModulus(modulus: group.prime)
            let small = try FixedBaseExponentiation(
                modulus: [0xF1, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01], base: [7], windowBits: 4,
                maxExponentBits: 72)
            let smallModulus = try MontgomeryModulus(modulus: [0xF1, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01])
            for index in 0..<200 {
                let exponent = Self.exponent(index)
                let context = try BigNumberContext()
                let e = try BigNumber(bytes: exponent)
                e.markSecret()
                let expected = try modulus.power(BigNumber(bytes: base), e, in: context).bytes(paddedTo: 256)
                #expect(try table.power(exponent) == expected, "index \(index)")
                let shortExponent = Array(exponent.prefix(9))
                let s = try BigNumber(bytes: shortExponent)
                s.markSecret()
                let smallExpected = try smallModulus.power(BigNumber(bytes: [7]), s, in: context).bytes(paddedTo: 9)
                #expect(try small.power(shortExponent) == smallExpected, "index \(index)")
            }
        }

        @Test func badParametersAreRejected() throws {
            let prime = SRPGroup.rfc5054Group2048.prime
            var even = prime
            even[even.count - 1] &-= 1
            let cases: [(modulus: [UInt8], base: [UInt8], window: Int, bits: Int, message: String)] = [
                (even, [2], 6, 256, "the modulus is even"),
                ([0] + prime, [2], 6, 256, "leading zero byte"),
                ([], [2], 6, 256, "the modulus is even, too short"),
                (prime, [0], 6, 256, "the base is 0"),
                (prime, [], 6, 256, "the base is 0"),
                (prime, prime, 6, 256, "not below the modulus"),
                (prime, [0xFF] + prime, 6, 256, "not below the modulus"),
                (prime, [2], 0, 256, "out of range"),
                (prime, [2], 11, 256, "out of range"),
                (prime, [2], 6, 0, "out of range"),
                (prime, [2], 6, 12, "exponent length is out of range"),
                (prime, [2], 6, 4104, "out of range"),
            ]
            for item in cases {
                let error = #expect(throws: MRABatError.self) {
                    _ = try FixedBaseExponentiation(
                        modulus: item.modulus, base: item.base, windowBits: item.window, maxExponentBits: item.bits)
                }
                #expect(error?.code == .crypto)
                #expect(
                    error?.message.contains(item.message) == true, "\(item.message): \(error?.message ?? "no error")")
            }
        }

        /// Many tasks asking for a fresh group's table at once get one table, built once.
        @Test func tableIsBuiltOnceUnderConcurrency() async throws {
            let group = SRPGroup.rfc5054Group1024
            let powers = GeneratorPowers(prime: group.prime, generator: group.generator)
            let identities = try await withThrowingTaskGroup(of: ObjectIdentifier.self) { tasks in
                for _ in 0..<16 {
                    tasks.addTask { ObjectIdentifier(try powers.table()) }
                }
                return try await tasks.reduce(into: Set<ObjectIdentifier>()) { $0.insert($1) }
            }
            #expect(identities.count == 1)
            #expect(try powers.table().power([3]) == group.genericGeneratorPower([3]))
        }

        /// The production table for mrabat's group: 6-bit digits, 256-bit exponents, 688 KB.
        @Test func mrabatTableShape() throws {
            let table = try SRPGroup.rfc5054Group2048.generatorPowers()
            #expect(table.windowBits == GeneratorPowers.windowBits)
            #expect(table.maxExponentByteCount == 32)
            #expect(table.tableByteCount == 43 * 64 * 256)
            #expect(!table.implementation.isEmpty)
            // The same instance on every call: built once per process.
            #expect(try SRPGroup.rfc5054Group2048.generatorPowers() === table)
        }

        @Test func verifierMatchesOpenSSLPath() throws {
            for index in 0..<50 {
                let salt = Self.exponent(index, maxBytes: 16)
                let password = String(format: "%016d", index * 7919)
                let fast = try SRP.makeVerifier(
                    identity: "ac1-\(index)", password: password, salt: salt, parameters: .mrabat)
                let generic = try SRP.makeVerifierWithOpenSSL(
                    identity: "ac1-\(index)", password: password, salt: salt, parameters: .mrabat)
                #expect(fast == generic)
                #expect(fast.count == 256)
            }
        }

        @Test func wipeZeroesInPlace() {
            var secret: [UInt8] = [1, 2, 3, 4, 5]
            secret.wipe()
            #expect(secret == [0, 0, 0, 0, 0])
            var empty: [UInt8] = []
            empty.wipe()
            #expect(empty.isEmpty)
        }
    }
}
