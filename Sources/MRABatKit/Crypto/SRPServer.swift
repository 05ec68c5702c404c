/// The server (activation service) side of one SRP-6a handshake, for one stored verifier.
///
/// Use once: ``challenge(for:)`` with the client's hello → send the challenge;
/// ``verify(_:)`` the client's proof → send the returned server proof. Only after `verify`
/// succeeds has the client proved it knows the password and is ``sessionKey`` available.
package struct SRPServer: Sendable {
    package let parameters: SRPParameters
    package let identity: String
    private let salt: [UInt8]
    private let verifier: [UInt8]
    private var state: State = .started
    /// S, kept for the RFC 5054 test vector.
    private(set) var premasterSecret: [UInt8]?

    private enum State: Sendable {
        case started
        case awaitingClientProof(expected: [UInt8], serverProof: [UInt8], sessionKey: [UInt8])
        case verified(sessionKey: [UInt8])
        case failed
    }

    /// A server for the verifier stored for `identity`.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if `verifier` is longer than N or zero.
    package init(parameters: SRPParameters, identity: String, salt: [UInt8], verifier: [UInt8]) throws {
        guard verifier.contains(where: { $0 != 0 }) else { throw MRABatError(.crypto, "SRP verifier is zero") }
        _ = try SRP.pad(verifier, parameters)
        self.parameters = parameters
        self.identity = identity
        self.salt = salt
        self.verifier = verifier
    }

    /// Answers a client's hello with the salt and a fresh public value B.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if the hello names another identity, A % N = 0,
    ///   A ≥ N, u = 0, OpenSSL fails, or the server was already used.
    package mutating func challenge(for hello: SRPClientHello) throws -> SRPServerChallenge {
        try challenge(for: hello, privateValue: SRP.randomPrivateValue())
    }

    /// Answers with a given b — only for known-answer tests.
    mutating func challenge(for hello: SRPClientHello, privateValue: [UInt8]) throws -> SRPServerChallenge {
        guard case .started = state else { throw Self.outOfOrder("challenge(for:)") }
        state = .failed
        guard hello.identity == identity else {
            throw MRABatError(
                .crypto, "SRP hello is for another identity than this server's verifier",
                value: hello.identity)
        }
        let group = try parameters.group.modulus
        let context = try BigNumberContext()
        let a = try SRP.peerValue(hello.publicValue, name: "A", parameters: parameters, context: context)
        let v = try BigNumber(bytes: verifier)
        let b = try BigNumber(bytes: privateValue)
        b.markSecret()
        let k = try BigNumber(bytes: SRP.multiplier(parameters))

        // B = (k·v + g^b) % N
        var gbBytes = try parameters.group.generatorPower(privateValue)
        defer { gbBytes.wipe() }
        let gb = try BigNumber(bytes: gbBytes)
        let serverValue = try group.add(group.multiply(k, v, in: context), gb, in: context)
        guard !serverValue.isZero else { throw MRABatError(.crypto, "SRP B is zero; refusing the handshake") }
        let serverBytes = try serverValue.bytes(paddedTo: group.byteCount)

        let u = try BigNumber(
            bytes: SRP.scrambler(clientValue: hello.publicValue, serverValue: serverBytes, parameters: parameters))
        guard !u.isZero else { throw MRABatError(.crypto, "SRP scrambler u is zero; refusing the handshake") }

        // S = (A·v^u)^b % N
        let base = try group.multiply(a, group.power(v, u, in: context), in: context)
        let secret = try group.power(base, b, in: context).bytes
        premasterSecret = secret

        let sessionKey = try parameters.hash(secret)
        let m1 = try SRP.clientProof(
            identity: identity, salt: salt, clientValue: hello.publicValue, serverValue: serverBytes,
            sessionKey: sessionKey, parameters: parameters)
        let m2 = try SRP.serverProof(
            clientValue: hello.publicValue, clientProof: m1, sessionKey: sessionKey, parameters: parameters)
        state = .awaitingClientProof(expected: m1, serverProof: m2, sessionKey: sessionKey)
        return SRPServerChallenge(salt: salt, publicValue: serverBytes)
    }

    /// Checks the client's proof M1 and, if it matches, returns the server's proof M2.
    ///
    /// - Throws: ``MRABatError`` `.activation` if M1 does not match — the client does not know
    ///   the password (for mrabat: a wrong activation code); `.crypto` if called out of order.
    package mutating func verify(_ proof: SRPClientProof) throws -> SRPServerProof {
        guard case .awaitingClientProof(let expected, let serverProof, let sessionKey) = state else {
            throw Self.outOfOrder("verify(_:)")
        }
        guard SRP.proofsMatch(proof.proof, expected) else {
            state = .failed
            throw MRABatError(.activation, "the client's SRP proof does not match: wrong password (activation code)")
        }
        state = .verified(sessionKey: sessionKey)
        return SRPServerProof(proof: serverProof)
    }

    /// The shared session key K, once ``verify(_:)`` has succeeded.
    package var sessionKey: [UInt8]? {
        if case .verified(let key) = state { return key }
        return nil
    }

    private static func outOfOrder(_ step: String) -> MRABatError {
        MRABatError(.crypto, "SRP server: \(step) called out of order (a server serves one handshake)")
    }
}
