import Foundation
import MRABatKit
import PostgresNIO

extension PostgresStore {
    package func commitActivations(_ writes: [ActivationWrite]) async -> [Result<ActivationWriteResult, any Error>] {
        guard !writes.isEmpty else { return [] }
        do {
            // Run again from the start after a deadlock with another node's batch: the results are
            // recomputed with the transaction, so none of an aborted attempt's survives.
            return try await write("record \(writes.count) activation attempt(s)") { db in
                var results: [Result<ActivationWriteResult, any Error>] = []
                results.reserveCapacity(writes.count)
                for write in writes {
                    try await db.run("SAVEPOINT activation_write")
                    do {
                        let result = try await Self.apply(write, in: db)
                        try await db.run("RELEASE SAVEPOINT activation_write")
                        results.append(.success(result))
                    } catch let refusal as ActivationRefusal {
                        // The savepoint rolls the lost commit back; its refusal is audited instead.
                        try await db.run("ROLLBACK TO SAVEPOINT activation_write")
                        if case .commit(let code, _, let detail, let at) = write {
                            try await db.appendAudit([
                                StoreEvents.activationLost(refusal, deviceID: code.deviceID, detail: detail, at: at)
                            ])
                        }
                        results.append(.failure(refusal))
                    }
                }
                return results
            }
        } catch {
            return writes.map { _ in .failure(error) }
        }
    }

    /// One activation write inside the caller's transaction.
    static func apply(_ write: ActivationWrite, in db: PostgresConnection) async throws -> ActivationWriteResult {
        let event = write.auditEvent
        switch write {
        case .refusal:
            try await db.appendAudit([event])
            return ActivationWriteResult()
        case .failedAttempt(let deviceID, let limit, _, _, _):
            return ActivationWriteResult(
                attempts: try await recordFailedAttempt(db, deviceID: deviceID, limit: limit, event: event))
        case .expire(let code, _, _, let at):
            _ = try await endCode(db, id: code.id, status: .expired, now: at)
            try await db.appendAudit([event])
            return ActivationWriteResult()
        case .commit(let code, let mac, _, _):
            return ActivationWriteResult(commit: try await commitActivation(db, code: code, mac: mac, event: event))
        }
    }

    /// The number of audit records: every change to a device, line or code is audited, and records
    /// are only ever appended, so the count grows with each commit that changed something.
    ///
    /// Not `MAX(id)` as in SQLite: with writers at once, ids are handed out in insert order but become
    /// visible in commit order, so a record with a lower id can appear after a higher one was read.
    /// The count is exact; it costs an index-only scan of `audit`'s key.
    package func changeMarker() async throws -> Int64 {
        try await read("check the store for changes") { db in
            try await db.value("SELECT count(*) FROM audit", as: Int64.self) ?? 0
        }
    }

    package func appendAudit(_ events: [AuditEvent]) async throws {
        try await write("write the audit log") { db in try await db.appendAudit(events) }
    }

    package func history(device name: String) async throws -> [AuditEntry] {
        try await read("read the audit log") { db in
            // A device keeps its id across the BAT → SEP rename, so its history reads from insert to now
            // under either name; records of refused activations that matched no device carry only the
            // name the phone presented.
            var ids = Set(
                try await db.rows("SELECT id FROM device WHERE name = \(name)").map { try $0.get("id", as: Int64.self) }
            )
            ids.formUnion(
                try await db.rows(
                    "SELECT DISTINCT device_id FROM audit WHERE device_name = \(name) AND device_id IS NOT NULL"
                ).map { try $0.get("device_id", as: Int64.self) })
            let idList = Array(ids)
            let rows = try await db.rows(
                """
                SELECT id, at, device_id, device_name, event, outcome, detail FROM audit
                WHERE device_id = ANY(\(idList)) OR (device_id IS NULL AND device_name = \(name))
                ORDER BY id
                """)
            if rows.isEmpty && ids.isEmpty {
                throw MRABatError(.notFound, "no device named \(name) and no audit record for it", value: name)
            }
            return try rows.map { row in
                AuditEntry(
                    id: try row.get("id"),
                    record: AuditEvent(
                        at: Self.date(try row.get("at")), deviceID: try row.get("device_id"),
                        deviceName: try row.get("device_name"), event: try row.get("event"),
                        outcome: try row.get("outcome"), detail: try row.get("detail")))
            }
        }
    }
}
