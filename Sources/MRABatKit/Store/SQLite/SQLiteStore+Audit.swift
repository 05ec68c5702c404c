import Foundation
import GRDB

extension SQLiteStore {
    package func appendAudit(_ events: [AuditEvent]) async throws {
        try await write("write the audit log") { db in
            for event in events {
                var record = AuditRecord(event)
                try record.insert(db)
            }
        }
    }

    package func history(device name: String) async throws -> [AuditEntry] {
        try await read("read the audit log") { db in
            // A device keeps its id across the BAT → SEP rename, so its history reads from insert to now
            // under either name; records of refused activations that matched no device carry only the
            // name the phone presented.
            var ids = Set(
                try DeviceRecord.filter(DeviceRecord.Columns.name == name).select(
                    DeviceRecord.Columns.id, as: Int64.self
                ).fetchAll(db))
            ids.formUnion(
                try AuditRecord.filter(AuditRecord.Columns.deviceName == name && AuditRecord.Columns.deviceID != nil)
                    .select(AuditRecord.Columns.deviceID, as: Int64.self).distinct().fetchAll(db))
            let byName = AuditRecord.Columns.deviceID == nil && AuditRecord.Columns.deviceName == name
            let records = try AuditRecord.filter(Array(ids).contains(AuditRecord.Columns.deviceID) || byName)
                .order(AuditRecord.Columns.id).fetchAll(db)
            if records.isEmpty && ids.isEmpty {
                throw MRABatError(.notFound, "no device named \(name) and no audit record for it", value: name)
            }
            return records.map(\.entry)
        }
    }
}
