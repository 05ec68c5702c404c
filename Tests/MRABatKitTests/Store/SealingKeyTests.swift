import Foundation
import TestSupport
import Testing

@testable import MRABatKit

@Suite("Sealing key bound to the store", .timeLimit(.minutes(15)))
struct SealingKeyTests {
    @Test(arguments: TestBackend.allCases) func theFirstJobRecordsTheKeysFingerprint(backend: TestBackend) async throws
    {
        let f = try await LifecycleFixture.make(backend)
        #expect(try await f.store.sealingKeyFingerprint() == (try f.vault.fingerprint))
        let again = try await CodeVault.open(for: f.store, keyFile: f.keyOption)
        #expect(try again.fingerprint == (try f.vault.fingerprint))
    }

    @Test(arguments: TestBackend.allCases) func aDeletedKeyFileIsRefusedNotReplaced(backend: TestBackend) async throws {
        let f = try await LifecycleFixture.make(backend)
        let keyFile = f.keyFile
        try FileManager.default.removeItem(atPath: keyFile)
        let error = await #expect(throws: MRABatError.self) {
            try await CodeVault.open(for: f.store, keyFile: f.keyOption)
        }
        #expect(error?.code == .crypto)
        #expect(error?.message.contains("is missing") == true, "\(String(describing: error))")
        #expect(error?.message.contains("mrabat init --replace-lost-key") == true)
        #expect(!FileManager.default.fileExists(atPath: keyFile), "no second key was minted")
        // An insert is refused too, committing nothing.
        let before = try f.count("SELECT COUNT(*) FROM job")
        let csv = try TestFiles.temporaryFile(
            "more.csv", "DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1\nCisco 8845,DP-Dallas,zoe,7001\n")
        var options = InsertOptions(
            csvPath: csv, templatePath: TestFiles.path("Templates/mra-88xx-5line.yaml"), outDirectory: f.out + "2")
        options.now = f.issuedAt
        await #expect(throws: MRABatError.self) { try await InsertJob.run(store: f.store, options: options) }
        #expect(try f.count("SELECT COUNT(*) FROM job") == before)
    }

    @Test(arguments: TestBackend.allCases) func anotherKeyFileIsRefused(backend: TestBackend) async throws {
        let f = try await LifecycleFixture.make(backend)
        let other = try TestFiles.makeTemporaryDirectory("other-key") + "/k.key"
        _ = try CodeVault.openOrCreate(keyFile: other)
        let error = await #expect(throws: MRABatError.self) { try await CodeVault.open(for: f.store, keyFile: other) }
        #expect(error?.message.contains("is not the key that sealed the activation codes") == true)
    }

    @Test(arguments: TestBackend.allCases) func aStoreFromBeforeFingerprintsAcceptsOnlyTheKeyThatOpensItsCodes(
        backend: TestBackend
    ) async throws {
        let f = try await LifecycleFixture.make(backend)
        // As a v2 store: codes sealed, no fingerprint recorded.
        try await f.execute("DELETE FROM sealing_key")
        let other = try TestFiles.makeTemporaryDirectory("old-store") + "/k.key"
        _ = try CodeVault.openOrCreate(keyFile: other)
        await #expect(throws: MRABatError.self) { try await CodeVault.open(for: f.store, keyFile: other) }
        #expect(try await f.store.sealingKeyFingerprint() == nil, "a wrong key is not recorded")
        let right = try await CodeVault.open(for: f.store, keyFile: f.keyOption)
        #expect(try await f.store.sealingKeyFingerprint() == (try right.fingerprint))
    }

    @Test(arguments: TestBackend.allCases) func replacingALostKeyErasesSealedCopiesButCodesStillActivate(
        backend: TestBackend
    ) async throws {
        let f = try await LifecycleFixture.make(backend)
        let keyFile = f.keyFile
        try FileManager.default.removeItem(atPath: keyFile)
        let (vault, erased) = try await CodeVault.replaceLostKey(for: f.store, keyFile: f.keyOption)
        #expect(erased == 3)
        #expect(try await f.store.sealingKeyFingerprint() == (try vault.fingerprint))
        #expect(try await f.store.outstandingCodes(jobID: nil, now: f.issuedAt, after: 0, limit: 10).isEmpty)
        // The phone's user still holds the code; the verifier is untouched.
        #expect(try await f.refusal(try f.code(pool: "DP-Dallas"), mac: "001122334455") == nil)
        // The key file now exists: a second replacement is refused.
        await #expect(throws: MRABatError.self) {
            try await CodeVault.replaceLostKey(for: f.store, keyFile: f.keyOption)
        }
    }
}
