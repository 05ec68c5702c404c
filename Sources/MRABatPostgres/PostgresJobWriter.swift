import Foundation
import MRABatKit
import PostgresNIO
import Synchronization

extension PostgresStore {
    package func beginJob(kind: String, input: String, template: String, now: Date) async throws -> any JobWriter {
        guard !readOnly else { throw MRABatError(.storeReadOnly, "cannot start a job: the store was opened read-only") }
        return try await PostgresJobWriter(store: self, kind: kind, input: input, template: template, now: now)
    }
}

/// One job's transaction on a connection of its own, held open while the job streams its rows.
///
/// Unlike SQLite's, PostgreSQL jobs run at once: the transaction is READ COMMITTED, so each chunk's
/// look-ups see what other jobs have committed meanwhile, and the unique constraints on names, MACs,
/// natural keys and outstanding code identities keep two jobs from creating the same device or code.
/// When another job is creating the same row, this job's insert waits for that job's commit (at most
/// ``PostgresStore/jobLockTimeout``); if it commits, or the two deadlock, the insert fails and this
/// job throws ``StoreConflict/concurrentJob``: it is rolled back and starts over, and then finds the
/// other job's device, unchanged or in conflict. (REPEATABLE READ or SERIALIZABLE would fail the same
/// way but could not see the other job's rows without starting over either, and SERIALIZABLE's
/// page-level predicate locks would also fail jobs that share no row at all.)
///
/// Everything the job writes becomes visible at ``commit(summary:now:)`` or not at all: a process
/// killed in between closes its socket, and the server rolls the transaction back.
final class PostgresJobWriter: JobWriter {
    /// Used from one task at a time (the job's), as the protocol requires.
    private let connection: PostgresConnection
    private let endpoint: PostgresEndpoint
    let jobID: Int64
    private let isOpen = Mutex(true)

    init(store: PostgresStore, kind: String, input: String, template: String, now: Date) async throws {
        endpoint = store.endpoint
        connection = try await PostgresStore.connect(
            store.endpoint, readOnly: false, lockTimeout: PostgresStore.jobLockTimeout)
        do {
            try await connection.run("BEGIN ISOLATION LEVEL READ COMMITTED")
            guard
                let id = try await connection.value(
                    """
                    INSERT INTO job (kind, input_path, template_name, started_at)
                    VALUES (\(kind), \(input), \(template), \(PostgresStore.seconds(now))) RETURNING id
                    """, as: Int64.self)
            else { throw MRABatError(.internal, "the new job has no id") }
            jobID = id
        } catch {
            try? await connection.close()
            throw PostgresStore.map(error, doing: "start the job", store.endpoint)
        }
    }

    func run<T: Sendable>(_ action: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        guard isOpen.withLock({ $0 }) else { throw MRABatError(.internal, "job \(jobID)'s transaction already ended") }
        do {
            return try await body(connection)
        } catch {
            throw PostgresStore.map(error, doing: action, endpoint)
        }
    }

    func existingDevices(keys: [NaturalKey], macs: [String], names: [String]) async throws -> [ExistingDevice] {
        try await run("look up existing devices") { db in
            try await PostgresStore.existingDevices(db, keys: keys, macs: macs, names: names)
        }
    }

    func lines(ofDevices deviceIDs: [Int64]) async throws -> [Int64: Int] {
        guard !deviceIDs.isEmpty else { return [:] }
        let jobID = self.jobID
        return try await run("look up rows of the job") { db in
            var lines: [Int64: Int] = [:]
            for row in try await db.rows(
                """
                SELECT device_id, min(line) AS line FROM job_row
                WHERE job_id = \(jobID) AND device_id = ANY(\(deviceIDs)) GROUP BY device_id
                """)
            {
                lines[try row.get("device_id")] = try row.get("line", as: Int.self)
            }
            return lines
        }
    }

    func takenNames(_ names: [String]) async throws -> Set<String> {
        try await run("look up device names") { db in
            Set(try await db.rows("SELECT name FROM device WHERE name = ANY(\(names))").map { try $0.get("name") })
        }
    }

    func outstandingIdentities(among identities: [String]) async throws -> Set<String> {
        try await run("look up activation codes") { db in
            Set(
                try await db.rows(
                    """
                    SELECT identity FROM activation_code WHERE status = 'outstanding' AND identity = ANY(\(identities))
                    """
                ).map { try $0.get("identity") })
        }
    }

