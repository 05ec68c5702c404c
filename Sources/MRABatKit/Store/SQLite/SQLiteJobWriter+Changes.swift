import Foundation
import GRDB

/// `update`, `delete` and `undo`'s writes, in the job's one transaction (see ``SQLiteStore`` `+Changes`).
extension SQLiteJobWriter {
    func devices(named names: [String]) async throws -> [ExistingDevice] {
        try await run("look up devices by name") { db in try SQLiteStore.devices(db, named: names) }
    }

    func update(_ updates: [DeviceUpdate], now: Date) async throws {
        guard !updates.isEmpty else { return }
        let jobID = self.jobID
        try await run("update devices") { db in
            try SQLiteStore.apply(db, updates, jobID: jobID, now: now)
        }
    }

    func delete(_ rows: [(line: Int, deviceID: Int64)], note: String?, now: Date) async throws {
        guard !rows.isEmpty else { return }
        let jobID = self.jobID
        try await run("delete devices") { db in
            for row in rows {
                try SQLiteStore.remove(db, line: row.line, deviceID: row.deviceID, note: note, jobID: jobID, now: now)
            }
        }
    }

    func recreate(_ rows: [(line: Int, snapshot: DeviceSnapshot)], note: String?, now: Date) async throws {
        guard !rows.isEmpty else { return }
        let jobID = self.jobID
        try await run("bring devices back") { db in
            for row in rows {
                try SQLiteStore.recreate(db, line: row.line, row.snapshot, note: note, jobID: jobID, now: now)
            }
        }
    }

    func recordAlreadyDeleted(_ rows: [(line: Int, deviceName: String, note: String)]) async throws {
        guard !rows.isEmpty else { return }
        let jobID = self.jobID
        try await run("record the job's rows") { db in
            var inserter = BulkInserter<JobRowRecord>()
            for row in rows {
                var record = JobRowRecord(
                    jobID: jobID, line: row.line, outcome: JobRowOutcome.unchanged.rawValue, reason: row.note)
                record.deviceName = row.deviceName
                try inserter.insert(record, into: db)
            }
        }
    }

    func undoCandidates(jobID: Int64, afterLine: Int, limit: Int) async throws -> [UndoCandidate] {
        let own = self.jobID
        return try await run("read the job to undo") { db in
            try SQLiteStore.undoCandidates(db, jobID: jobID, afterLine: afterLine, limit: limit, excluding: own)
        }
    }

    func deletedNames(_ names: [String]) async throws -> [String: (jobID: Int64, line: Int)] {
        try await run("look up deleted devices") { db in try SQLiteStore.deletedNames(db, names) }
    }
}
