import Foundation
import MRABatKit
import PostgresNIO

/// The job history: `mrabat jobs`, `mrabat job N`, and what a committed job means for its outputs —
/// as SQLite's, query for query.
extension PostgresStore {
    /// The columns of a job, qualified by `j`.
    static let jobColumns = """
        j.id, j.kind, j.input_path, j.template_name, j.started_at, j.finished_at, j.accepted, j.unchanged,
        j.updated, j.deleted, j.rejected, j.undone_by, j.undoes
        """

    static func jobInfo(_ row: PostgresRandomAccessRow) throws -> JobInfo {
        let finished = try row.get("finished_at", as: Int64?.self)
        return JobInfo(
            id: try row.get("id"), kind: try row.get("kind"), input: try row.get("input_path"),
            template: try row.get("template_name"), started: date(try row.get("started_at")),
            finished: finished.map(date), accepted: try row.get("accepted"), unchanged: try row.get("unchanged"),
            updated: try row.get("updated"), deleted: try row.get("deleted"), rejected: try row.get("rejected"),
            committed: finished != nil, undoneBy: try row.get("undone_by"), undoes: try row.get("undoes"))
    }

    package func jobs() async throws -> [JobInfo] {
        try await read("read the jobs") { db in
            try await db.rows("SELECT \(unescaped: Self.jobColumns) FROM job j ORDER BY j.id").map(Self.jobInfo)
        }
    }

    package func job(id: Int64) async throws -> JobInfo? {
        try await read("read a job") { db in
            try await db.rows("SELECT \(unescaped: Self.jobColumns) FROM job j WHERE j.id = \(id)").first.map(
                Self.jobInfo)
        }
    }

    package func jobRows(jobID: Int64, afterLine: Int, limit: Int) async throws -> [JobRowInfo] {
        try await read("read the job's rows") { db in
            try await db.rows(
                """
                SELECT r.line, r.outcome, r.device_id, r.reason, r.changes_json,
                    COALESCE(r.device_name, d.name) AS shown_name
                FROM job_row r LEFT JOIN device d ON d.id = r.device_id
                WHERE r.job_id = \(jobID) AND r.line > \(afterLine) ORDER BY r.line LIMIT \(limit)
                """
            ).map { row in
                JobRowInfo(
                    line: try row.get("line"),
                    outcome: JobRowOutcome(rawValue: try row.get("outcome")) ?? .rejected,
                    deviceID: try row.get("device_id"), deviceName: try row.get("shown_name"),
                    reason: try row.get("reason"),
                    changes: try StoreJSON.value([FieldChange].self, try row.get("changes_json")) ?? [])
            }
        }
    }

    package func jobEffects(jobID: Int64, afterLine: Int, limit: Int) async throws -> [JobEffect] {
        try await read("read the job's devices") { db in
            let rows = try await db.rows(
                """
                SELECT line, outcome, device_id, device_name, previous_name FROM job_row
                WHERE job_id = \(jobID) AND line > \(afterLine) AND outcome <> 'rejected'
                ORDER BY line LIMIT \(limit)
                """)
            let ids = try rows.compactMap { try $0.get("device_id", as: Int64?.self) }
            var devices: [Int64: StoredDevice] = [:]
            if !ids.isEmpty {
                for found in try await Self.devices(
                    db, "SELECT \(unescaped: DeviceRow.columns) FROM device d WHERE d.id = ANY(\(ids))")
                {
                    devices[found.device.id] = found.device
                }
            }
            return try rows.map { row in
                let outcome = JobRowOutcome(rawValue: try row.get("outcome")) ?? .unchanged
                let deviceID = try row.get("device_id", as: Int64?.self)
                let deviceName = try row.get("device_name", as: String?.self)
                let removed: String? =
                    switch outcome {
                    case .deleted: deviceName
                    // A row of a delete run again names a device gone already: its file must go too.
                    case .unchanged where deviceID == nil: deviceName
                    default: try row.get("previous_name")
                    }
                return JobEffect(
                    line: try row.get("line"), outcome: outcome, device: deviceID.flatMap { devices[$0] },
                    removedName: removed)
            }
        }
    }
}
