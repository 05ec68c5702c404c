/// The phone's side of an activation, for `mrabat activate`: the SRP client built from the typed
/// code, exchanging the four messages with an ``ActivationService`` in process.
package enum PhoneActivation {
    /// Activates the phone `phone` with the code its user typed.
    ///
    /// The client derives the identity I from the code (``ActivationIdentity``) and uses the 16
    /// digits as the SRP password; only I, A and M1 reach the service. The service's proof M2 is
    /// checked too, so the phone knows it spoke to a service holding its code's verifier.
    /// - Throws: ``ActivationRefusal`` when the service refuses; ``MRABatError`` otherwise.
    package static func run(code: ActivationCode, phone: PhoneIdentity, service: ActivationService) async throws
        -> ActivationResult
    {
        var client = try SRPClient(
            parameters: .mrabat, identity: ActivationIdentity(code: code).value, password: code.digits)
        let handshake = try await service.begin(hello: client.hello(), phone: phone)
        let proof = try client.respond(to: handshake.challenge)
        let result = try await service.finish(handshake, proof: proof)
        try client.verify(result.serverProof)
        return result
    }
}
