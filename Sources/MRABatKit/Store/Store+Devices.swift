import Foundation
import GRDB

/// A device as the store holds it, with its lines.
@dynamicMemberLookup
public struct StoredDevice: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var mac: String?
    public var attributes: DeviceAttributes

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<DeviceAttributes, T>) -> T {
        get { attributes[keyPath: keyPath] }
        set { attributes[keyPath: keyPath] = newValue }
    }
}

/// An outstanding code as stored: secrets only, never the code itself.
public struct StoredCode: Sendable {
    public var id: Int64
    /// Where a paged read continues (see ``Store/outstandingCodes(jobID:now:after:limit:)``).
    public var cursor: Int64
    public var deviceName: String
    public var description: String?
    public var model: String
    public var ownerUserID: String
    public var identity: String
    public var sealed: [UInt8]
    public var expiresAt: Date
}

extension Store {
    static let deviceColumns = """
        d.id, d.name, d.mac, d.model, d.device_pool, d.service_domain, d.owner_user_id, d.description, d.location,
        d.css, d.protocol, d.phone_button_template, d.softkey_template, d.security_profile, d.sip_profile,
        d.user_locale, d.requires_activation_code, d.allow_activation_code_via_mra
        """

    static func device(_ row: Row, lines: [LineDraft]) -> StoredDevice {
        StoredDevice(
            id: row["id"], name: row["name"], mac: row["mac"],
            attributes: DeviceAttributes(
                model: row["model"], devicePool: row["device_pool"], serviceDomain: row["service_domain"],
                ownerUserID: row["owner_user_id"], description: row["description"], location: row["location"],
                css: row["css"], deviceProtocol: row["protocol"], phoneButtonTemplate: row["phone_button_template"],
                softkeyTemplate: row["softkey_template"], securityProfile: row["security_profile"],
                sipProfile: row["sip_profile"], userLocale: row["user_locale"],
                requiresActivationCodeOnboarding: row["requires_activation_code"],
                allowActivationCodeViaMRA: row["allow_activation_code_via_mra"], lines: lines))
    }

    /// Lines of the given devices, grouped by device id.
    static func lines(_ db: Database, deviceIDs: [Int64]) throws -> [Int64: [LineDraft]] {
        guard !deviceIDs.isEmpty else { return [:] }
        var result: [Int64: [LineDraft]] = [:]
        try db.fetchIn(
            "SELECT device_id, idx, dn, display, label, partition FROM line WHERE device_id IN (%@) ORDER BY device_id, idx",
            values: deviceIDs
        ) { row in
            result[row["device_id"], default: []].append(
                LineDraft(
                    index: row["idx"], directoryNumber: row["dn"], display: row["display"], label: row["label"],
                    partition: row["partition"]))
        }
        return result
    }

    /// Adds an outstanding code: the one statement for every way a code is issued (a job, regenerate, relock).
    static func insertCode(
        _ db: Database, deviceID: Int64, secrets: IssuedCodeSecrets, boundMAC: String?, issuedAt: Int64,
        expiresAt: Int64, jobID: Int64?
    ) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO activation_code (device_id, identity, salt, verifier, sealed, status, bound_mac,
                    issued_at, expires_at, job_id) VALUES (?, ?, ?, ?, ?, 'outstanding', ?, ?, ?, ?)
                """)
        try statement.execute(arguments: [
            deviceID, secrets.identity, Data(secrets.salt), Data(secrets.verifier), Data(secrets.sealed), boundMAC,
            issuedAt, expiresAt, jobID,
        ])
    }

    /// A code row selected as `c.id, d.name, d.description, d.model, d.owner_user_id, c.identity, c.sealed, c.expires_at`.
    static func storedCode(_ row: Row) -> StoredCode {
        let sealed: Data = row["sealed"]
        let expires: Int64 = row["expires_at"]
        return StoredCode(
            id: row["id"], cursor: row["cursor"] ?? row["id"], deviceName: row["name"], description: row["description"],
            model: row["model"],
            ownerUserID: row["owner_user_id"], identity: row["identity"], sealed: [UInt8](sealed),
            expiresAt: Date(timeIntervalSince1970: TimeInterval(expires)))
    }

    /// One page of the devices a job accepted or found unchanged, in file order after `afterLine`.
    ///
    /// Outputs are produced from the store after the job commits, page by page, so memory stays
    /// bounded by the page and what users receive is exactly what is durable.
    public func jobDevices(jobID: Int64, afterLine: Int, limit: Int) throws -> [(line: Int, device: StoredDevice)] {
        try read("read the job's devices") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.line AS source_line, \(Store.deviceColumns) FROM job_row r JOIN device d ON d.id = r.device_id
                    WHERE r.job_id = ? AND r.outcome IN ('accepted', 'unchanged') AND r.line > ?
                    ORDER BY r.line LIMIT ?
                    """, arguments: [jobID, afterLine, limit])
            let lines = try Store.lines(db, deviceIDs: rows.map { $0["id"] })
            return rows.map { row in
                let id: Int64 = row["id"]
                return (row["source_line"], Store.device(row, lines: lines[id] ?? []))
            }
        }
    }

    /// The device named `name`, or nil.
    public func device(named name: String) throws -> StoredDevice? {
        try read("read a device") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(Store.deviceColumns) FROM device d WHERE d.name = ?", arguments: [name])
            else { return nil }
            let id: Int64 = row["id"]
            return Store.device(row, lines: try Store.lines(db, deviceIDs: [id])[id] ?? [])
        }
    }

    /// One page of outstanding, unexpired codes after `cursor` (pass 0 first, then the last page's
    /// last ``StoredCode/cursor``): one job's devices (accepted or unchanged) in file order, or, with
    /// `jobID` nil, every outstanding code in issue order.
    ///
    /// Both walk an index in order (job rows by line, codes by id), so each page costs its own rows
    /// only; ordering a job's codes by code id instead sorted the whole job for every page.
    public func outstandingCodes(jobID: Int64?, now: Date, after cursor: Int64, limit: Int) throws -> [StoredCode] {
        try read("read activation codes") { db in
            let now = Int64(now.timeIntervalSince1970)
            let columns = "c.id, d.name, d.description, d.model, d.owner_user_id, c.identity, c.sealed, c.expires_at"
            if let jobID {
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT r.line AS cursor, \(columns) FROM job_row r
                        JOIN device d ON d.id = r.device_id
                        JOIN activation_code c ON c.device_id = d.id AND c.status = 'outstanding'
                        WHERE r.job_id = ? AND r.line > ? AND c.expires_at > ? ORDER BY r.line LIMIT ?
                        """, arguments: [jobID, cursor, now, limit]
                ).map(Store.storedCode)
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id AS cursor, \(columns) FROM activation_code c JOIN device d ON d.id = c.device_id
                    WHERE c.status = 'outstanding' AND c.expires_at > ? AND c.id > ? ORDER BY c.id LIMIT ?
                    """, arguments: [now, cursor, limit]
            ).map(Store.storedCode)
        }
    }
}
