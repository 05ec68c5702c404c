import Foundation
import GRDB

/// One job's write transaction, held open while the job streams its rows through.
///
/// `begin` takes the write lock (`BEGIN IMMEDIATE`), so two jobs on one store run one after the
/// other; everything the job writes becomes visible at ``commit(summary:)`` or not at all — a
/// process killed in between leaves SQLite's WAL to discard the uncommitted frames on next open.
/// Used from one task at a time: the job calls it between its parallel steps, never concurrently.
public final class JobTransaction {
    let store: Store
    public let jobID: Int64
    private var open = true

    /// Starts the job's transaction and records the job.
    public init(store: Store, kind: String, inputPath: String, templateName: String, now: Date) throws {
        self.store = store
        do {
            jobID = try store.queue.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                do {
                    try db.execute(
                        sql: "INSERT INTO job (kind, input_path, template_name, started_at) VALUES (?, ?, ?, ?)",
                        arguments: [kind, inputPath, templateName, Int64(now.timeIntervalSince1970)])
                    return db.lastInsertedRowID
                } catch {
                    try? db.execute(sql: "ROLLBACK")
                    throw error
                }
            }
        } catch {
            throw Store.map(error, doing: "start the job")
        }
    }

    deinit {
        if open { try? rollback() }
    }

    private func run<T>(_ action: String, _ body: (Database) throws -> T) throws -> T {
        precondition(open, "job transaction already ended")
        do {
            return try store.queue.writeWithoutTransaction(body)
        } catch {
            throw Store.map(error, doing: action)
        }
    }

    /// Devices already in the store (this job's earlier chunks included) sharing a MAC or natural key with `drafts`.
    public func existingDevices(matching drafts: [DeviceDraft]) throws -> [ExistingDevice] {
        try run("look up existing devices") { db in try Store.existingDevices(db, matching: drafts) }
    }

    /// The file line this job created `deviceID` from (for a duplicate found in an earlier chunk).
    public func line(ofDevice deviceID: Int64) throws -> Int? {
        let jobID = self.jobID
        return try run("look up a row of the job") { db in
            try Int.fetchOne(
                db, sql: "SELECT line FROM job_row WHERE job_id = ? AND device_id = ?", arguments: [jobID, deviceID])
        }
    }

    /// Which of `names` the store already has.
    public func existingNames(_ names: [String]) throws -> Set<String> {
        try run("look up device names") { db in
            var found = Set<String>()
            try db.fetchIn("SELECT name FROM device WHERE name IN (%@)", values: names) { found.insert($0[0]) }
            return found
        }
    }

    /// Whether an outstanding code has this SRP identity (the identity is derived from the code).
    public func outstandingIdentityExists(_ identities: [String]) throws -> Set<String> {
        try run("look up activation codes") { db in
            var taken = Set<String>()
            try db.fetchIn(
                "SELECT identity FROM activation_code WHERE status = 'outstanding' AND identity IN (%@)",
                values: identities
            ) { taken.insert($0[0]) }
            return taken
        }
    }

    /// A device to create, with its code's secrets.
    public struct NewDevice: Sendable {
        public var draft: DeviceDraft
        public var secrets: IssuedCodeSecrets
    }

    /// Inserts devices, their lines and codes, and the accepted rows' results.
    public func insert(_ devices: [NewDevice], issuedAt: Date, ttlHours: Int) throws {
        let issued = Int64(issuedAt.timeIntervalSince1970)
        let expires = issued + Int64(ttlHours) * 3600
        let jobID = self.jobID
        try run("write devices") { db in
            let device = try db.cachedStatement(
                sql: """
                    INSERT INTO device (name, mac, natural_key, fingerprint, model, device_pool, service_domain,
                        owner_user_id, description, location, css, protocol, phone_button_template, softkey_template,
                        security_profile, sip_profile, user_locale, requires_activation_code,
                        allow_activation_code_via_mra, template_name, job_id, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let line = try db.cachedStatement(
                sql: "INSERT INTO line (device_id, idx, dn, display, label, partition) VALUES (?, ?, ?, ?, ?, ?)")
            let result = try db.cachedStatement(
                sql: "INSERT INTO job_row (job_id, line, outcome, device_id) VALUES (?, ?, 'accepted', ?)")
            // The audit log starts each device's history with its first code, under the name it was provisioned as.
            let audit = try db.cachedStatement(
                sql:
                    "INSERT INTO audit (at, device_id, device_name, event, outcome, detail) VALUES (?, ?, ?, 'issue', 'ok', ?)"
            )
            let expiry = "code expires \(AuditTime.format(Date(timeIntervalSince1970: TimeInterval(expires))))"
            for new in devices {
                let d = new.draft
                try device.execute(arguments: [
                    d.name, d.mac?.hex, d.naturalKey, d.fingerprint, d.model, d.devicePool, d.serviceDomain,
                    d.ownerUserID, d.description, d.location, d.css, d.deviceProtocol, d.phoneButtonTemplate,
                    d.softkeyTemplate, d.securityProfile, d.sipProfile, d.userLocale,
                    d.requiresActivationCodeOnboarding,
                    d.allowActivationCodeViaMRA, d.templateName, jobID, issued,
                ])
                let deviceID = db.lastInsertedRowID
                for l in d.lines {
                    try line.execute(arguments: [deviceID, l.index, l.directoryNumber, l.display, l.label, l.partition])
                }
                try Store.insertCode(
                    db, deviceID: deviceID, secrets: new.secrets, boundMAC: d.mac?.hex, issuedAt: issued,
                    expiresAt: expires, jobID: jobID)
                try result.execute(arguments: [jobID, d.sourceLine, deviceID])
                try audit.execute(arguments: [
                    issued, deviceID, d.name,
                    "job \(jobID) line \(d.sourceLine): \(expiry)" + (d.mac.map { ", bound to MAC \($0.hex)" } ?? ""),
                ])
            }
        }
    }

    /// Records rows that matched an existing device exactly.
    public func recordUnchanged(_ rows: [(line: Int, deviceID: Int64)]) throws {
        let jobID = self.jobID
        try run("record unchanged rows") { db in
            let statement = try db.cachedStatement(
                sql: "INSERT INTO job_row (job_id, line, outcome, device_id) VALUES (?, ?, 'unchanged', ?)")
            for row in rows { try statement.execute(arguments: [jobID, row.line, row.deviceID]) }
        }
    }

    /// Records rejected rows with their reasons.
    public func recordRejected(_ rows: [RowRejection]) throws {
        let jobID = self.jobID
        try run("record rejected rows") { db in
            let statement = try db.cachedStatement(
                sql: "INSERT INTO job_row (job_id, line, outcome, reason) VALUES (?, ?, 'rejected', ?)")
            for row in rows { try statement.execute(arguments: [jobID, row.line, row.reason]) }
        }
    }

    /// Finishes the job record and commits; durable on return (`synchronous=FULL`).
    public func commit(summary: JobSummary, now: Date) throws {
        let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        let jobID = self.jobID
        try run("commit the job") { db in
            try db.execute(
                sql:
                    "UPDATE job SET finished_at = ?, accepted = ?, unchanged = ?, rejected = ?, summary_json = ? WHERE id = ?",
                arguments: [
                    Int64(now.timeIntervalSince1970), summary.accepted, summary.unchanged, summary.rejected, json,
                    jobID,
                ])
            try db.execute(sql: "COMMIT")
        }
        open = false
    }

    /// Abandons everything the job wrote.
    public func rollback() throws {
        guard open else { return }
        open = false
        do {
            try store.queue.writeWithoutTransaction { db in
                if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
            }
        } catch {
            throw Store.map(error, doing: "roll back the job")
        }
    }
}