    static let deviceColumns = [
        "id", "name", "mac", "natural_key", "model", "device_pool", "service_domain", "owner_user_id", "user_id",
        "description", "location", "css", "protocol", "phone_button_template", "softkey_template", "security_profile",
        "sip_profile",
        "user_locale", "requires_activation_code", "allow_activation_code_via_mra", "template_name", "job_id",
        "created_at", "activated_at", "failed_attempts", "throttled",
    ]
    static let lineColumns = [
        "device_id", "idx", "dn", "display", "label", "partition", "max_num_calls", "busy_trigger",
        "external_phone_number_mask", "ascii_display", "ascii_label", "ring_setting_idle", "ring_setting_active",
    ]
    static let codeColumns = [
        "device_id", "identity", "salt", "verifier", "sealed", "status", "bound_mac", "issued_at", "expires_at",
        "ended_at", "job_id",
    ]
    static let jobRowColumns = [
        "job_id", "line", "outcome", "device_id", "reason", "device_name", "previous_name", "changes_json",
        "before_json",
    ]

    /// A `job_row` row; the columns ``jobRowColumns`` names.
    static func jobRow(
        jobID: Int64, line: Int, outcome: JobRowOutcome, deviceID: Int64?, reason: String? = nil,
        deviceName: String? = nil, previousName: String? = nil, changesJSON: String? = nil, beforeJSON: String? = nil
    ) -> [SQLValue] {
        [
            .int(jobID), .int(line), .text(outcome.rawValue), .int(deviceID), .text(reason), .text(deviceName),
            .text(previousName), .text(changesJSON), .text(beforeJSON),
        ]
    }

    /// A `device` row; the columns ``deviceColumns`` names. The one place that maps ``DeviceAttributes``
    /// to columns, for devices created and brought back alike.
    static func deviceRow(
        id: Int64, name: String, mac: String?, naturalKey: String, attributes a: DeviceAttributes,
        templateName: String, jobID: Int64, createdAt: Int64, activatedAt: Int64?, failedAttempts: Int,
        throttled: Bool
    ) -> [SQLValue] {
        [
            .int(id), .text(name), .text(mac), .text(naturalKey), .text(a.model), .text(a.devicePool),
            .text(a.serviceDomain), .text(a.ownerUserID), .text(a.userID), .text(a.description), .text(a.location),
            .text(a.css), .text(a.deviceProtocol), .text(a.phoneButtonTemplate), .text(a.softkeyTemplate),
            .text(a.securityProfile), .text(a.sipProfile), .text(a.userLocale),
            .bool(a.requiresActivationCodeOnboarding), .bool(a.allowActivationCodeViaMRA), .text(templateName),
            .int(jobID), .int(createdAt), .int(activatedAt), .int(failedAttempts), .bool(throttled),
        ]
    }

    /// A `line` row; the columns ``lineColumns`` names.
    static func lineRow(deviceID: Int64, _ line: LineDraft) -> [SQLValue] {
        [
            .int(deviceID), .int(line.index), .text(line.directoryNumber), .text(line.display), .text(line.label),
            .text(line.partition), .int(line.maxNumCalls.map(Int64.init)), .int(line.busyTrigger.map(Int64.init)),
            .text(line.externalPhoneNumberMask), .text(line.asciiDisplay), .text(line.asciiLabel),
            .text(line.ringSettingIdle?.rawValue), .text(line.ringSettingActive?.rawValue),
        ]
    }

