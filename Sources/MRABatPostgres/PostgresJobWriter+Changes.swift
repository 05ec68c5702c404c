import Foundation
import MRABatKit
import PostgresNIO

/// `update`, `delete` and `undo`'s writes, in the job's one transaction: each change of a device with
/// its job row (the device as it was, for `undo`) and its audit records, worded as SQLite's.
///
/// Jobs run at once here, so a device is locked (`FOR UPDATE`, in id order) before it is changed or
/// removed, and re-checked under the lock: if another job changed, removed or took it since this job
/// read it, the job throws ``StoreConflict/concurrentJob`` and starts over, seeing the other job's commit.
extension PostgresJobWriter {
    func devices(named names: [String]) async throws -> [ExistingDevice] {
        try await run("look up devices by name") { db in try await PostgresStore.devices(db, named: names) }
    }

    /// The devices `ids` names that still exist, locked until the job ends, with their lines.
    static func lockedDevices(_ db: PostgresConnection, _ ids: [Int64]) async throws -> [Int64: DeviceRow] {
        let rows = try await PostgresStore.devices(
            db,
            "SELECT \(unescaped: DeviceRow.columns) FROM device d WHERE d.id = ANY(\(ids)) ORDER BY d.id FOR UPDATE"
        )
        return Dictionary(rows.map { ($0.device.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every code of the devices `ids` names, oldest first.
    static func codes(_ db: PostgresConnection, _ ids: [Int64]) async throws -> [Int64: [CodeSnapshot]] {
        guard !ids.isEmpty else { return [:] }
        var codes: [Int64: [CodeSnapshot]] = [:]
        for row in try await db.rows(
            """
            SELECT device_id, status, identity, salt, verifier, sealed, bound_mac, issued_at, expires_at, ended_at, job_id
            FROM activation_code WHERE device_id = ANY(\(ids)) ORDER BY id
            """)
        {
            let status: String = try row.get("status")
            codes[try row.get("device_id", as: Int64.self), default: []].append(
                CodeSnapshot(
                    // The column's CHECK constraint admits only the four statuses.
                    status: ActivationCodeStatus(rawValue: status) ?? .released, identity: try row.get("identity"),
                    salt: try row.get("salt", as: Data?.self).map { [UInt8]($0) },
                    verifier: try row.get("verifier", as: Data?.self).map { [UInt8]($0) },
                    sealed: try row.get("sealed", as: Data?.self).map { [UInt8]($0) },
                    boundMAC: try row.get("bound_mac"), issuedAt: PostgresStore.date(try row.get("issued_at")),
                    expiresAt: PostgresStore.date(try row.get("expires_at")),
                    endedAt: try row.get("ended_at", as: Int64?.self).map(PostgresStore.date),
                    jobID: try row.get("job_id")))
        }
        return codes
    }

    /// Runs `body`, turning a unique violation or a deadlock (another job got there first) into a restart.
    func changing<T: Sendable>(_ action: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await run(action) { db in
            do {
                return try await body(db)
            } catch  where PostgresStore.sqlState(error) == "23505" || PostgresStore.sqlState(error) == "40P01" {
                throw StoreConflict.concurrentJob
            }
        }
    }

    func update(_ updates: [DeviceUpdate], now: Date) async throws {
        guard !updates.isEmpty else { return }
        let jobID = self.jobID
        try await changing("update devices") { db in
            let ids = updates.map(\.deviceID)
            let current = try await Self.lockedDevices(db, ids)
            let withCode = Set(
                try await db.rows(
                    """
                    SELECT device_id FROM activation_code WHERE device_id = ANY(\(ids)) AND status = 'outstanding'
                    """
                ).map { try $0.get("device_id", as: Int64.self) })
            var jobRows = BulkRows("job_row", Self.jobRowColumns)
            var audits = BulkRows("audit", AuditEvent.auditColumns)
            var lineRows = BulkRows("line", Self.lineColumns)
            var replacedLines: [Int64] = []
            for update in updates {
                // Changed or removed by another job since this one read it: start over and see that.
                guard let found = current[update.deviceID], found.device.name == update.previousName,
                    found.device.attributes.changes(to: update.attributes).allSatisfy(update.changes.contains)
                else { throw StoreConflict.concurrentJob }
                let before = found.snapshot(codes: [])
                let a = update.attributes
                try await db.run(
                    """
                    UPDATE device SET name = \(update.name), mac = \(update.mac), natural_key = \(update.naturalKey),
                        template_name = \(update.templateName), model = \(a.model), device_pool = \(a.devicePool),
                        service_domain = \(a.serviceDomain), owner_user_id = \(a.ownerUserID), user_id = \(a.userID),
                        description = \(a.description), location = \(a.location), css = \(a.css),
                        protocol = \(a.deviceProtocol), phone_button_template = \(a.phoneButtonTemplate),
                        softkey_template = \(a.softkeyTemplate), security_profile = \(a.securityProfile),
                        sip_profile = \(a.sipProfile), user_locale = \(a.userLocale),
                        requires_activation_code = \(a.requiresActivationCodeOnboarding),
                        allow_activation_code_via_mra = \(a.allowActivationCodeViaMRA)
                    WHERE id = \(update.deviceID)
                    """)
                if before.attributes.lines != a.lines {
                    replacedLines.append(update.deviceID)
                    for line in a.lines { lineRows.append(Self.lineRow(deviceID: update.deviceID, line)) }
                }
                let hasCode = withCode.contains(update.deviceID)
                let rebound = hasCode && before.mac != update.mac && found.activatedAt == nil
                if rebound {
                    try await db.run(
                        """
                        UPDATE activation_code SET bound_mac = \(update.mac)
                        WHERE device_id = \(update.deviceID) AND status = 'outstanding'
                        """)
                }
                jobRows.append(
                    Self.jobRow(
                        jobID: jobID, line: update.line, outcome: .updated, deviceID: update.deviceID,
                        deviceName: update.name, previousName: before.name == update.name ? nil : before.name,
                        changesJSON: try StoreJSON.text(update.changes), beforeJSON: try StoreJSON.text(before))
                )
                let prefix = "job \(jobID) line \(update.line): " + (update.note.map { "\($0): " } ?? "")
                for change in update.changes {
                    var detail = "\(prefix)\(change.field) \(Self.shown(change.old)) → \(Self.shown(change.new))"
                    if change.field == "DEVICE TYPE", hasCode, update.mac == nil {
                        detail += "; its code now activates a \(a.model)"
                    }
                    if change.field == "MAC ADDRESS", rebound {
                        detail +=
                            update.mac.map { "; its code is bound to MAC \($0)" } ?? "; its code is bound to no MAC"
                    }
                    audits.append(
                        AuditEvent(
                            at: now, deviceID: update.deviceID, deviceName: update.name, event: "update",
                            detail: detail
                        ).auditRow)
                }
            }
            if !replacedLines.isEmpty {
                try await db.run("DELETE FROM line WHERE device_id = ANY(\(replacedLines))")
            }
            for rows in [lineRows, jobRows, audits] { try await rows.copy(into: db) }
        }
    }

    /// `"Dallas"`, or `none`: a value as the audit log and messages show it.
    static func shown(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "none" }

    func delete(_ rows: [(line: Int, deviceID: Int64)], note: String?, now: Date) async throws {
        guard !rows.isEmpty else { return }
        let jobID = self.jobID
        try await changing("delete devices") { db in
            let ids = rows.map(\.deviceID)
            let current = try await Self.lockedDevices(db, ids)
            let codes = try await Self.codes(db, ids)
            var jobRows = BulkRows("job_row", Self.jobRowColumns)
            var audits = BulkRows("audit", AuditEvent.auditColumns)
            for row in rows {
                // Removed by another job since this one read it: start over and see that.
                guard let found = current[row.deviceID] else { throw StoreConflict.concurrentJob }
                let before = found.snapshot(codes: codes[row.deviceID] ?? [])
                jobRows.append(
                    Self.jobRow(
                        jobID: jobID, line: row.line, outcome: .deleted, deviceID: row.deviceID, reason: note,
                        deviceName: before.name, beforeJSON: try StoreJSON.text(before)))
                let outstanding = before.outstandingCode != nil ? " and its outstanding code" : ""
                audits.append(
                    AuditEvent(
                        at: now, deviceID: row.deviceID, deviceName: before.name, event: "delete",
                        detail: "job \(jobID) line \(row.line): " + (note.map { "\($0): " } ?? "")
                            + "removed with its \(before.attributes.lines.count) line(s)\(outstanding)"
                    ).auditRow)
            }
            try await db.run("DELETE FROM activation_code WHERE device_id = ANY(\(ids))")
            try await db.run("DELETE FROM line WHERE device_id = ANY(\(ids))")
            try await db.run("DELETE FROM device WHERE id = ANY(\(ids))")
            for bulk in [jobRows, audits] { try await bulk.copy(into: db) }
        }
    }

    func recreate(_ rows: [(line: Int, snapshot: DeviceSnapshot)], note: String?, now: Date) async throws {
        guard !rows.isEmpty else { return }
        let jobID = self.jobID
        try await changing("bring devices back") { db in
            var devices = BulkRows("device", Self.deviceColumns)
            var lines = BulkRows("line", Self.lineColumns)
            var codes = BulkRows("activation_code", Self.codeColumns)
            var jobRows = BulkRows("job_row", Self.jobRowColumns)
            var audits = BulkRows("audit", AuditEvent.auditColumns)
            for row in rows {
                let snapshot = row.snapshot
                devices.append(
                    Self.deviceRow(
                        id: snapshot.id, name: snapshot.name, mac: snapshot.mac, naturalKey: snapshot.naturalKey,
                        attributes: snapshot.attributes, templateName: snapshot.templateName,
                        jobID: snapshot.createdByJob, createdAt: PostgresStore.seconds(snapshot.createdAt),
                        activatedAt: snapshot.activatedAt.map(PostgresStore.seconds),
                        failedAttempts: snapshot.failedAttempts, throttled: snapshot.throttled))
                for line in snapshot.attributes.lines { lines.append(Self.lineRow(deviceID: snapshot.id, line)) }
                for code in snapshot.codes {
                    codes.append([
                        .int(snapshot.id), .text(code.identity), .bytes(code.salt), .bytes(code.verifier),
                        .bytes(code.sealed), .text(code.status.rawValue), .text(code.boundMAC),
                        .int(PostgresStore.seconds(code.issuedAt)), .int(PostgresStore.seconds(code.expiresAt)),
                        .int(code.endedAt.map(PostgresStore.seconds)), .int(code.jobID),
                    ])
                }
                jobRows.append(
                    Self.jobRow(
                        jobID: jobID, line: row.line, outcome: .accepted, deviceID: snapshot.id, reason: note,
                        deviceName: snapshot.name))
                let outstanding = snapshot.outstandingCode != nil ? " and its outstanding code" : ""
                audits.append(
                    AuditEvent(
                        at: now, deviceID: snapshot.id, deviceName: snapshot.name, event: "recreate",
                        detail: "job \(jobID) line \(row.line): " + (note.map { "\($0): " } ?? "")
                            + "brought back with its \(snapshot.attributes.lines.count) line(s)\(outstanding)"
                    ).auditRow)
            }
            for bulk in [devices, lines, codes, jobRows, audits] { try await bulk.copy(into: db) }
        }
    }

    func recordAlreadyDeleted(_ rows: [(line: Int, deviceName: String, note: String)]) async throws {
        guard !rows.isEmpty else { return }
        let jobID = self.jobID
        try await recordRows(
            rows.map {
                Self.jobRow(
                    jobID: jobID, line: $0.line, outcome: .unchanged, deviceID: nil, reason: $0.note,
                    deviceName: $0.deviceName)
            })
    }

    func undoCandidates(jobID: Int64, afterLine: Int, limit: Int) async throws -> [UndoCandidate] {
        let own = self.jobID
        return try await run("read the job to undo") { db in
            guard
                let job = try await db.rows("SELECT finished_at, audit_mark, commit_seq FROM job WHERE id = \(jobID)")
                    .first
            else { throw MRABatError(.notFound, "there is no job \(jobID)") }
            // The audit log's end at the job's commit (as SQLite's: jobs that did not record it fall
            // back on the last record up to their finishing second).
            let finished = try job.get("finished_at", as: Int64?.self) ?? 0
            // Nil for a job that never committed: no job then counts as later.
            let committed = try job.get("commit_seq", as: Int64?.self)
            let mark: Int64
            if let recorded = try job.get("audit_mark", as: Int64?.self) {
                mark = recorded
            } else {
                mark = try await db.value("SELECT COALESCE(MAX(id), 0) FROM audit WHERE at <= \(finished)") ?? 0
            }
            let rows = try await db.rows(
                """
                SELECT line, outcome, device_id, device_name, before_json FROM job_row
                WHERE job_id = \(jobID) AND line > \(afterLine) AND outcome IN ('accepted', 'updated', 'deleted')
                    AND device_id IS NOT NULL
                ORDER BY line LIMIT \(limit)
                """)
            let ids = try rows.map { try $0.get("device_id", as: Int64.self) }
            guard !ids.isEmpty else { return [] }
            let devices = Dictionary(
                try await PostgresStore.devices(
                    db, "SELECT \(unescaped: DeviceRow.columns) FROM device d WHERE d.id = ANY(\(ids))"
                ).map { ($0.device.id, $0) }, uniquingKeysWith: { first, _ in first })
            let codes = try await Self.codes(db, Array(devices.keys))
            let activated = Set(
                try await db.rows(
                    """
                    SELECT DISTINCT device_id FROM audit WHERE device_id = ANY(\(ids)) AND event = 'activate'
                        AND outcome = 'ok' AND id > \(mark)
                    """
                ).map { try $0.get("device_id", as: Int64.self) })
            // Jobs that committed after this one (by commit, not by id: jobs here run at once), the
            // first of them per device; another job still running is not seen.
            var later: [Int64: Int64] = [:]
            for row in try await db.rows(
                """
                SELECT DISTINCT ON (r.device_id) r.device_id, r.job_id FROM job_row r JOIN job j ON j.id = r.job_id
                WHERE r.device_id = ANY(\(ids)) AND r.job_id <> \(own)
                    AND j.commit_seq > \(committed)
                    AND r.outcome IN ('accepted', 'updated', 'deleted')
                ORDER BY r.device_id, j.commit_seq
                """)
            {
                later[try row.get("device_id", as: Int64.self)] = try row.get("job_id", as: Int64.self)
            }
            return try rows.compactMap { row in
                let deviceID = try row.get("device_id", as: Int64.self)
                guard let outcome = JobRowOutcome(rawValue: try row.get("outcome")) else { return nil }
                let current = devices[deviceID].map { $0.snapshot(codes: codes[deviceID] ?? []) }
                return UndoCandidate(
                    line: try row.get("line"), outcome: outcome, deviceID: deviceID,
                    deviceName: try row.get("device_name", as: String?.self) ?? current?.name ?? "device \(deviceID)",
                    before: try StoreJSON.value(DeviceSnapshot.self, try row.get("before_json")),
                    current: current, activatedSince: activated.contains(deviceID), laterJob: later[deviceID])
            }
        }
    }

    func deletedNames(_ names: [String]) async throws -> [String: (jobID: Int64, line: Int)] {
        guard !names.isEmpty else { return [:] }
        return try await run("look up deleted devices") { db in
            var found: [String: (jobID: Int64, line: Int)] = [:]
            for row in try await db.rows(
                """
                SELECT DISTINCT ON (r.device_name) r.device_name, r.job_id, r.line FROM job_row r
                WHERE r.outcome = 'deleted' AND r.device_name = ANY(\(names))
                    AND NOT EXISTS (SELECT 1 FROM device d WHERE d.name = r.device_name)
                ORDER BY r.device_name, r.job_id DESC, r.line DESC
                """)
            {
                found[try row.get("device_name")] = (try row.get("job_id"), try row.get("line"))
            }
            return found
        }
    }
}
