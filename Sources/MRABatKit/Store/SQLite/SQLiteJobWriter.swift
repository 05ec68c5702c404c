import CSystemCalls
import Foundation
import GRDB
import Synchronization

extension SQLiteStore {
    package func beginJob(kind: String, input: String, template: String, now: Date) async throws -> any JobWriter {
        try await SQLiteJobWriter(store: self, kind: kind, input: input, template: template, now: now)
    }
}

/// One job's write transaction on a connection of its own, held open while the job streams its rows.
///
/// `BEGIN IMMEDIATE` takes the write lock, so two jobs on one store run one after the other;
/// everything the job writes becomes visible at ``commit(summary:now:)`` or not at all — a process
/// killed in between leaves SQLite's WAL to discard the uncommitted frames on next open.
///
/// This connection alone allows a transaction to outlive one access (`allowsUnsafeTransactions`):
/// the job owns it, calls it from one task at a time, and always ends it (commit, rollback, or the
/// connection closing with the object, which rolls back).
final class SQLiteJobWriter: JobWriter {
    /// The job connection's page cache, in KiB, while its transaction is open (SQLite's default is 2 MB).
    ///
    /// A job's transaction dirties pages of the random-keyed indexes (identities, names) far beyond
    /// 2 MB; SQLite then spills them to the WAL and reads them back, ~4 `pwrite` and ~4 `pread` per
    /// device (`perf trace -s` of a 100k-row insert: 439k and 424k calls). A larger cache cuts those
    /// misses: paired 100k-row runs, 2 MB → 12 MB, store stage 7.49/7.21 s → 6.84/6.71 s, peak RSS
    /// 86/85 MB → 93/92 MB (16 MB: 7.5 s → 6.2 s of the job's CPU in its writes, but ~96 MB, too near
    /// the 100 MB the 1M-row run must stay under). The cache is handed back when the transaction ends
    /// (``releaseCache(_:)``), before the outputs are written, which need their own memory.
    static let cacheKiB = 12_000
    private let connection: DatabaseQueue
    let jobID: Int64
    private let isOpen = Mutex(true)

