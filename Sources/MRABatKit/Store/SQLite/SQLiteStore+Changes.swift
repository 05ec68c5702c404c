import Foundation
import GRDB

/// What `update`, `delete` and `undo` write, inside a job's transaction: each change of a device with
/// its job row (the device as it was, for `undo`) and its audit records.
extension SQLiteStore {
    /// The device of `record` with its lines, and its codes when `codes` is set.
    static func snapshot(_ db: Database, _ record: DeviceRecord, codes: Bool) throws -> DeviceSnapshot {
        guard let id = record.id, let device = try devices(db, [record]).first else {
            throw MRABatError(.internal, "a device record without an id")
        }
        let codeRecords =
            codes
            ? try ActivationCodeRecord.filter(ActivationCodeRecord.Columns.deviceID == id)
                .order(ActivationCodeRecord.Columns.id).fetchAll(db) : []
        return DeviceSnapshot(
            id: id, name: record.name, mac: record.mac, naturalKey: record.naturalKey, attributes: device.attributes,
            templateName: record.templateName, createdByJob: record.jobID, createdAt: date(record.createdAt),
            activatedAt: record.activatedAt.map(date), failedAttempts: record.failedAttempts,
            throttled: record.throttled,
            codes: codeRecords.map { code in
                CodeSnapshot(
                    status: ActivationCodeStatus(rawValue: code.status) ?? .released, identity: code.identity,
                    salt: code.salt.map { [UInt8]($0) }, verifier: code.verifier.map { [UInt8]($0) },
                    sealed: code.sealed.map { [UInt8]($0) }, boundMAC: code.boundMAC, issuedAt: date(code.issuedAt),
                    expiresAt: date(code.expiresAt), endedAt: code.endedAt.map(date), jobID: code.jobID)
            })
    }

    /// Devices named `names` (current names only), as reconciliation sees them.
    static func devices(_ db: Database, named names: [String]) throws -> [ExistingDevice] {
        guard !names.isEmpty else { return [] }
        let records = try DeviceRecord.filter(names.contains(DeviceRecord.Columns.name)).fetchAll(db)
        return zip(records, try devices(db, records)).map { record, device in
            ExistingDevice(
                device: device, naturalKey: record.key(of: device), jobID: record.jobID,
                activated: record.activatedAt != nil)
        }
    }

    /// `"Dallas"`, or `none`: a value as the audit log and messages show it.
    static func shown(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "none" }

    /// Applies `updates` to their devices as job `jobID`: fields, lines, name and MAC, the outstanding
    /// code's MAC binding when the MAC changes on a device no phone has activated; records each job
    /// row with the device as it was, and one audit record per changed field.
    ///
    /// The devices, their lines and their codes are read for the whole batch at once, and every row
    /// goes through a statement prepared once: a nightly run changes thousands of devices.
    static func apply(_ db: Database, _ updates: [DeviceUpdate], jobID: Int64, now: Date) throws {
        let ids = updates.map(\.deviceID)
        let records = try DeviceRecord.filter(ids.contains(DeviceRecord.Columns.id)).fetchAll(db)
        let current = Dictionary(
            zip(records, try devices(db, records)).map { ($0.0.id ?? 0, ($0.0, $0.1)) },
            uniquingKeysWith: { first, _ in first })
        let withCode = Set(
            try ActivationCodeRecord.filter(
                ids.contains(ActivationCodeRecord.Columns.deviceID) && ActivationCodeRecord.outstanding
            ).select(ActivationCodeRecord.Columns.deviceID, as: Int64.self).fetchAll(db))
        var jobRows = BulkInserter<JobRowRecord>()
        var audits = BulkInserter<AuditRecord>()
        var lineRows = BulkInserter<LineRecord>()
        for update in updates {
            guard let (found, device) = current[update.deviceID] else {
                throw MRABatError(.internal, "device \(update.previousName) vanished from job \(jobID)'s transaction")
            }
            var record = found
            let before = DeviceSnapshot(
                id: update.deviceID, name: record.name, mac: record.mac, naturalKey: record.naturalKey,
                attributes: device.attributes, templateName: record.templateName, createdByJob: record.jobID,
                createdAt: date(record.createdAt), activatedAt: record.activatedAt.map(date),
                failedAttempts: record.failedAttempts, throttled: record.throttled, codes: [])
            record.name = update.name
            record.mac = update.mac
            record.naturalKey = update.naturalKey
            record.templateName = update.templateName
            record.setAttributes(update.attributes)
            try record.update(db)
            if before.attributes.lines != update.attributes.lines {
                try LineRecord.filter(LineRecord.Columns.deviceID == update.deviceID).deleteAll(db)
                for line in update.attributes.lines {
                    try lineRows.insert(LineRecord(deviceID: update.deviceID, line: line), into: db)
                }
            }
            let hasCode = withCode.contains(update.deviceID)
            let rebound = hasCode && before.mac != update.mac && record.activatedAt == nil
            if rebound {
                try ActivationCodeRecord.filter(
                    ActivationCodeRecord.Columns.deviceID == update.deviceID && ActivationCodeRecord.outstanding
                ).updateAll(db, ActivationCodeRecord.Columns.boundMAC.set(to: update.mac))
            }
            var row = JobRowRecord(
                jobID: jobID, line: update.line, outcome: JobRowOutcome.updated.rawValue, deviceID: update.deviceID)
            row.deviceName = update.name
            row.previousName = before.name == update.name ? nil : before.name
            row.changesJSON = try StoreJSON.text(update.changes)
            row.beforeJSON = try StoreJSON.text(before)
            try jobRows.insert(row, into: db)
            let prefix = "job \(jobID) line \(update.line): " + (update.note.map { "\($0): " } ?? "")
            for change in update.changes {
                var detail = "\(prefix)\(change.field) \(shown(change.old)) → \(shown(change.new))"
                if change.field == "DEVICE TYPE", hasCode, update.mac == nil {
                    detail += "; its code now activates a \(update.attributes.model)"
                }
                if change.field == "MAC ADDRESS", rebound {
                    detail += update.mac.map { "; its code is bound to MAC \($0)" } ?? "; its code is bound to no MAC"
                }
                try audits.insert(
                    AuditRecord(
                        AuditEvent(
                            at: now, deviceID: update.deviceID, deviceName: update.name, event: "update",
                            detail: detail)),
                    into: db)
            }
        }
    }

