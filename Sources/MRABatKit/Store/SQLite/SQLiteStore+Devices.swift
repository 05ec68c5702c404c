import Foundation
import GRDB

extension SQLiteStore {
    /// The devices of `records` with their lines, in the records' order.
    static func devices(_ db: Database, _ records: [DeviceRecord]) throws -> [StoredDevice] {
        let ids = records.compactMap(\.id)
        guard !ids.isEmpty else { return [] }
        var lines: [Int64: [LineRecord]] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT \(LineRecord.selection) FROM line
                    WHERE device_id IN (SELECT value FROM json_each(?)) ORDER BY device_id, idx
                    """), arguments: [jsonArray(ids)])
        while let row = try rows.next() {
            let line = try LineRecord(selected: row)
            lines[line.deviceID, default: []].append(line)
        }
        return records.map { $0.stored(lines: $0.id.flatMap { lines[$0] } ?? []) }
    }

    /// The device rows `sql` selects (``DeviceRecord/selection`` from column `offset` on), each with
    /// the row itself for the caller's other columns.
    static func deviceRecords<T>(
        _ db: Database, sql: String, _ arguments: StatementArguments, offset: Int = 0,
        _ other: (Row) throws -> T
    ) throws -> [(DeviceRecord, T)] {
        var found: [(DeviceRecord, T)] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() {
            found.append((try DeviceRecord(selected: row, from: offset), try other(row)))
        }
        return found
    }

    /// Devices sharing a natural key with `keys`, a MAC with `macs` or a name with `names`, in any order.
    static func existingDevices(_ db: Database, keys: [NaturalKey], macs: [String], names: [String]) throws
        -> [ExistingDevice]
    {
        guard !keys.isEmpty || !macs.isEmpty || !names.isEmpty else { return [] }
        // One statement for every chunk (see `jsonArray`), answered with one index search per value,
        // and read by position.
        let records = try deviceRecords(
            db,
            sql: """
                SELECT \(DeviceRecord.selection) FROM device
                WHERE natural_key IN (SELECT value FROM json_each(?1))
                    OR mac IN (SELECT value FROM json_each(?2)) OR name IN (SELECT value FROM json_each(?3))
                """, [jsonArray(keys.map(\.stored)), jsonArray(macs), jsonArray(names)]
        ) { _ in () }.map(\.0)
        return zip(records, try devices(db, records)).map { record, device in
            ExistingDevice(
                device: device, naturalKey: record.key(of: device), jobID: record.jobID,
                activated: record.activatedAt != nil)
        }
    }

    package func existingDevices(keys: [NaturalKey], macs: [String], names: [String]) async throws
        -> [ExistingDevice]
    {
        try await read("look up existing devices") { db in
            try Self.existingDevices(db, keys: keys, macs: macs, names: names)
        }
    }

    package func jobDevices(jobID: Int64, afterLine: Int, limit: Int) async throws -> [(
        line: Int, device: StoredDevice
    )] {
        try await read("read the job's devices") { db in
            let rows = try Self.deviceRecords(
                db,
                sql: """
                    SELECT r.line, \(DeviceRecord.selection) FROM job_row r JOIN device ON device.id = r.device_id
                    WHERE r.job_id = ? AND r.line > ? AND r.outcome IN ('accepted', 'unchanged')
                    ORDER BY r.line LIMIT ?
                    """, [jobID, afterLine, limit], offset: 1
            ) { row -> Int in row[0] }
            return zip(rows, try Self.devices(db, rows.map(\.0))).map { row, device in (row.1, device) }
        }
    }

    package func device(named name: String) async throws -> StoredDevice? {
        try await read("read a device") { db in
            try DeviceRecord.filter(DeviceRecord.Columns.name == name).fetchOne(db).flatMap {
                try Self.devices(db, [$0]).first
            }
        }
    }

    /// An outstanding code with what the export and Self-Care show of its device.
    struct OutstandingCodeRow: Decodable, FetchableRecord {
        var cursor: Int64
        var id: Int64
        var name: String
        var description: String?
        var model: String
        var ownerUserID: String
        var identity: String
        var sealed: Data
        var expiresAt: Int64

        enum CodingKeys: String, CodingKey {
            case cursor, id, name, description, model, identity, sealed
            case ownerUserID = "owner_user_id"
            case expiresAt = "expires_at"
        }

        var code: StoredCode {
            StoredCode(
                id: id, cursor: cursor, deviceName: name, description: description, model: model,
                ownerUserID: ownerUserID, identity: identity, sealed: [UInt8](sealed),
                expiresAt: SQLiteStore.date(expiresAt))
        }

        static let columns: SQL =
            "c.id, d.name, d.description, d.model, d.owner_user_id, c.identity, c.sealed, c.expires_at"
    }

    package func outstandingCodes(jobID: Int64?, now: Date, after cursor: Int64, limit: Int) async throws
        -> [StoredCode]
    {
        let now = Self.seconds(now)
        return try await read("read activation codes") { db in
            // Both walk an index in order (job rows by line, codes by id), so each page costs its own
            // rows only; ordering a job's codes by code id instead sorted the whole job for every page.
            // A code without a sealed copy (its key was replaced as lost) cannot be exported.
            let columns = OutstandingCodeRow.columns
            let request: SQLRequest<OutstandingCodeRow>
            if let jobID {
                request = """
                    SELECT r.line AS cursor, \(columns) FROM job_row r
                    JOIN device d ON d.id = r.device_id
                    JOIN activation_code c ON c.device_id = d.id AND c.status = 'outstanding'
                    WHERE r.job_id = \(jobID) AND r.line > \(cursor) AND c.expires_at > \(now) AND c.sealed IS NOT NULL
                    ORDER BY r.line LIMIT \(limit)
                    """
            } else {
                request = """
                    SELECT c.id AS cursor, \(columns) FROM activation_code c JOIN device d ON d.id = c.device_id
                    WHERE c.status = 'outstanding' AND c.expires_at > \(now) AND c.id > \(cursor) AND c.sealed IS NOT NULL
                    ORDER BY c.id LIMIT \(limit)
                    """
            }
            return try request.fetchAll(db).map(\.code)
        }
    }
}
