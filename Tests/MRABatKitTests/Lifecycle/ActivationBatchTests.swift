import Foundation
import TestSupport
import Testing

@testable import MRABatKit

/// The service in steps, as `mrabat serve` runs it: group-committed writes, decoys.
@Suite(.timeLimit(.minutes(15))) struct ActivationBatchTests {
    /// A handshake's pending commit for `code` from the phone `mac`.
    private func pending(_ f: LifecycleFixture, _ code: ActivationCode, mac: String) async throws -> (
        PendingActivation, ActivationService
    ) {
        let service = f.service()
        var client = try SRPClient(
            parameters: .mrabat, identity: ActivationIdentity(code: code).value, password: code.digits)
        let handshake = try await service.begin(
            hello: client.hello(), phone: PhoneIdentity(mac: LifecycleFixture.mac(mac), model: "8845"))
        let proof = try client.respond(to: handshake.challenge)
        guard case .proceed(let pending) = try service.decide(handshake, proof: proof, now: service.now()) else {
            throw MRABatError(.internal, "expected the proof to pass")
        }
        return (pending, service)
    }

    @Test(arguments: TestBackend.allCases) func racingCommitsInOneBatchHaveExactlyOneWinnerAndTheOthersStayIntact(
        backend: TestBackend
    ) async throws {
        let f = try await LifecycleFixture.make(backend)
        let code = try f.code(pool: "DP-Dallas")
        let other = try f.code(pool: "DP-NewYork")
        let (first, _) = try await pending(f, code, mac: "0011223344C1")
        let (second, _) = try await pending(f, code, mac: "0011223344C2")
        let (third, _) = try await pending(f, other, mac: "0011223344C3")
        let refusal = ActivationRefusal(.modelMismatch, "a refusal in the same batch", deviceName: "X")
        let results = await f.store.commitActivations([
            first.write, second.write, .refusal(refusal, deviceID: nil, detail: "batch test", at: Date()), third.write,
        ])
        #expect(results.count == 4)
        #expect((try? results[0].get())?.commit?.device.name == "SEP0011223344C1")
        #expect(throws: ActivationRefusal.self) { try results[1].get() }
        if case .failure(let error as ActivationRefusal) = results[1] { #expect(error.reason == .alreadyUsed) }
        #expect((try? results[2].get()) != nil)
        #expect((try? results[3].get())?.commit?.device.name == "SEP0011223344C3")
        #expect(try f.count("SELECT COUNT(*) FROM activation_code WHERE status = 'used'") == 2)
        #expect(try f.count("SELECT COUNT(*) FROM device WHERE name LIKE 'SEP0011223344C%'") == 2)
        #expect(try f.count("SELECT COUNT(*) FROM audit WHERE outcome = 'already-used'") == 1)
        #expect(
            try f.count("SELECT COUNT(*) FROM audit WHERE outcome = 'model-mismatch' AND detail = 'batch test'") == 1)
    }

    @Test(arguments: TestBackend.allCases) func aMACInUseLosesOnlyItsOwnSavepoint(backend: TestBackend) async throws {
        let f = try await LifecycleFixture.make(backend)
        let (dallas, _) = try await pending(f, try f.code(pool: "DP-Dallas"), mac: LifecycleFixture.optionOneMAC)
        let (newYork, _) = try await pending(f, try f.code(pool: "DP-NewYork"), mac: "0011223344D1")
        let results = await f.store.commitActivations([dallas.write, newYork.write])
        if case .failure(let error as ActivationRefusal) = results[0] {
            #expect(error.reason == .macInUse)
        } else {
            Issue.record("the MAC of the Option 1 phone is in use: \(results[0])")
        }
        #expect((try? results[1].get())?.commit != nil)
        // The loser's code is still outstanding; its device untouched.
        #expect(try f.count("SELECT COUNT(*) FROM activation_code WHERE status = 'outstanding'") == 2)
    }

    @Test func decoysLookRealAndNeverPass() throws {
        let decoy = try ActivationDecoy()
        let first = try decoy.salt(for: "ac1-0123")
        #expect(first == (try decoy.salt(for: "ac1-0123")), "the same identity gets the same salt")
        #expect(first != (try decoy.salt(for: "ac1-0124")))
        #expect(first.count == IssuedCodeSecrets.saltByteCount && first[0] != 0)
        #expect(try ActivationDecoy().salt(for: "ac1-0123") != first, "another key, another salt")

        // A client with any password fails against the decoy's verifier.
        var server = try decoy.server(for: "ac1-0123")
        var client = try SRPClient(parameters: .mrabat, identity: "ac1-0123", password: "0000000000000000")
        let challenge = try server.challenge(for: client.hello())
        #expect(challenge.salt == first)
        #expect(throws: MRABatError.self) { try server.verify(client.respond(to: challenge)) }
    }

    @Test(arguments: TestBackend.allCases) func aDecoyHandshakeIsRefusedAsAWrongProofAndAuditedAsUnknown(
        backend: TestBackend
    ) async throws {
        let f = try await LifecycleFixture.make(backend)
        let service = f.service()
        var client = try SRPClient(parameters: .mrabat, identity: "ac1-nobody", password: "1234123412341234")
        let phone = PhoneIdentity(
            mac: LifecycleFixture.mac("0011223344E1"), model: "8845", micPEM: nil, micRequired: false,
            sourceAddress: "192.0.2.7")
        guard
            case .proceed(let handshake) = try service.prepare(
                hello: client.hello(), phone: phone, record: nil, decoy: try ActivationDecoy(), now: service.now())
        else { throw MRABatError(.internal, "a decoy must get a challenge") }
        #expect(handshake.isDecoy)
        let proof = try client.respond(to: handshake.challenge)
        guard case .refuse(let refusal, let write) = try service.decide(handshake, proof: proof, now: service.now())
        else {
            throw MRABatError(.internal, "a decoy must be refused")
        }
        #expect(refusal.reason == .wrongProof)
        _ = try await service.apply(write)
        #expect(
            try f.count(
                "SELECT COUNT(*) FROM audit WHERE outcome = 'unknown-code' AND detail LIKE '%from 192.0.2.7; decoy%'")
                == 1)
    }

    @Test(arguments: TestBackend.allCases) func aRequiredMICThatIsMissingIsRefused(backend: TestBackend) async throws {
        let f = try await LifecycleFixture.make(backend)
        let service = f.service()
        let client = try SRPClient(parameters: .mrabat, identity: "ac1-x", password: "1234123412341234")
        let phone = PhoneIdentity(mac: LifecycleFixture.mac("0011223344E2"), model: "8845", micRequired: true)
        guard
            case .refuse(let refusal, _) = try service.prepare(
                hello: client.hello(), phone: phone, record: nil, decoy: try ActivationDecoy(), now: service.now())
        else { throw MRABatError(.internal, "no MIC: refused") }
        #expect(refusal.reason == .micMissing)
    }
}
