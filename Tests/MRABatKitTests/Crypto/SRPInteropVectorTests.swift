import Testing

@testable import MRABatKit

extension CodesTests {
    /// A handshake computed by the `srp` package (pysrp 1.0.x, pure-Python backend, `rfc5054_enable()`,
    /// SHA-256, 2048-bit group) with fixed a and b chosen so that A and B are one byte shorter than N:
    /// M1, M2 and K must match byte for byte, which pins the minimal encodings of A and B inside
    /// M1 and M2 and `H(PAD(g))` in M1 (SPEC §7).
    @Suite struct SRPInteropVectorTests {
        static let identity = "ac1-00112233445566778899aabbccddeeff"
        static let password = "1234567890123456"
        static let salt = Hex.decode("8f" + String(repeating: "01", count: 15))!
        static let a = Hex.decode(String(repeating: "0a", count: 31) + "80")!
        static let b = Hex.decode(String(repeating: "0b", count: 30) + "0cc8")!
        static let m1 = "2306d826e16c0a2857bac47d3fceb618908f3af192f7ab285429295fef124215"
        static let m2 = "0aafe90ffbcf76c17f09050edadac4fb1c1224d8c688eabde9872d8dde688b2d"
        static let k = "7ecc0f3520b6db85b630d5ba5b393fce0dde88c65599fbd60eee36ef8bc77872"

        @Test func proofsAndKeyMatchPysrp() throws {
            let verifier = try SRP.makeVerifier(
                identity: Self.identity, password: Self.password, salt: Self.salt, parameters: .mrabat)
            var client = try SRPClient(
                parameters: .mrabat, identity: Self.identity, password: Self.password, privateValue: Self.a)
            var server = try SRPServer(
                parameters: .mrabat, identity: Self.identity, salt: Self.salt, verifier: verifier)
            let hello = client.hello()
            #expect(SRP.minimal(hello.publicValue).count == 255)
            let challenge = try server.challenge(for: hello, privateValue: Self.b)
            #expect(SRP.minimal(challenge.publicValue).count == 255)
            let proof = try client.respond(to: challenge)
            #expect(Hex.encode(proof.proof) == Self.m1)
            let serverProof = try server.verify(proof)
            #expect(Hex.encode(serverProof.proof) == Self.m2)
            try client.verify(serverProof)
            #expect(client.sessionKey.map { Hex.encode($0) } == Self.k)
            #expect(server.sessionKey.map { Hex.encode($0) } == Self.k)
        }

        @Test func newSaltsNeverStartWithZero() throws {
            for _ in 0..<2000 {
                let salt = try IssuedCodeSecrets.newSalt()
                #expect(salt.count == IssuedCodeSecrets.saltByteCount)
                #expect(salt[0] != 0)
            }
        }
    }
}
