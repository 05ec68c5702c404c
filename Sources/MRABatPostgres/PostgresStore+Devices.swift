import Foundation
import MRABatKit
import PostgresNIO

/// A row of `device` as read: the one place its columns are decoded.
struct DeviceRow {
    var device: StoredDevice
    var naturalKey: String
    var jobID: Int64
    var templateName: String
    var createdAt: Int64
    var activatedAt: Int64?
    var failedAttempts: Int
    var throttled: Bool

    /// The columns of a device, qualified by `d` (`FROM device d`).
    static let columns = """
        d.id, d.name, d.mac, d.natural_key, d.model, d.device_pool, d.service_domain, d.owner_user_id, d.user_id,
        d.description, d.location, d.css, d.protocol, d.phone_button_template, d.softkey_template, d.security_profile,
        d.sip_profile, d.user_locale, d.requires_activation_code, d.allow_activation_code_via_mra, d.template_name,
        d.job_id, d.created_at, d.activated_at, d.failed_attempts, d.throttled
        """

    init(_ row: PostgresRandomAccessRow) throws {
        device = StoredDevice(
            id: try row.get("id"), name: try row.get("name"), mac: try row.get("mac"),
            attributes: DeviceAttributes(
                model: try row.get("model"), devicePool: try row.get("device_pool"),
                serviceDomain: try row.get("service_domain"), ownerUserID: try row.get("owner_user_id"),
                description: try row.get("description"), location: try row.get("location"), css: try row.get("css"),
                deviceProtocol: try row.get("protocol"), phoneButtonTemplate: try row.get("phone_button_template"),
                softkeyTemplate: try row.get("softkey_template"), securityProfile: try row.get("security_profile"),
                sipProfile: try row.get("sip_profile"), userLocale: try row.get("user_locale"),
                requiresActivationCodeOnboarding: try row.get("requires_activation_code"),
                allowActivationCodeViaMRA: try row.get("allow_activation_code_via_mra"), lines: [],
                userID: try row.get("user_id")))
        naturalKey = try row.get("natural_key")
        jobID = try row.get("job_id")
        templateName = try row.get("template_name")
        createdAt = try row.get("created_at")
        activatedAt = try row.get("activated_at")
        failedAttempts = try row.get("failed_attempts")
        throttled = try row.get("throttled")
    }

    var key: NaturalKey { NaturalKey(stored: naturalKey, device: device) }

    /// The device as reconciliation sees it.
    var existing: ExistingDevice {
        ExistingDevice(device: device, naturalKey: key, jobID: jobID, activated: activatedAt != nil)
    }

    /// The device as a job records it before changing or removing it (its codes added by the caller).
    func snapshot(codes: [CodeSnapshot]) -> DeviceSnapshot {
        DeviceSnapshot(
            id: device.id, name: device.name, mac: device.mac, naturalKey: naturalKey, attributes: device.attributes,
            templateName: templateName, createdByJob: jobID, createdAt: PostgresStore.date(createdAt),
            activatedAt: activatedAt.map(PostgresStore.date), failedAttempts: failedAttempts, throttled: throttled,
            codes: codes)
    }
}

extension PostgresStore {
    /// `rows` with their lines, in the rows' order.
    static func withLines(_ db: PostgresConnection, _ rows: [DeviceRow]) async throws -> [DeviceRow] {
        guard !rows.isEmpty else { return [] }
        let ids = rows.map(\.device.id)
        var lines: [Int64: [LineDraft]] = [:]
        for row in try await db.rows(
            """
            SELECT device_id, idx, dn, display, label, partition, max_num_calls, busy_trigger,
                external_phone_number_mask, ascii_display, ascii_label, ring_setting_idle, ring_setting_active
            FROM line WHERE device_id = ANY(\(ids)) ORDER BY device_id, idx
            """
        ) {
            lines[try row.get("device_id", as: Int64.self), default: []].append(
                LineDraft(
                    index: try row.get("idx"), directoryNumber: try row.get("dn"), display: try row.get("display"),
                    label: try row.get("label"), partition: try row.get("partition"),
                    maxNumCalls: try row.get("max_num_calls"), busyTrigger: try row.get("busy_trigger"),
                    externalPhoneNumberMask: try row.get("external_phone_number_mask"),
                    asciiDisplay: try row.get("ascii_display"), asciiLabel: try row.get("ascii_label"),
                    ringSettingIdle: try ringSetting(row, "ring_setting_idle"),
                    ringSettingActive: try ringSetting(row, "ring_setting_active")))
        }
        return rows.map { row in
            var row = row
            row.device.attributes.lines = lines[row.device.id] ?? []
            return row
        }
    }

    /// The devices `query` selects (with ``DeviceRow/columns``), with their lines.
    static func devices(_ db: PostgresConnection, _ query: PostgresQuery) async throws -> [DeviceRow] {
        try await withLines(db, try await db.rows(query).map(DeviceRow.init))
    }

