import Foundation
import GRDB

/// The job history: `mrabat jobs`, `mrabat job N`, and what a committed job means for its outputs.
extension SQLiteStore {
    package func devices(named names: [String]) async throws -> [ExistingDevice] {
        try await read("look up devices by name") { db in try Self.devices(db, named: names) }
    }

    package func jobs() async throws -> [JobInfo] {
        try await read("read the jobs") { db in
            try JobRecord.order(JobRecord.Columns.id).fetchAll(db).map(\.info)
        }
    }

    package func job(id: Int64) async throws -> JobInfo? {
        try await read("read a job") { db in try JobRecord.fetchOne(db, key: id)?.info }
    }

    /// A job row with the current name of its device, for rows recorded without one.
    private struct NamedJobRow: FetchableRecord {
        var row: JobRowRecord
        var currentName: String?

        init(row: Row) throws {
            self.row = try JobRowRecord(row: row)
            currentName = row["current_name"]
        }
    }

    package func jobRows(jobID: Int64, afterLine: Int, limit: Int) async throws -> [JobRowInfo] {
        try await read("read the job's rows") { db in
            let rows = try NamedJobRow.fetchAll(
                db,
                sql: """
                    SELECT r.*, d.name AS current_name FROM job_row r LEFT JOIN device d ON d.id = r.device_id
                    WHERE r.job_id = ? AND r.line > ? ORDER BY r.line LIMIT ?
                    """, arguments: [jobID, afterLine, limit])
            return try rows.map { named in
                let row = named.row
                return JobRowInfo(
                    line: row.line, outcome: JobRowOutcome(rawValue: row.outcome) ?? .rejected,
                    deviceID: row.deviceID, deviceName: row.deviceName ?? named.currentName, reason: row.reason,
                    changes: try StoreJSON.value([FieldChange].self, row.changesJSON) ?? [])
            }
        }
    }

    package func jobEffects(jobID: Int64, afterLine: Int, limit: Int) async throws -> [JobEffect] {
        try await read("read the job's devices") { db in
            let rows = try JobRowRecord.filter(
                JobRowRecord.Columns.jobID == jobID && JobRowRecord.Columns.line > afterLine
                    && JobRowRecord.Columns.outcome != JobRowOutcome.rejected.rawValue
            ).order(JobRowRecord.Columns.line).limit(limit).fetchAll(db)
            let records = try DeviceRecord.filter(rows.compactMap(\.deviceID).contains(DeviceRecord.Columns.id))
                .fetchAll(db)
            let devices = Dictionary(
                zip(records.compactMap(\.id), try Self.devices(db, records)), uniquingKeysWith: { first, _ in first })
            return rows.map { row in
                let outcome = JobRowOutcome(rawValue: row.outcome) ?? .unchanged
                let device = row.deviceID.flatMap { devices[$0] }
                let removed: String? =
                    switch outcome {
                    case .deleted: row.deviceName
                    // A row of a delete run again names a device gone already: its file must go too.
                    case .unchanged where row.deviceID == nil: row.deviceName
                    default: row.previousName
                    }
                return JobEffect(line: row.line, outcome: outcome, device: device, removedName: removed)
            }
        }
    }
}
