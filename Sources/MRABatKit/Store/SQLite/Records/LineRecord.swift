import GRDB

/// A row of `line`: one directory number of a device.
struct LineRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
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

    init(deviceID: Int64, line: LineDraft) {
        self.deviceID = deviceID
        index = line.index
        directoryNumber = line.directoryNumber
        display = line.display
        label = line.label
        partition = line.partition
    }

    var line: LineDraft {
        LineDraft(index: index, directoryNumber: directoryNumber, display: display, label: label, partition: partition)
    }
}
