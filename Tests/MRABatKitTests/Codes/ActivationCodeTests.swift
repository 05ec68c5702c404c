import Testing

@testable import MRABatKit

extension CodesTests {
    @Suite struct ActivationCodeTests {
        @Test(arguments: ["0000000000000000", "1234567890123456", "9999999999999999"])
        func strictParseAcceptsSixteenDigits(_ text: String) throws {
            let code = try #require(ActivationCode(text))
            #expect(code.digits == text)
            #expect(code.description == text)
        }

        @Test(arguments: [
            "", "123456789012345", "12345678901234567", "1234-5678-9012-3456", "1234 5678 9012 3456",
            " 1234567890123456", "123456789012345a", "１２３４５６７８９０１２３４５６", "+234567890123456",
        ])
        func strictParseRejectsEverythingElse(_ text: String) {
            #expect(ActivationCode(text) == nil)
        }

        @Test(arguments: [
            "1234567890123456", "1234-5678-9012-3456", "1234 5678 9012 3456", " 1234 5678-9012 3456 ",
        ])
        func userInputAllowsSpacesAndDashes(_ text: String) {
            #expect(ActivationCode(userInput: text)?.digits == "1234567890123456")
        }

        @Test(arguments: ["1234.5678.9012.3456", "1234-5678-9012-345", "1234_5678_9012_3456", "12345678901234567"])
        func userInputRejectsOtherSeparatorsAndLengths(_ text: String) {
            #expect(ActivationCode(userInput: text) == nil)
        }

        @Test func leadingZerosSurvive() throws {
            let code = try #require(ActivationCode(value: 42))
            #expect(code.digits == "0000000000000042")
            #expect(ActivationCode(value: ActivationCode.modulus) == nil)
        }

        @Test func rejectionLimitIsLargestMultipleBelowTwoToThe64() {
            let limit = ActivationCode.rejectionLimit
            #expect(limit == 18_440_000_000_000_000_000)
            #expect(limit % ActivationCode.modulus == 0)
            #expect(UInt64.max - limit < ActivationCode.modulus)
        }

        @Test func generateGivesRequestedCountOfValidCodes() throws {
            // Crosses the bulk-draw boundary so refills are exercised.
            let codes = try ActivationCode.generate(count: ActivationCode.codesPerDraw * 2 + 3)
            #expect(codes.count == ActivationCode.codesPerDraw * 2 + 3)
            #expect(codes.allSatisfy { ActivationCode($0.digits) == $0 })
            #expect(try ActivationCode.generate(count: 0).isEmpty)
            #expect(try ActivationCode.generate().digits.count == 16)
        }

        /// Hands out scripted 64-bit values as random bytes (native byte order, as the generator
        /// reads them) and records how many values each call asked for.
        final class ScriptedRandom {
            var values: [UInt64]
            private(set) var requests: [Int] = []

            init(_ values: [UInt64]) { self.values = values }

            func fill(_ buffer: UnsafeMutableRawBufferPointer) throws {
                let count = buffer.count / 8
                requests.append(count)
                guard values.count >= count else { throw MRABatError(.crypto, "the script ran out of values") }
                let words = values.prefix(count)
                values.removeFirst(count)
                Array(words).withUnsafeBytes { buffer.copyMemory(from: $0) }
            }
        }

        /// Without rejection sampling (plain `value % 10^16`) the 2^64 mod 10^16 lowest codes would come up
        /// 1845 times in 2^64 draws instead of 1844: a bias of 1/1844 no χ² test of a feasible sample
        /// sees. So the test scripts the draws: values at or above the limit must be drawn again.
        @Test func valuesAtOrAboveTheRejectionLimitAreRedrawn() throws {
            let limit = ActivationCode.rejectionLimit
            let random = ScriptedRandom([limit, UInt64.max, limit + 12_345, limit - 1])
            let codes = try ActivationCode.generate(count: 1, randomBytes: random.fill)
            // limit - 1 is 1844 × 10^16 - 1, whose remainder is the largest code.
            #expect(codes.map(\.digits) == ["9999999999999999"])
            #expect(random.requests == [1, 1, 1, 1], "three rejected draws, then the accepted one")
            #expect(random.values.isEmpty)
        }

        @Test func aBatchKeepsItsAcceptedValuesInOrderAndRedrawsOnlyWhatIsMissing() throws {
            let limit = ActivationCode.rejectionLimit
            let random = ScriptedRandom([
                42, limit, 10_000_000_000_000_007, UInt64.max - 1,  // four drawn: two kept
                limit + 1, 123,  // the two missing: one kept
                42,  // the last one missing: a repeat of the batch, drawn again
                5,
            ])
            let codes = try ActivationCode.generate(count: 4, randomBytes: random.fill)
            #expect(
                codes.map(\.digits) == ["0000000000000042", "0000000000000007", "0000000000000123", "0000000000000005"])
            #expect(random.requests == [4, 2, 1, 1])
            #expect(random.values.isEmpty)
        }

        /// Pearson's statistic for each digit position (9 degrees of freedom each) and summed
        /// over all 16 positions (144 degrees of freedom).
        static func chiSquare(_ codes: [ActivationCode]) -> (perPosition: [Double], total: Double) {
            var counts = [[Int]](repeating: [Int](repeating: 0, count: 10), count: ActivationCode.length)
            for code in codes {
                for (position, digit) in code.asciiDigits.enumerated() { counts[position][Int(digit - 48)] += 1 }
            }
            let expected = Double(codes.count) / 10
            let perPosition = counts.map { row in
                row.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
            }
            return (perPosition, perPosition.reduce(0, +))
        }

        // Critical values from scipy.stats.chi2.isf: 9 degrees of freedom at p = 1e-9 is 60.66;
        // 144 degrees of freedom at p = 1e-6 is 239.50. A sound generator fails these about
        // once in a million runs; a biased one fails them every time (see the next test).
        static let positionLimit = 60.66
        static let totalLimit = 239.50

        @Test func hundredThousandCodesAreUniformAndUnique() throws {
            let codes = try ActivationCode.generate(count: 100_000)
            #expect(Set(codes).count == codes.count)
            let (perPosition, total) = Self.chiSquare(codes)
            for (position, statistic) in perPosition.enumerated() {
                #expect(statistic < Self.positionLimit, "digit position \(position + 1): χ² = \(statistic)")
            }
            #expect(total < Self.totalLimit, "χ² over all positions = \(total)")
        }

        @Test func chiSquareCatchesABiasedGenerator() throws {
            // Codes below 10^15 — the first digit always 0 — as a naive generator might produce.
            let biased = try ActivationCode.generate(count: 10_000).map {
                ActivationCode(value: $0.value % 1_000_000_000_000_000)!
            }
            let (perPosition, total) = Self.chiSquare(biased)
            #expect(perPosition[0] > Self.positionLimit)
            #expect(total > Self.totalLimit)
        }
    }
}
