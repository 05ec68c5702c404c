import GRDB

/// A row of `audit`: one lifecycle event, appended, never changed.
struct AuditRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, BulkInsertable {
    static let databaseTableName = "audit"

    var id: Int64?
    var at: Int64
    var deviceID: Int64?
    var deviceName: String?
    var event: String
    var outcome: String
    var detail: String?

    enum CodingKeys: String, CodingKey {
        case id, at, event, outcome, detail
        case deviceID = "device_id"
        case deviceName = "device_name"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let deviceID = Column(CodingKeys.deviceID)
        static let deviceName = Column(CodingKeys.deviceName)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var bulkRow: KeyValuePairs<CodingKeys, (any DatabaseValueConvertible)?> {
        [
            .id: id, .at: at, .deviceID: deviceID, .deviceName: deviceName, .event: event, .outcome: outcome,
            .detail: detail,
        ]
    }

    init(_ event: AuditEvent) {
        id = nil
        at = SQLiteStore.seconds(event.at)
        deviceID = event.deviceID
        deviceName = event.deviceName
        self.event = event.event
        outcome = event.outcome
        detail = event.detail
    }

    var entry: AuditEntry {
        AuditEntry(
            id: id ?? 0,
            record: AuditEvent(
                at: SQLiteStore.date(at), deviceID: deviceID, deviceName: deviceName, event: event, outcome: outcome,
                detail: detail))
    }
}
