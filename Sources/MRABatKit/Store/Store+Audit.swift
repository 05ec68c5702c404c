import Foundation
import GRDB

/// One lifecycle event as the audit log keeps it.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var deviceID: Int64?
    /// The device's name when the event happened (a BAT name before activation, SEP after).
    public var deviceName: String?
    /// What happened: `issue`, `activate`, `release`, `regenerate`, `relock`, `expire`, `throttle`.
    public var event: String
    /// `ok`, or why it was refused (an ``ActivationRefusal/Reason`` raw value).
    public var outcome: String
    public var detail: String?
}

extension Store {
    /// Appends one audit record inside the caller's transaction.
    static func audit(
        _ db: Database, at: Date, deviceID: Int64?, deviceName: String?, event: String, outcome: String,
        detail: String? = nil
    ) throws {
        try db.execute(
            sql: "INSERT INTO audit (at, device_id, device_name, event, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [Int64(at.timeIntervalSince1970), deviceID, deviceName, event, outcome, detail])
    }

    /// Appends one audit record in its own committed transaction.
    public func appendAudit(
        at: Date, deviceID: Int64?, deviceName: String?, event: String, outcome: String, detail: String? = nil
    ) throws {
        try write("write the audit log") { db in
            try Store.audit(
                db, at: at, deviceID: deviceID, deviceName: deviceName, event: event, outcome: outcome,
                detail: detail)
        }
    }

    /// Every audit record of the device now or once named `name`, in the order they were written.
    ///
    /// A device keeps its id across the BAT → SEP rename, so its history reads from insert to now
    /// under either name; records of refused activations that matched no device carry only the
    /// name the phone presented.
    /// - Throws: `.notFound` if no device has, and no audit record names, `name`.
    public func history(device name: String) throws -> [AuditEntry] {
        try read("read the audit log") { db in
            var ids = try Int64.fetchAll(db, sql: "SELECT id FROM device WHERE name = ?", arguments: [name])
            ids += try Int64.fetchAll(
                db, sql: "SELECT DISTINCT device_id FROM audit WHERE device_name = ? AND device_id IS NOT NULL",
                arguments: [name])
            let unique = Array(Set(ids))
            let marks = Array(repeating: "?", count: unique.count).joined(separator: ",")
            let condition =
                unique.isEmpty
                ? "device_name = ?" : "device_id IN (\(marks)) OR (device_id IS NULL AND device_name = ?)"
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT id, at, device_id, device_name, event, outcome, detail FROM audit WHERE \(condition) ORDER BY id",
                arguments: StatementArguments(unique) + [name])
            if rows.isEmpty && unique.isEmpty {
                throw MRABatError(.notFound, "no device named \(name) and no audit record for it", value: name)
            }
            return rows.map { row in
                let at: Int64 = row["at"]
                return AuditEntry(
                    id: row["id"], at: Date(timeIntervalSince1970: TimeInterval(at)), deviceID: row["device_id"],
                    deviceName: row["device_name"], event: row["event"], outcome: row["outcome"], detail: row["detail"])
            }
        }
    }
}
