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
    var updated: Int = 0
    var deleted: Int = 0
    /// The undo job that reversed this one.
    var undoneBy: Int64?
    /// For an undo job, the job it reversed.
    var undoes: Int64?
    /// The last audit record's id when the job committed: later records (an activation) happened after it.
    var auditMark: Int64?

    enum CodingKeys: String, CodingKey {
        case id, kind, accepted, unchanged, rejected, updated, deleted
        case inputPath = "input_path"
        case templateName = "template_name"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case summaryJSON = "summary_json"
        case undoneBy = "undone_by"
        case undoes
        case auditMark = "audit_mark"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let undoneBy = Column(CodingKeys.undoneBy)
    }

    var info: JobInfo {
        JobInfo(
            id: id ?? 0, kind: kind, input: inputPath, template: templateName, started: SQLiteStore.date(startedAt),
            finished: finishedAt.map(SQLiteStore.date), accepted: accepted, unchanged: unchanged, updated: updated,
            deleted: deleted, rejected: rejected, committed: finishedAt != nil, undoneBy: undoneBy, undoes: undoes)
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
    /// The device's name after the job's change (its name, for a removed device).
    var deviceName: String?
    /// The name the device had before, when the job renamed it.
    var previousName: String?
    /// An updated row's ``FieldChange``s as JSON.
    var changesJSON: String?
    /// The ``DeviceSnapshot`` of the device before the job changed or removed it, as JSON.
    var beforeJSON: String?

    enum CodingKeys: String, CodingKey {
        case line, outcome, reason
        case jobID = "job_id"
        case deviceID = "device_id"
        case deviceName = "device_name"
        case previousName = "previous_name"
        case changesJSON = "changes_json"
        case beforeJSON = "before_json"
    }

    enum Columns {
        static let jobID = Column(CodingKeys.jobID)
        static let line = Column(CodingKeys.line)
        static let outcome = Column(CodingKeys.outcome)
        static let deviceID = Column(CodingKeys.deviceID)
        static let deviceName = Column(CodingKeys.deviceName)
    }

    static let device = belongsTo(DeviceRecord.self, using: ForeignKey([Columns.deviceID]))

    var bulkRow: KeyValuePairs<CodingKeys, (any DatabaseValueConvertible)?> {
        [
            .jobID: jobID, .line: line, .outcome: outcome, .deviceID: deviceID, .reason: reason,
            .deviceName: deviceName,
            .previousName: previousName, .changesJSON: changesJSON, .beforeJSON: beforeJSON,
        ]
    }
}
