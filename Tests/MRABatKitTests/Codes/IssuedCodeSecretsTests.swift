import Testing

@testable import MRABatKit

extension CodesTests {
    @Suite struct IssuedCodeSecretsTests {
        let vault = CodeVault(key: try! SecureRandom.bytes(32))

        @Test func recordLetsTheCodeHolderCompleteAHandshake() throws {
            let code = try ActivationCode.generate()
            let record = try IssuedCodeSecrets.issue(code: code, vault: vault, parameters: .mrabat)

            // The phone side: only the code.
            let identity = try ActivationIdentity(code: code).value
            var client = try SRPClient(parameters: .mrabat, identity: identity, password: code.digits)
            let hello = client.hello()
            #expect(hello.identity == record.identity)

            // The service side: only the record, found by the hello's identity.
            var server = try SRPServer(
                parameters: .mrabat, identity: record.identity, salt: record.salt,
                verifier: record.verifier)
            let serverProof = try server.verify(client.respond(to: server.challenge(for: hello)))
            try client.verify(serverProof)
            #expect(client.sessionKey == server.sessionKey)
            #expect(try vault.open(record.sealed, associatedData: Array(record.identity.utf8)) == code)
        }

        @Test func anotherCodeFailsAgainstTheRecord() throws {
            let code = try ActivationCode.generate()
            let record = try IssuedCodeSecrets.issue(code: code, vault: vault)
            let wrong = ActivationCode(value: (code.value + 1) % ActivationCode.modulus)!
            // Same identity (as if it collided), wrong digits: the proof must not match.
            var client = try SRPClient(parameters: .mrabat, identity: record.identity, password: wrong.digits)
            var server = try SRPServer(
                parameters: .mrabat, identity: record.identity, salt: record.salt,
                verifier: record.verifier)
            let challenge = try server.challenge(for: client.hello())
            let proof = try client.respond(to: challenge)
            let error = #expect(throws: MRABatError.self) { _ = try server.verify(proof) }
            #expect(error?.code == .activation)
        }

        @Test func recordShapeAndNoPlaintext() throws {
            let code = try ActivationCode.generate()
            let record = try IssuedCodeSecrets.issue(code: code, vault: vault)
            #expect(record.identity == (try ActivationIdentity(code: code).value))
            #expect(record.salt.count == 16)
            #expect(record.verifier.count == 256)
            #expect(record.sealed.count == CodeVault.sealedByteCount)
            let digits = Array(code.digits.utf8)
            for field in [Array(record.identity.utf8), record.salt, record.verifier, record.sealed] {
                #expect(!field.containsSubsequence(digits))
            }
            // Two issues of the same code differ in salt, verifier and sealed bytes.
            let again = try IssuedCodeSecrets.issue(code: code, vault: vault)
            #expect(again.identity == record.identity)
            #expect(again.salt != record.salt)
            #expect(again.verifier != record.verifier)
            #expect(again.sealed != record.sealed)
        }

        @Test func sealedCopyIsBoundToItsIdentity() throws {
            let first = try IssuedCodeSecrets.issue(code: try ActivationCode.generate(), vault: vault)
            let second = try IssuedCodeSecrets.issue(code: try ActivationCode.generate(), vault: vault)
            #expect(throws: MRABatError.self) {
                _ = try vault.open(first.sealed, associatedData: Array(second.identity.utf8))
            }
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
