import Testing

@testable import MRABatKit

extension CodesTests {
    @Suite struct ActivationIdentityTests {
        // Expected values from Python: "ac1-" + hashlib.pbkdf2_hmac("sha256", code.encode(),
        // b"mrabat/activation-identity/v1", ActivationIdentity.iterations, 16).hex()
        @Test(arguments: [
            ("0000000000000000", "ac1-7613e43ee1a59724e11a7a86aa5cbdf4"),
            ("1234567890123456", "ac1-93bfb5a63d244de3334cbeb77924e7e0"),
        ])
        func knownAnswers(_ digits: String, _ expected: String) throws {
            #expect(try ActivationIdentity(code: #require(ActivationCode(digits))).value == expected)
        }

        @Test func deterministicAndDistinctPerCode() throws {
            let codes = try ActivationCode.generate(count: 200)
            let first = try codes.map { try ActivationIdentity(code: $0) }
            let again = try codes.map { try ActivationIdentity(code: $0) }
            #expect(first == again)
            #expect(Set(first).count == codes.count)
            for identity in first {
                #expect(identity.value.hasPrefix("ac1-"))
                #expect(identity.value.count == 4 + 32)
                #expect(identity.value.dropFirst(4).allSatisfy { "0123456789abcdef".contains($0) })
            }
        }

        @Test func identityDoesNotContainTheCode() throws {
            let code = try #require(ActivationCode("1234567890123456"))
            #expect(!(try ActivationIdentity(code: code).value.contains(code.digits)))
        }
    }
}