    /// Removes a device with its lines and every code as job `jobID`, recording the job row with the
    /// device as it was (codes included, for `undo`) and a `delete` audit record. The audit log keeps
    /// the device's history under its id, which no later device gets.
    static func remove(_ db: Database, line: Int, deviceID: Int64, note: String?, jobID: Int64, now: Date) throws {
        guard let record = try DeviceRecord.fetchOne(db, key: deviceID) else {
            throw MRABatError(.internal, "device \(deviceID) vanished from job \(jobID)'s transaction")
        }
        let before = try snapshot(db, record, codes: true)
        try ActivationCodeRecord.filter(ActivationCodeRecord.Columns.deviceID == deviceID).deleteAll(db)
        try LineRecord.filter(LineRecord.Columns.deviceID == deviceID).deleteAll(db)
        _ = try DeviceRecord.deleteOne(db, key: deviceID)
        var row = JobRowRecord(jobID: jobID, line: line, outcome: JobRowOutcome.deleted.rawValue, deviceID: deviceID)
        row.deviceName = record.name
        row.reason = note
        row.beforeJSON = try StoreJSON.text(before)
        try row.insert(db)
        let outstanding = before.outstandingCode != nil ? " and its outstanding code" : ""
        var audit = AuditRecord(
            AuditEvent(
                at: now, deviceID: deviceID, deviceName: record.name, event: "delete",
                detail: "job \(jobID) line \(line): " + (note.map { "\($0): " } ?? "")
                    + "removed with its \(before.attributes.lines.count) line(s)\(outstanding)"))
        try audit.insert(db)
    }

    /// Brings back a removed device under its own id, with its lines, lifecycle and codes, as job
    /// `jobID`; records an `accepted` job row and a `recreate` audit record.
    /// - Throws: a store error if its name, MAC, natural key or outstanding code's identity is taken
    ///   (the caller checks these first and refuses, naming the device).
    static func recreate(_ db: Database, line: Int, _ snapshot: DeviceSnapshot, note: String?, jobID: Int64, now: Date)
        throws
    {
        let a = snapshot.attributes
        var draft = DeviceDraft(sourceLine: line, mac: nil, attributes: a, templateName: snapshot.templateName)
        draft.name = snapshot.name
        var record = DeviceRecord(draft: draft, jobID: snapshot.createdByJob, createdAt: seconds(snapshot.createdAt))
        record.id = snapshot.id
        record.mac = snapshot.mac
        record.naturalKey = snapshot.naturalKey
        record.activatedAt = snapshot.activatedAt.map(seconds)
        record.failedAttempts = snapshot.failedAttempts
        record.throttled = snapshot.throttled
        try record.insert(db)
        var lines = BulkInserter<LineRecord>()
        for lineDraft in a.lines { try lines.insert(LineRecord(deviceID: snapshot.id, line: lineDraft), into: db) }
        for code in snapshot.codes {
            var codeRecord = ActivationCodeRecord(
                deviceID: snapshot.id,
                secrets: IssuedCodeSecrets(identity: code.identity, salt: [], verifier: [], sealed: []),
                boundMAC: code.boundMAC, issuedAt: seconds(code.issuedAt), expiresAt: seconds(code.expiresAt),
                jobID: code.jobID)
            codeRecord.status = code.status.rawValue
            codeRecord.salt = code.salt.map { Data($0) }
            codeRecord.verifier = code.verifier.map { Data($0) }
            codeRecord.sealed = code.sealed.map { Data($0) }
            codeRecord.endedAt = code.endedAt.map(seconds)
            try codeRecord.insert(db)
        }
        var row = JobRowRecord(
            jobID: jobID, line: line, outcome: JobRowOutcome.accepted.rawValue, deviceID: snapshot.id)
        row.deviceName = snapshot.name
        row.reason = note
        try row.insert(db)
        let outstanding = snapshot.outstandingCode != nil ? " and its outstanding code" : ""
        var audit = AuditRecord(
            AuditEvent(
                at: now, deviceID: snapshot.id, deviceName: snapshot.name, event: "recreate",
                detail: "job \(jobID) line \(line): " + (note.map { "\($0): " } ?? "")
                    + "brought back with its \(a.lines.count) line(s)\(outstanding)"))
        try audit.insert(db)
    }

