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
