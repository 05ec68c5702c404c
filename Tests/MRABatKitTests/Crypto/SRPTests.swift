import Testing

@testable import MRABatKit

/// Hex without white space, lowercase, for comparing with the RFC's figures.
private func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
private func bytes(_ text: String) -> [UInt8] { Hex.decode(text)! }
private func normalised(_ text: String) -> String { hex(bytes(text)) }

/// RFC 5054 Appendix B.
private enum Vector {
    static let identity = "alice"
    static let password = "password123"
    static let salt = bytes("BEB25379 D1A8581E B5A72767 3A2441EE")
    static let k = "7556AA04 5AEF2CDD 07ABAF0F 665C3E81 8913186F"
    static let x = "94B7555A ABE9127C C58CCF49 93DB6CF8 4D16C124"
    static let v = """
        7E273DE8 696FFC4F 4E337D05 B4B375BE B0DDE156 9E8FA00A 9886D812 9BADA1F1 822223CA 1A605B53 0E379BA4
        729FDC59 F105B478 7E5186F5 C671085A 1447B52A 48CF1970 B4FB6F84 00BBF4CE BFBB1681 52E08AB5 EA53D15C
        1AFF87B2 B9DA6E04 E058AD51 CC72BFC9 033B564E 26480D78 E955A5E2 9E7AB245 DB2BE315 E2099AFB
        """
    static let a = bytes("60975527 035CF2AD 1989806F 0407210B C81EDC04 E2762A56 AFD529DD DA2D4393")
    static let b = bytes("E487CB59 D31AC550 471E81F0 0F6928E0 1DDA08E9 74A004F4 9E61F5D1 05284D20")
    static let publicA = """
        61D5E490 F6F1B795 47B0704C 436F523D D0E560F0 C64115BB 72557EC4 4352E890 3211C046 92272D8B 2D1A5358
        A2CF1B6E 0BFCF99F 921530EC 8E393561 79EAE45E 42BA92AE ACED8251 71E1E8B9 AF6D9C03 E1327F44 BE087EF0
        6530E69F 66615261 EEF54073 CA11CF58 58F0EDFD FE15EFEA B349EF5D 76988A36 72FAC47B 0769447B
        """
    static let publicB = """
        BD0C6151 2C692C0C B6D041FA 01BB152D 4916A1E7 7AF46AE1 05393011 BAF38964 DC46A067 0DD125B9 5A981652
        236F99D9 B681CBF8 7837EC99 6C6DA044 53728610 D0C6DDB5 8B318885 D7D82C7F 8DEB75CE 7BD4FBAA 37089E6F
        9C6059F3 88838E7A 00030B33 1EB76840 910440B1 B27AAEAE EB4012B7 D7665238 A8E3FB00 4B117B58
        """
    static let u = "CE38B959 3487DA98 554ED47D 70A7AE5F 462EF019"
    static let premaster = """
        B0DC82BA BCF30674 AE450C02 87745E79 90A3381F 63B387AA F271A10D 233861E3 59B48220 F7C4693C 9AE12B0A
        6F67809F 0876E2D0 13800D6C 41BB59B6 D5979B5C 00A172B4 A2A5903A 0BDCAF8A 709585EB 2AFAFA8F 3499B200
        210DCC1F 10EB3394 3CD67FC8 8A2F39A4 BE5BEC4E C0A3212D C346D7E4 74B29EDE 8A469FFE CA686E5A
        """
}

extension CodesTests {
    @Suite struct SRPTests {
        let vector = SRPParameters.rfc5054TestVector

        @Test func rfc5054MultiplierAndPrivateKey() throws {
            #expect(hex(try SRP.multiplier(vector)) == normalised(Vector.k))
            let x = try SRP.privateKey(
                identity: Vector.identity, password: Vector.password, salt: Vector.salt,
                parameters: vector)
            #expect(hex(x) == normalised(Vector.x))
        }

