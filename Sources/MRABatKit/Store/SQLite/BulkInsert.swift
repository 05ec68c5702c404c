import GRDB

/// A record whose rows a job inserts by the thousand: each column paired with its value, in one list.
///
/// GRDB's record `insert(db)` builds a persistence container and looks its statement up per row; in
/// the insert job that was the store stage's bottleneck (100k rows: store stage 9.6 s with the old
/// hand-written statements, 25.4 s with `insert(db)`, this machine, same run). The pairs keep one
/// mapping per table — the record's `CodingKeys` name the columns, and each is listed once with its
/// value — while the statement is prepared once per job and only bound per row.
protocol BulkInsertable {
    associatedtype Key: CodingKey
    static var databaseTableName: String { get }
    /// Every column with its value; the same columns, in the same order, for every record.
    var bulkRow: KeyValuePairs<Key, (any DatabaseValueConvertible)?> { get }
}

/// A prepared `INSERT` for one ``BulkInsertable`` table, prepared from the first record it inserts
/// (every record has the same columns) and bound for each after that.
struct BulkInserter<Record: BulkInsertable> {
    private var statement: Statement?

    init() {}

    mutating func insert(_ record: Record, into db: Database) throws {
        let row = record.bulkRow
        let prepared = try statement ?? Self.prepare(db, row)
        statement = prepared
        prepared.setUncheckedArguments(StatementArguments(row.map(\.value)))
        try prepared.execute()
    }

    private static func prepare(_ db: Database, _ row: KeyValuePairs<Record.Key, (any DatabaseValueConvertible)?>)
        throws -> Statement
    {
        let columns = row.map { "\"\($0.key.stringValue)\"" }
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return try db.cachedStatement(
            sql: "INSERT INTO \(Record.databaseTableName) (\(columns.joined(separator: ", "))) VALUES (\(marks))")
    }
}
