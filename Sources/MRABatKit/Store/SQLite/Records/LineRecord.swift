import GRDB

/// A row of `line`: one directory number of a device.
struct LineRecord: Codable, FetchableRecord, PersistableRecord, Sendable, BulkInsertable {
    static let databaseTableName = "line"

    var deviceID: Int64
    var index: Int
    var directoryNumber: String
    var display: String?
    var label: String?
    var partition: String?

    enum CodingKeys: String, CodingKey {
        case display, label, partition
        case deviceID = "device_id"
        case index = "idx"
        case directoryNumber = "dn"
    }

    enum Columns {
        static let deviceID = Column(CodingKeys.deviceID)
        static let index = Column(CodingKeys.index)
    }

    /// By column name, not `Decodable`: see ``DeviceRecord/init(row:)``.
    init(row: Row) throws {
        deviceID = row[CodingKeys.deviceID.rawValue]
        index = row[CodingKeys.index.rawValue]
        directoryNumber = row[CodingKeys.directoryNumber.rawValue]
        display = row[CodingKeys.display.rawValue]
        label = row[CodingKeys.label.rawValue]
        partition = row[CodingKeys.partition.rawValue]
    }

    init(deviceID: Int64, line: LineDraft) {
        self.deviceID = deviceID
        index = line.index
        directoryNumber = line.directoryNumber
        display = line.display
        label = line.label
        partition = line.partition
    }

    var bulkRow: KeyValuePairs<CodingKeys, (any DatabaseValueConvertible)?> {
        [
            .deviceID: deviceID, .index: index, .directoryNumber: directoryNumber, .display: display, .label: label,
            .partition: partition,
        ]
    }

    var line: LineDraft {
        LineDraft(index: index, directoryNumber: directoryNumber, display: display, label: label, partition: partition)
    }
}