    /// One page of job `jobID`'s created, changed and removed devices with their state now (see
    /// ``JobWriter/undoCandidates(jobID:afterLine:limit:)``); `excluding` is the asking job.
    static func undoCandidates(_ db: Database, jobID: Int64, afterLine: Int, limit: Int, excluding: Int64) throws
        -> [UndoCandidate]
    {
        guard let job = try JobRecord.fetchOne(db, key: jobID) else {
            throw MRABatError(.notFound, "there is no job \(jobID)")
        }
        // The audit log's end at the job's commit; jobs from before v4 did not record it, so the
        // last record up to their finishing second stands in.
        let mark =
            try job.auditMark
            ?? Int64.fetchOne(
                db, sql: "SELECT COALESCE(MAX(id), 0) FROM audit WHERE at <= ?", arguments: [job.finishedAt ?? 0])
            ?? 0
        let changed: [String] = [JobRowOutcome.accepted, .updated, .deleted].map(\.rawValue)
        let rows = try JobRowRecord.filter(
            JobRowRecord.Columns.jobID == jobID && JobRowRecord.Columns.line > afterLine
                && changed.contains(JobRowRecord.Columns.outcome) && JobRowRecord.Columns.deviceID != nil
        ).order(JobRowRecord.Columns.line).limit(limit).fetchAll(db)
        return try rows.compactMap { row in
            guard let deviceID = row.deviceID, let outcome = JobRowOutcome(rawValue: row.outcome) else { return nil }
            let current = try DeviceRecord.fetchOne(db, key: deviceID).map { try snapshot(db, $0, codes: true) }
            let activated =
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM audit WHERE device_id = ? AND event = 'activate'
                            AND outcome = 'ok' AND id > ?)
                        """, arguments: [deviceID, mark]) ?? false
            let later = try Int64.fetchOne(
                db,
                sql: """
                    SELECT MIN(job_id) FROM job_row WHERE device_id = ? AND job_id > ? AND job_id <> ?
                        AND outcome IN ('accepted', 'updated', 'deleted')
                    """, arguments: [deviceID, jobID, excluding])
            return UndoCandidate(
                line: row.line, outcome: outcome, deviceID: deviceID,
                deviceName: row.deviceName ?? current?.name ?? "device \(deviceID)",
                before: try StoreJSON.value(DeviceSnapshot.self, row.beforeJSON), current: current,
                activatedSince: activated,
                laterJob: later)
        }
    }

    /// For each of `names` a job removed and no device has now: the last such job and its row's line.
    static func deletedNames(_ db: Database, _ names: [String]) throws -> [String: (jobID: Int64, line: Int)] {
        guard !names.isEmpty else { return [:] }
        var found: [String: (jobID: Int64, line: Int)] = [:]
        for row in try JobRowRecord.filter(
            JobRowRecord.Columns.outcome == JobRowOutcome.deleted.rawValue
                && names.contains(JobRowRecord.Columns.deviceName)
        ).fetchAll(db) {
            guard let name = row.deviceName else { continue }
            if let seen = found[name], seen.jobID > row.jobID { continue }
            found[name] = (row.jobID, row.line)
        }
        let present = Set(
            try DeviceRecord.filter(Array(found.keys).contains(DeviceRecord.Columns.name))
                .select(DeviceRecord.Columns.name, as: String.self).fetchAll(db))
        return found.filter { !present.contains($0.key) }
    }
}