        @Test func rfc5054Verifier() throws {
            let v = try SRP.makeVerifier(
                identity: Vector.identity, password: Vector.password, salt: Vector.salt,
                parameters: vector)
            #expect(hex(v) == normalised(Vector.v))
            #expect(v.count == 128)
        }

        @Test func rfc5054HandshakeValues() throws {
            let v = try SRP.makeVerifier(
                identity: Vector.identity, password: Vector.password, salt: Vector.salt,
                parameters: vector)
            var client = try SRPClient(
                parameters: vector, identity: Vector.identity, password: Vector.password,
                privateValue: Vector.a)
            var server = try SRPServer(parameters: vector, identity: Vector.identity, salt: Vector.salt, verifier: v)
            let hello = client.hello()
            #expect(hex(hello.publicValue) == normalised(Vector.publicA))
            let challenge = try server.challenge(for: hello, privateValue: Vector.b)
            #expect(hex(challenge.publicValue) == normalised(Vector.publicB))
            #expect(challenge.salt == Vector.salt)
            let u = try SRP.scrambler(
                clientValue: hello.publicValue, serverValue: challenge.publicValue, parameters: vector)
            #expect(hex(u) == normalised(Vector.u))
            let clientProof = try client.respond(to: challenge)
            #expect(hex(client.premasterSecret ?? []) == normalised(Vector.premaster))
            #expect(hex(server.premasterSecret ?? []) == normalised(Vector.premaster))
            let serverProof = try server.verify(clientProof)
            try client.verify(serverProof)
            #expect(client.sessionKey != nil)
            #expect(client.sessionKey == server.sessionKey)
        }

        @Test func groupsAreRFC5054Sizes() {
            #expect(SRPGroup.rfc5054Group1024.bitCount == 1024)
            #expect(SRPGroup.rfc5054Group2048.bitCount == 2048)
            #expect(SRPGroup.rfc5054Group2048.prime.first == 0xAC)
            #expect(SRPGroup.rfc5054Group2048.prime.last == 0x73)
            #expect(SRPParameters.mrabat.hash == .sha256)
        }

        /// Runs a full handshake with random a, b and salt; returns both sides' session keys.
        private func handshake(
            registered: String, attempted: String, parameters: SRPParameters = .mrabat
        ) throws -> (client: SRPClient, server: SRPServer) {
            let salt = try SecureRandom.bytes(16)
            let v = try SRP.makeVerifier(identity: "phone", password: registered, salt: salt, parameters: parameters)
            #expect(v.count == parameters.group.bitCount / 8)
            var client = try SRPClient(parameters: parameters, identity: "phone", password: attempted)
            var server = try SRPServer(parameters: parameters, identity: "phone", salt: salt, verifier: v)
            let challenge = try server.challenge(for: client.hello())
            let serverProof = try server.verify(client.respond(to: challenge))
            try client.verify(serverProof)
            return (client, server)
        }

        @Test func mrabatHandshakeAgreesOnKey() throws {
            let (client, server) = try handshake(registered: "1234567890123456", attempted: "1234567890123456")
            #expect(client.sessionKey?.count == 32)
            #expect(client.sessionKey == server.sessionKey)
        }

        @Test func wrongPasswordIsAnActivationError() throws {
            let error = #expect(throws: MRABatError.self) {
                _ = try handshake(registered: "1234567890123456", attempted: "1234567890123457")
            }
            #expect(error?.code == .activation)
            #expect(error?.message.contains("client's SRP proof does not match") == true)
        }

        @Test func tamperedServerProofFails() throws {
            let parameters = SRPParameters.mrabat
            let salt = try SecureRandom.bytes(16)
            let v = try SRP.makeVerifier(identity: "phone", password: "secret", salt: salt, parameters: parameters)
            var client = try SRPClient(parameters: parameters, identity: "phone", password: "secret")
            var server = try SRPServer(parameters: parameters, identity: "phone", salt: salt, verifier: v)
            let challenge = try server.challenge(for: client.hello())
            var serverProof = try server.verify(client.respond(to: challenge))
            serverProof.proof[7] ^= 0x01
            let error = #expect(throws: MRABatError.self) { try client.verify(serverProof) }
            #expect(error?.code == .activation)
            #expect(error?.message.contains("server's SRP proof does not match") == true)
            #expect(client.sessionKey == nil)
        }

