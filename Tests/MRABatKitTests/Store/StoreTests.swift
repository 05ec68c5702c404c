import Foundation
import TestSupport
import Testing

@testable import MRABatKit

/// What every backend must do alike: each test runs against an SQLite file and a PostgreSQL database.
@Suite("Store, every backend", .timeLimit(.minutes(15)))
struct StoreTests {
    @Test(arguments: TestBackend.allCases) func failedAttemptsPastTheLimitSayWhenTheThrottleStarted(
        backend: TestBackend
    ) async throws {
        let f = try await LifecycleFixture.make(backend) { $0.enterprise.maxActivationAttempts = 2 }
        let name = try f.name(pool: "DP-Dallas")
        let id: Int64 = try #require(try f.value("SELECT id FROM device WHERE name = ?", [name]))
        var counts: [FailedAttemptCount] = []
        for _ in 0..<4 {
            counts.append(
                try await f.store.recordFailedAttempt(
                    deviceID: id, limit: 2,
                    event: AuditEvent(
                        at: f.issuedAt, deviceID: id, deviceName: nil, event: "activate", outcome: "wrong-proof")))
        }
        #expect(counts.map(\.attempts) == [1, 2, 3, 4])
        #expect(counts.map(\.throttled) == [false, true, true, true])
        let details = try await f.store.history(device: name).filter { $0.outcome == "wrong-proof" }.compactMap(
            \.detail)
        #expect(
            details == [
                "failed attempt 1 of 2", "failed attempt 2 of 2", "failed attempt 3; throttled since attempt 2",
                "failed attempt 4; throttled since attempt 2",
            ])
        #expect(try await f.store.history(device: name).filter { $0.event == "throttle" }.count == 1)
    }

    @Test(arguments: TestBackend.allCases) func aJobRolledBackLeavesNothingAndTheStoreCanBeWrittenAgain(
        backend: TestBackend
    ) async throws {
        let f = try await LifecycleFixture.make(backend)
        let before = try f.count("SELECT COUNT(*) FROM job")
        let writer = try await f.store.beginJob(kind: "insert", input: "x.csv", template: "t", now: Date())
        try await writer.recordRejected([RowRejection(line: 2, fields: ["a"], problems: [])])
        try await writer.rollback()
        try await writer.rollback()
        #expect(try f.count("SELECT COUNT(*) FROM job") == before)
        #expect(try f.count("SELECT COUNT(*) FROM job_row WHERE line = 2 AND outcome = 'rejected'") == 0)
        await #expect(throws: MRABatError.self) { try await writer.recordUnchanged([(line: 3, deviceID: 1)]) }
        // The write lock is free again.
        try await f.store.appendAudit([AuditEvent(at: Date(), deviceID: nil, deviceName: "X", event: "test")])
    }

    @Test(arguments: TestBackend.allCases) func aNewCodeWhoseIdentityIsOutstandingIsAConflictAndChangesNothing(
        backend: TestBackend
    ) async throws {
        let f = try await LifecycleFixture.make(backend)
        let dallas = try f.name(pool: "DP-Dallas")
        let newYork = try f.name(pool: "DP-NewYork")
        // Secrets with the identity of New York's outstanding code, for Dallas.
        let taken = try #require(try await f.store.lifecycleState(deviceNamed: newYork)?.outstandingCode)
        let identity: String = try #require(
            try f.value("SELECT identity FROM activation_code WHERE id = ?", [taken.id]))
        let secrets = IssuedCodeSecrets(
            identity: identity, salt: [1], verifier: [2],
            sealed: [UInt8](repeating: 3, count: CodeVault.sealedByteCount))
        await #expect(throws: StoreConflict.codeIdentityTaken) {
            try await f.store.replaceCode(
                deviceNamed: dallas, with: secrets, expiresAt: f.issuedAt, event: "regenerate", clearsActivation: false,
                now: f.issuedAt, check: { _ in })
        }
        #expect(try f.count("SELECT COUNT(*) FROM activation_code WHERE status = 'outstanding'") == 3)
        #expect(try await f.store.lifecycleState(deviceNamed: dallas)?.outstandingCode != nil, "the old code stays")
    }
}
