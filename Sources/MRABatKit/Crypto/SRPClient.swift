/// The client (phone) side of one SRP-6a handshake.
///
/// Use once: ``hello()`` → send it; ``respond(to:)`` with the server's challenge → send the
/// proof; ``verify(_:)`` the server's proof. Only after `verify` succeeds has the server been
/// authenticated and is ``sessionKey`` available. A value type of byte arrays, so it can be
/// carried across tasks; it holds the password, so do not keep it longer than the handshake.
package struct SRPClient: Sendable {
    package let parameters: SRPParameters
    package let identity: String
    private let password: String
    /// a, the private value.
    private let privateValue: [UInt8]
    /// A = g^a % N, padded.
    private let publicValue: [UInt8]
    private var state: State = .started
    /// S, kept for the RFC 5054 test vector.
    private(set) var premasterSecret: [UInt8]?

    private enum State: Sendable {
        case started
        case awaitingServerProof(expected: [UInt8], sessionKey: [UInt8])
        case verified(sessionKey: [UInt8])
        case failed
    }

    /// Starts a handshake for `identity` with `password`, choosing a fresh random a.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if the random generator or OpenSSL fails.
    package init(parameters: SRPParameters, identity: String, password: String) throws {
        try self.init(
            parameters: parameters, identity: identity, password: password,
            privateValue: SRP.randomPrivateValue())
    }

    /// Starts a handshake with a given a — only for known-answer tests.
    init(parameters: SRPParameters, identity: String, password: String, privateValue: [UInt8]) throws {
        self.parameters = parameters
        self.identity = identity
        self.password = password
        self.privateValue = privateValue
        self.publicValue = try parameters.group.generatorPower(privateValue)
    }

    /// The first message: identity I and public value A.
    package func hello() -> SRPClientHello {
        SRPClientHello(identity: identity, publicValue: publicValue)
    }

    /// Answers the server's challenge with the proof M1, computing the session key.
    ///
    /// - Throws: ``MRABatError`` `.crypto` if B % N = 0, B ≥ N, u = 0, OpenSSL fails, or the
    ///   client was already used; the handshake is then over.
    package mutating func respond(to challenge: SRPServerChallenge) throws -> SRPClientProof {
        guard case .started = state else { throw Self.outOfOrder("respond(to:)") }
        state = .failed
        let group = try parameters.group.modulus
        let context = try BigNumberContext()
        let b = try SRP.peerValue(challenge.publicValue, name: "B", parameters: parameters, context: context)
        let u = try BigNumber(
            bytes: SRP.scrambler(clientValue: publicValue, serverValue: challenge.publicValue, parameters: parameters))
        guard !u.isZero else { throw MRABatError(.crypto, "SRP scrambler u is zero; refusing the handshake") }
        var xBytes = try SRP.privateKey(
            identity: identity, password: password, salt: challenge.salt, parameters: parameters)
        defer { xBytes.wipe() }
        let x = try BigNumber(bytes: xBytes)
        x.markSecret()
        let k = try BigNumber(bytes: SRP.multiplier(parameters))
        let a = try BigNumber(bytes: privateValue)

        // S = (B - k·g^x)^(a + u·x) % N
        var gxBytes = try parameters.group.generatorPower(xBytes)
        defer { gxBytes.wipe() }
        let gx = try BigNumber(bytes: gxBytes)
        let base = try group.subtract(b, group.multiply(k, gx, in: context), in: context)
        let exponent = try BigNumber.multiplyAdd(u, x, plus: a, in: context)
        exponent.markSecret()
        let secret = try group.power(base, exponent, in: context).bytes
        premasterSecret = secret

        let sessionKey = try parameters.hash(secret)
        let m1 = try SRP.clientProof(
            identity: identity, salt: challenge.salt, clientValue: publicValue, serverValue: challenge.publicValue,
            sessionKey: sessionKey, parameters: parameters)
        let m2 = try SRP.serverProof(
            clientValue: publicValue, clientProof: m1, sessionKey: sessionKey, parameters: parameters)
        state = .awaitingServerProof(expected: m2, sessionKey: sessionKey)
        return SRPClientProof(proof: m1)
    }

    /// Checks the server's proof M2; on success the server is authenticated.
    ///
    /// - Throws: ``MRABatError`` `.activation` if M2 does not match — the server does not hold
    ///   the verifier for this identity and password (or the message was altered);
    ///   `.crypto` if called out of order.
    package mutating func verify(_ proof: SRPServerProof) throws {
        guard case .awaitingServerProof(let expected, let sessionKey) = state else {
            throw Self.outOfOrder("verify(_:)")
        }
        guard SRP.proofsMatch(proof.proof, expected) else {
            state = .failed
            throw MRABatError(
                .activation, "the server's SRP proof does not match: it does not hold this code's verifier")
        }
        state = .verified(sessionKey: sessionKey)
    }

    /// The shared session key K, once ``verify(_:)`` has succeeded.
    package var sessionKey: [UInt8]? {
        if case .verified(let key) = state { return key }
        return nil
    }

    private static func outOfOrder(_ step: String) -> MRABatError {
        MRABatError(.crypto, "SRP client: \(step) called out of order (a client serves one handshake)")
    }
}