        @Test(arguments: ["zero", "N", "2N"])
        func degenerateClientValueIsRejected(_ kind: String) throws {
            let parameters = SRPParameters.mrabat
            let n = parameters.group.prime
            let value: [UInt8] =
                switch kind {
                case "zero": [UInt8](repeating: 0, count: n.count)
                case "N": n
                default:
                    try BigNumber.multiplyAdd(
                        BigNumber(bytes: n), BigNumber(bytes: [2]), plus: BigNumber(),
                        in: BigNumberContext()
                    ).bytes
                }
            let salt = try SecureRandom.bytes(16)
            let v = try SRP.makeVerifier(identity: "phone", password: "secret", salt: salt, parameters: parameters)
            var server = try SRPServer(parameters: parameters, identity: "phone", salt: salt, verifier: v)
            let error = #expect(throws: MRABatError.self) {
                _ = try server.challenge(for: SRPClientHello(identity: "phone", publicValue: value))
            }
            #expect(error?.code == .crypto)
            #expect(error?.message.contains("A is 0 modulo N") == true)
        }

        @Test func clientValueAboveNIsRejected() throws {
            let parameters = SRPParameters.mrabat
            var value = parameters.group.prime
            value[value.count - 1] &+= 1  // N + 1: nonzero mod N, but not a valid encoding
            let salt = try SecureRandom.bytes(16)
            let v = try SRP.makeVerifier(identity: "phone", password: "secret", salt: salt, parameters: parameters)
            var server = try SRPServer(parameters: parameters, identity: "phone", salt: salt, verifier: v)
            let error = #expect(throws: MRABatError.self) {
                _ = try server.challenge(for: SRPClientHello(identity: "phone", publicValue: value))
            }
            #expect(error?.message.contains("A is not below N") == true)
        }

        @Test func degenerateServerValueIsRejected() throws {
            let parameters = SRPParameters.mrabat
            var client = try SRPClient(parameters: parameters, identity: "phone", password: "secret")
            let challenge = SRPServerChallenge(salt: [1, 2, 3], publicValue: parameters.group.prime)
            let error = #expect(throws: MRABatError.self) { _ = try client.respond(to: challenge) }
            #expect(error?.message.contains("B is 0 modulo N") == true)
        }

        @Test func helloForAnotherIdentityIsRejected() throws {
            let parameters = SRPParameters.mrabat
            let salt = try SecureRandom.bytes(16)
            let v = try SRP.makeVerifier(identity: "phone", password: "secret", salt: salt, parameters: parameters)
            var server = try SRPServer(parameters: parameters, identity: "phone", salt: salt, verifier: v)
            let client = try SRPClient(parameters: parameters, identity: "other", password: "secret")
            #expect(throws: MRABatError.self) { _ = try server.challenge(for: client.hello()) }
        }

        @Test func clientCannotRespondTwice() throws {
            let parameters = SRPParameters.mrabat
            let salt = try SecureRandom.bytes(16)
            let v = try SRP.makeVerifier(identity: "phone", password: "secret", salt: salt, parameters: parameters)
            var client = try SRPClient(parameters: parameters, identity: "phone", password: "secret")
            var server = try SRPServer(parameters: parameters, identity: "phone", salt: salt, verifier: v)
            let challenge = try server.challenge(for: client.hello())
            _ = try client.respond(to: challenge)
            #expect(throws: MRABatError.self) { _ = try client.respond(to: challenge) }
        }

        @Test func verifiersComputeConcurrently() async throws {
            let salt = try SecureRandom.bytes(16)
            let expected = try SRP.makeVerifier(identity: "i", password: "p", salt: salt, parameters: .mrabat)
            let results = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try SRP.makeVerifier(identity: "i", password: "p", salt: salt, parameters: .mrabat)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 16)
            #expect(results.allSatisfy { $0 == expected })
        }
    }
}