    init(store: SQLiteStore, kind: String, input: String, template: String, now: Date) async throws {
        var configuration = SQLiteStore.configuration(readOnly: false, store.busyTimeout)
        configuration.allowsUnsafeTransactions = true
        do {
            connection = try DatabaseQueue(path: store.path, configuration: configuration)
            jobID = try await connection.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA cache_size = \(-Self.cacheKiB)")
                try db.execute(sql: "BEGIN IMMEDIATE")
                do {
                    var job = JobRecord(
                        kind: kind, inputPath: input, templateName: template, startedAt: SQLiteStore.seconds(now),
                        accepted: 0, unchanged: 0, rejected: 0)
                    try job.insert(db)
                    guard let id = job.id else { throw MRABatError(.internal, "the new job has no id") }
                    return id
                } catch {
                    try? db.execute(sql: "ROLLBACK")
                    throw error
                }
            }
        } catch {
            throw SQLiteStore.map(error, doing: "start the job")
        }
    }

    /// `body` on the job's connection, inside its transaction; errors mapped for the user.
    func run<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T) async throws
        -> T
    {
        guard isOpen.withLock({ $0 }) else { throw MRABatError(.internal, "job \(jobID)'s transaction already ended") }
        do {
            return try await connection.writeWithoutTransaction(body)
        } catch {
            throw SQLiteStore.map(error, doing: action)
        }
    }

    func existingDevices(keys: [NaturalKey], macs: [String], names: [String]) async throws -> [ExistingDevice] {
        try await run("look up existing devices") { db in
            try SQLiteStore.existingDevices(db, keys: keys, macs: macs, names: names)
        }
    }

    func lines(ofDevices deviceIDs: [Int64]) async throws -> [Int64: Int] {
        guard !deviceIDs.isEmpty else { return [:] }
        let jobID = self.jobID
        return try await run("look up rows of the job") { db in
            var lines: [Int64: Int] = [:]
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT device_id, line FROM job_row
                        WHERE device_id IN (SELECT value FROM json_each(?)) AND job_id = ?
                        """), arguments: [SQLiteStore.jsonArray(deviceIDs), jobID])
            for row in rows {
                let device: Int64 = row[0]
                let line: Int = row[1]
                lines[device] = min(lines[device] ?? line, line)
            }
            return lines
        }
    }

    func takenNames(_ names: [String]) async throws -> Set<String> {
        try await run("look up device names") { db in
            Set(
                try String.fetchAll(
                    db.cachedStatement(sql: "SELECT name FROM device WHERE name IN (SELECT value FROM json_each(?))"),
                    arguments: [SQLiteStore.jsonArray(names)]))
        }
    }

    func outstandingIdentities(among identities: [String]) async throws -> Set<String> {
        try await run("look up activation codes") { db in
            Set(
                try String.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT identity FROM activation_code
                            WHERE status = 'outstanding' AND identity IN (SELECT value FROM json_each(?))
                            """), arguments: [SQLiteStore.jsonArray(identities)]))
        }
    }

    func insert(_ devices: [NewDevice], issuedAt: Date, expiresAt: Date) async throws {
        let issued = SQLiteStore.seconds(issuedAt)
        let expires = SQLiteStore.seconds(expiresAt)
        let jobID = self.jobID
        try await run("write devices") { db in
            let issue = StoreEvents.Issue(jobID: jobID, at: issuedAt, expiresAt: expiresAt)
            var deviceRows = BulkInserter<DeviceRecord>()
            var lineRows = BulkInserter<LineRecord>()
            var codeRows = BulkInserter<ActivationCodeRecord>()
            var jobRows = BulkInserter<JobRowRecord>()
            var auditRows = BulkInserter<AuditRecord>()
            for new in devices {
                let draft = new.draft
                try deviceRows.insert(DeviceRecord(draft: draft, jobID: jobID, createdAt: issued), into: db)
                let deviceID = db.lastInsertedRowID
                for line in draft.attributes.lines {
                    try lineRows.insert(LineRecord(deviceID: deviceID, line: line), into: db)
                }
                try codeRows.insert(
                    ActivationCodeRecord(
                        deviceID: deviceID, secrets: new.secrets, boundMAC: draft.mac?.hex, issuedAt: issued,
                        expiresAt: expires, jobID: jobID), into: db)
                var jobRow = JobRowRecord(
                    jobID: jobID, line: draft.sourceLine, outcome: "accepted", deviceID: deviceID)
                jobRow.deviceName = draft.name
                try jobRows.insert(jobRow, into: db)
                try auditRows.insert(AuditRecord(issue.event(deviceID: deviceID, draft: draft)), into: db)
            }
        }
    }

    func recordUnchanged(_ rows: [(line: Int, deviceID: Int64)]) async throws {
        let jobID = self.jobID
        try await recordRows(
            rows.map { JobRowRecord(jobID: jobID, line: $0.line, outcome: "unchanged", deviceID: $0.deviceID) })
    }

    func recordRejected(_ rows: [RowRejection]) async throws {
        let jobID = self.jobID
        try await recordRows(
            rows.map { JobRowRecord(jobID: jobID, line: $0.line, outcome: "rejected", reason: $0.reason) })
    }

    private func recordRows(_ records: [JobRowRecord]) async throws {
        guard !records.isEmpty else { return }
        try await run("record the job's rows") { db in
            var rows = BulkInserter<JobRowRecord>()
            for record in records { try rows.insert(record, into: db) }
        }
    }

    func commit(summary: JobSummary, now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        let jobID = self.jobID
        try await run("commit the job") { db in
            guard var job = try JobRecord.fetchOne(db, key: jobID) else {
                throw MRABatError(.internal, "job \(jobID) vanished from its own transaction")
            }
            job.finishedAt = SQLiteStore.seconds(now)
            job.accepted = summary.accepted
            job.unchanged = summary.unchanged
            job.rejected = summary.rejected
            job.updated = summary.updated
            job.deleted = summary.deleted
            job.summaryJSON = json
            job.auditMark = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM audit")
            if let undone = summary.undoes {
                job.undoes = undone
                try JobRecord.filter(JobRecord.Columns.id == undone).updateAll(
                    db, JobRecord.Columns.undoneBy.set(to: jobID))
                // Undoing an undo puts the job it reversed back in effect: it may be undone again.
                if let reversed = try JobRecord.fetchOne(db, key: undone)?.undoes {
                    try JobRecord.filter(JobRecord.Columns.id == reversed).updateAll(
                        db, JobRecord.Columns.undoneBy.set(to: nil))
                }
            }
            try job.update(db)
            try db.execute(sql: "COMMIT")
            Self.releaseCache(db)
        }
        isOpen.withLock { $0 = false }
    }

    /// Returns the job's page cache once its transaction has ended (every page is clean then): back
    /// to SQLite's default size, the freed pages handed back to the system.
    private static func releaseCache(_ db: Database) {
        try? db.execute(sql: "PRAGMA cache_size = -2000")
        try? db.execute(sql: "PRAGMA shrink_memory")
        malloc_trim(0)
    }

    func rollback() async throws {
        guard
            isOpen.withLock({ open in
                defer { open = false }; return open
            })
        else { return }
        do {
            try await connection.writeWithoutTransaction { db in
                if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
                Self.releaseCache(db)
            }
        } catch {
            throw SQLiteStore.map(error, doing: "roll back the job")
        }
    }
}