    /// A ring setting column: unset, or a value this version writes; anything else is a damaged store.
    static func ringSetting(_ row: PostgresRandomAccessRow, _ column: String) throws -> RingSetting? {
        guard let text = try row.get(column, as: String?.self) else { return nil }
        guard let setting = RingSetting(rawValue: text) else {
            throw MRABatError(.store, "line.\(column) holds \"\(text)\", which is no ring setting", value: text)
        }
        return setting
    }

    /// Devices sharing a natural key with `keys`, a MAC with `macs` or a name with `names`, in any order.
    static func existingDevices(_ db: PostgresConnection, keys: [NaturalKey], macs: [String], names: [String])
        async throws -> [ExistingDevice]
    {
        guard !keys.isEmpty || !macs.isEmpty || !names.isEmpty else { return [] }
        let stored = keys.map(\.stored)
        return try await devices(
            db,
            """
            SELECT \(unescaped: DeviceRow.columns) FROM device d
            WHERE d.natural_key = ANY(\(stored)) OR d.mac = ANY(\(macs)) OR d.name = ANY(\(names))
            """
        ).map(\.existing)
    }

    package func existingDevices(keys: [NaturalKey], macs: [String], names: [String]) async throws
        -> [ExistingDevice]
    {
        try await read("look up existing devices") { db in
            try await Self.existingDevices(db, keys: keys, macs: macs, names: names)
        }
    }

    /// Devices whose current name is one of `names`, as reconciliation sees them.
    static func devices(_ db: PostgresConnection, named names: [String]) async throws -> [ExistingDevice] {
        guard !names.isEmpty else { return [] }
        return try await devices(
            db, "SELECT \(unescaped: DeviceRow.columns) FROM device d WHERE d.name = ANY(\(names))"
        ).map(\.existing)
    }

    package func devices(named names: [String]) async throws -> [ExistingDevice] {
        try await read("look up devices by name") { db in try await Self.devices(db, named: names) }
    }

    package func jobDevices(jobID: Int64, afterLine: Int, limit: Int) async throws -> [(
        line: Int, device: StoredDevice
    )] {
        try await read("read the job's devices") { db in
            let rows = try await db.rows(
                """
                SELECT r.line AS job_line, \(unescaped: DeviceRow.columns) FROM job_row r JOIN device d ON d.id = r.device_id
                WHERE r.job_id = \(jobID) AND r.line > \(afterLine) AND r.outcome IN ('accepted', 'unchanged')
                ORDER BY r.line LIMIT \(limit)
                """)
            let lines = try rows.map { try $0.get("job_line", as: Int.self) }
            let devices = try await Self.withLines(db, try rows.map(DeviceRow.init))
            return zip(lines, devices).map { ($0, $1.device) }
        }
    }

    package func device(named name: String) async throws -> StoredDevice? {
        try await read("read a device") { db in
            try await Self.devices(db, "SELECT \(unescaped: DeviceRow.columns) FROM device d WHERE d.name = \(name)")
                .first?.device
        }
    }

    /// The columns of an outstanding code with what the export and Self-Care show of its device.
    static let codeColumns = "c.id, d.name, d.description, d.model, d.owner_user_id, c.identity, c.sealed, c.expires_at"

    static func storedCode(_ row: PostgresRandomAccessRow) throws -> StoredCode {
        StoredCode(
            id: try row.get("id"), cursor: try row.get("cursor"), deviceName: try row.get("name"),
            description: try row.get("description"), model: try row.get("model"),
            ownerUserID: try row.get("owner_user_id"), identity: try row.get("identity"),
            sealed: [UInt8](try row.get("sealed", as: Data.self)),
            expiresAt: date(try row.get("expires_at", as: Int64.self)))
    }

    package func outstandingCodes(jobID: Int64?, now: Date, after cursor: Int64, limit: Int) async throws
        -> [StoredCode]
    {
        let now = Self.seconds(now)
        return try await read("read activation codes") { db in
            // As SQLite's: each page walks an index in order (job rows by line, codes by id). A code
            // without a sealed copy (its key was replaced as lost) cannot be exported.
            let query: PostgresQuery
            if let jobID {
                query = """
                    SELECT r.line::bigint AS cursor, \(unescaped: Self.codeColumns) FROM job_row r
                    JOIN device d ON d.id = r.device_id
                    JOIN activation_code c ON c.device_id = d.id AND c.status = 'outstanding'
                    WHERE r.job_id = \(jobID) AND r.line > \(cursor) AND c.expires_at > \(now) AND c.sealed IS NOT NULL
                    ORDER BY r.line LIMIT \(limit)
                    """
            } else {
                query = """
                    SELECT c.id AS cursor, \(unescaped: Self.codeColumns) FROM activation_code c
                    JOIN device d ON d.id = c.device_id
                    WHERE c.status = 'outstanding' AND c.expires_at > \(now) AND c.id > \(cursor) AND c.sealed IS NOT NULL
                    ORDER BY c.id LIMIT \(limit)
                    """
            }
            return try await db.rows(query).map(Self.storedCode)
        }
    }
}
