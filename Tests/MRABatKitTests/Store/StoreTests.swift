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

    /// A phone's `start` finds its code by identity: the outstanding one even when a code that ended
    /// later has a higher id, else the one that ended last, each through its own partial index.
    @Test(arguments: TestBackend.allCases) func anIdentityFindsItsOutstandingCodeElseTheCodeThatEndedLast(
        backend: TestBackend
    ) async throws {
        let f = try await LifecycleFixture.make(backend)
        let name = try f.name(pool: "DP-Dallas")
        let deviceID: Int64 = try #require(try f.value("SELECT id FROM device WHERE name = ?", [name]))
        let outstanding: Int64 = try #require(
            try f.value("SELECT id FROM activation_code WHERE device_id = ? AND status = 'outstanding'", [deviceID]))
        let identity: String = try #require(
            try f.value("SELECT identity FROM activation_code WHERE id = ?", [outstanding]))
        func found() async throws -> (id: Int64, status: ActivationCodeStatus)? {
            try await f.store.activationRecord(identity: identity).map { ($0.code.id, $0.code.status) }
        }
        func addEnded(_ id: Int64, _ status: String) async throws {
            try await f.execute(
                """
                INSERT INTO activation_code (id, device_id, identity, status, issued_at, expires_at, ended_at)
                VALUES (\(id), \(deviceID), '\(identity)', '\(status)', 0, 1, 1)
                """)
        }
        #expect(try await found()?.id == outstanding)
        // Codes with the same identity that ended (an earlier, reissued code of the same digits).
        try await addEnded(outstanding + 1_000, "expired")
        try await addEnded(outstanding + 2_000, "released")
        #expect(try await found()?.id == outstanding, "outstanding first, whatever the ids")
        #expect(try await found()?.status == .outstanding)
        try await f.execute("UPDATE activation_code SET status = 'used', ended_at = 2 WHERE id = \(outstanding)")
        #expect(try await found()?.id == outstanding + 2_000, "else the code that ended last")
        #expect(try await found()?.status == .released)
        #expect(try await f.store.activationRecord(identity: "ac1-" + String(repeating: "0", count: 32)) == nil)
    }
}