    func insert(_ devices: [NewDevice], issuedAt: Date, expiresAt: Date) async throws {
        guard !devices.isEmpty else { return }
        let issued = PostgresStore.seconds(issuedAt)
        let expires = PostgresStore.seconds(expiresAt)
        let jobID = self.jobID
        try await run("write devices") { db in
            // Ids drawn first, so that every table goes in by COPY (which returns no ids).
            let ids = try await db.rows(
                """
                SELECT nextval(pg_get_serial_sequence('device', 'id')) AS id FROM generate_series(1, \(devices.count))
                """
            ).map { try $0.get("id", as: Int64.self) }
            let issue = StoreEvents.Issue(jobID: jobID, at: issuedAt, expiresAt: expiresAt)
            var deviceRows = BulkRows("device", Self.deviceColumns)
            var lineRows = BulkRows("line", Self.lineColumns)
            var codeRows = BulkRows("activation_code", Self.codeColumns)
            var jobRows = BulkRows("job_row", Self.jobRowColumns)
            var auditRows = BulkRows("audit", AuditEvent.auditColumns)
            for (new, deviceID) in zip(devices, ids) {
                let draft = new.draft
                deviceRows.append(
                    Self.deviceRow(
                        id: deviceID, name: draft.name, mac: draft.mac?.hex, naturalKey: draft.naturalKey.stored,
                        attributes: draft.attributes, templateName: draft.templateName, jobID: jobID,
                        createdAt: issued, activatedAt: nil, failedAttempts: 0, throttled: false))
                for line in draft.attributes.lines { lineRows.append(Self.lineRow(deviceID: deviceID, line)) }
                codeRows.append([
                    .int(deviceID), .text(new.secrets.identity), .bytes(new.secrets.salt),
                    .bytes(new.secrets.verifier), .bytes(new.secrets.sealed),
                    .text(ActivationCodeStatus.outstanding.rawValue), .text(draft.mac?.hex), .int(issued),
                    .int(expires), .null, .int(jobID),
                ])
                jobRows.append(
                    Self.jobRow(
                        jobID: jobID, line: draft.sourceLine, outcome: .accepted, deviceID: deviceID,
                        deviceName: draft.name))
                auditRows.append(issue.event(deviceID: deviceID, draft: draft).auditRow)
            }
            do {
                for rows in [deviceRows, lineRows, codeRows, jobRows, auditRows] { try await rows.copy(into: db) }
            } catch  where PostgresStore.sqlState(error) == "23505" || PostgresStore.sqlState(error) == "40P01" {
                // Another job committed one of these names, MACs, natural keys or code identities
                // while this one ran, or the two deadlocked: start over (the caller rolls back).
                throw StoreConflict.concurrentJob
            }
        }
    }

    func recordUnchanged(_ rows: [(line: Int, deviceID: Int64)]) async throws {
        let jobID = self.jobID
        try await recordRows(
            rows.map { Self.jobRow(jobID: jobID, line: $0.line, outcome: .unchanged, deviceID: $0.deviceID) })
    }

    func recordRejected(_ rows: [RowRejection]) async throws {
        let jobID = self.jobID
        try await recordRows(
            rows.map { Self.jobRow(jobID: jobID, line: $0.line, outcome: .rejected, deviceID: nil, reason: $0.reason) })
    }

    func recordRows(_ values: [[SQLValue]]) async throws {
        guard !values.isEmpty else { return }
        try await run("record the job's rows") { db in
            var rows = BulkRows("job_row", Self.jobRowColumns)
            for row in values { rows.append(row) }
            do {
                try await rows.copy(into: db)
            } catch  where PostgresStore.sqlState(error) == "40P01" {
                throw StoreConflict.concurrentJob
            }
        }
    }

    func commit(summary: JobSummary, now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        let jobID = self.jobID
        let finished = PostgresStore.seconds(now)
        try await run("commit the job") { db in
            try await db.run(
                """
                UPDATE job SET finished_at = \(finished), accepted = \(summary.accepted),
                    unchanged = \(summary.unchanged), rejected = \(summary.rejected), updated = \(summary.updated),
                    deleted = \(summary.deleted), summary_json = \(json), undoes = \(summary.undoes),
                    audit_mark = (SELECT COALESCE(MAX(id), 0) FROM audit), commit_seq = nextval('job_commit_seq')
                WHERE id = \(jobID)
                """)
            if let undone = summary.undoes {
                // Undoing an undo puts the job it reversed back in effect: it may be undone again.
                try await db.run(
                    """
                    UPDATE job SET undone_by = NULL
                    WHERE id = (SELECT undoes FROM job WHERE id = \(undone))
                    """)
                try await db.run("UPDATE job SET undone_by = \(jobID) WHERE id = \(undone)")
            }
            try await db.run("COMMIT")
        }
        isOpen.withLock { $0 = false }
        try? await connection.close()
    }

    func rollback() async throws {
        guard
            isOpen.withLock({ open in
                defer { open = false }
                return open
            })
        else { return }
        do {
            try await connection.run("ROLLBACK")
        } catch {
            // A connection the server dropped has rolled back already; closing it rolls back too.
            try? await connection.close()
            if connection.isClosed { return }
            throw PostgresStore.map(error, doing: "roll back the job", endpoint)
        }
        try? await connection.close()
    }
}
