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
    // v4: the per-line fields of real BAT files (see ``LineDraft``).
    var maxNumCalls: Int?
    var busyTrigger: Int?
    var externalPhoneNumberMask: String?
    var asciiDisplay: String?
    var asciiLabel: String?
    /// Stored as their raw values (`Ring`, `Beep Only`).
    var ringSettingIdle: RingSetting?
    var ringSettingActive: RingSetting?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case display, label, partition
        case deviceID = "device_id"
        case index = "idx"
        case directoryNumber = "dn"
        case maxNumCalls = "max_num_calls"
        case busyTrigger = "busy_trigger"
        case externalPhoneNumberMask = "external_phone_number_mask"
        case asciiDisplay = "ascii_display"
        case asciiLabel = "ascii_label"
        case ringSettingIdle = "ring_setting_idle"
        case ringSettingActive = "ring_setting_active"
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
        maxNumCalls = row[CodingKeys.maxNumCalls.rawValue]
        busyTrigger = row[CodingKeys.busyTrigger.rawValue]
        externalPhoneNumberMask = row[CodingKeys.externalPhoneNumberMask.rawValue]
        asciiDisplay = row[CodingKeys.asciiDisplay.rawValue]
        asciiLabel = row[CodingKeys.asciiLabel.rawValue]
        ringSettingIdle = try Self.ringSetting(row, .ringSettingIdle)
        ringSettingActive = try Self.ringSetting(row, .ringSettingActive)
    }

    /// Every column, qualified (`line."display", …`), in `CodingKeys` order: the rows ``init(selected:)`` reads.
    static let selection = CodingKeys.allCases.map { "line.\"\($0.rawValue)\"" }.joined(separator: ", ")

    /// Decodes a row of ``selection`` by position, in `CodingKeys` declaration order (see
    /// ``DeviceRecord/init(selected:from:)``).
    init(selected row: Row) throws {
        var column = 0
        func next() -> Int {
            defer { column += 1 }
            return column
        }
        display = row[next()]
        label = row[next()]
        partition = row[next()]
        deviceID = row[next()]
        index = row[next()]
        directoryNumber = row[next()]
        maxNumCalls = row[next()]
        busyTrigger = row[next()]
        externalPhoneNumberMask = row[next()]
        asciiDisplay = row[next()]
        asciiLabel = row[next()]
        ringSettingIdle = try Self.ringSetting(text: row[next()], .ringSettingIdle)
        ringSettingActive = try Self.ringSetting(text: row[next()], .ringSettingActive)
        assert(column == CodingKeys.allCases.count, "init(selected:) must read every column of `selection`")
    }

    /// A ring setting column: unset, or a value this version writes; anything else is a damaged store.
    private static func ringSetting(_ row: Row, _ key: CodingKeys) throws -> RingSetting? {
        try ringSetting(text: row[key.rawValue], key)
    }

    private static func ringSetting(text: String?, _ key: CodingKeys) throws -> RingSetting? {
        guard let text else { return nil }
        guard let setting = RingSetting(rawValue: text) else {
            throw MRABatError(.store, "line.\(key.rawValue) holds \"\(text)\", which is no ring setting", value: text)
        }
        return setting
    }

    init(deviceID: Int64, line: LineDraft) {
        self.deviceID = deviceID
        index = line.index
        directoryNumber = line.directoryNumber
        display = line.display
        label = line.label
        partition = line.partition
        maxNumCalls = line.maxNumCalls
        busyTrigger = line.busyTrigger
        externalPhoneNumberMask = line.externalPhoneNumberMask
        asciiDisplay = line.asciiDisplay
        asciiLabel = line.asciiLabel
        ringSettingIdle = line.ringSettingIdle
        ringSettingActive = line.ringSettingActive
    }

    var bulkRow: KeyValuePairs<CodingKeys, (any DatabaseValueConvertible)?> {
        [
            .deviceID: deviceID, .index: index, .directoryNumber: directoryNumber, .display: display, .label: label,
            .partition: partition, .maxNumCalls: maxNumCalls, .busyTrigger: busyTrigger,
            .externalPhoneNumberMask: externalPhoneNumberMask, .asciiDisplay: asciiDisplay, .asciiLabel: asciiLabel,
            .ringSettingIdle: ringSettingIdle?.rawValue, .ringSettingActive: ringSettingActive?.rawValue,
        ]
    }

    /// The domain value.
    var line: LineDraft {
        LineDraft(
            index: index, directoryNumber: directoryNumber, display: display, label: label, partition: partition,
            maxNumCalls: maxNumCalls, busyTrigger: busyTrigger, externalPhoneNumberMask: externalPhoneNumberMask,
            asciiDisplay: asciiDisplay, asciiLabel: asciiLabel, ringSettingIdle: ringSettingIdle,
            ringSettingActive: ringSettingActive)
    }
}
