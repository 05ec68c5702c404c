import GRDB

/// A row of `job`: one run of a job command, its counts and its summary.
struct JobRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "job"

    var id: Int64?
    var kind: String
    var inputPath: String
    var templateName: String
    var startedAt: Int64
    var finishedAt: Int64?
    var accepted: Int
    var unchanged: Int
    var rejected: Int
    var summaryJSON: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, accepted, unchanged, rejected
        case inputPath = "input_path"
        case templateName = "template_name"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case summaryJSON = "summary_json"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `job_row`: what a job did with one row of its input.
struct JobRowRecord: Codable, FetchableRecord, PersistableRecord, Sendable, BulkInsertable {
    static let databaseTableName = "job_row"

    var jobID: Int64
    var line: Int
    var outcome: String
    var deviceID: Int64?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case line, outcome, reason
        case jobID = "job_id"
        case deviceID = "device_id"
    }

    enum Columns {
        static let jobID = Column(CodingKeys.jobID)
        static let line = Column(CodingKeys.line)
        static let outcome = Column(CodingKeys.outcome)
        static let deviceID = Column(CodingKeys.deviceID)
    }

    static let device = belongsTo(DeviceRecord.self, using: ForeignKey([Columns.deviceID]))

    var bulkRow: KeyValuePairs<CodingKeys, (any DatabaseValueConvertible)?> {
        [.jobID: jobID, .line: line, .outcome: outcome, .deviceID: deviceID, .reason: reason]
    }
}
