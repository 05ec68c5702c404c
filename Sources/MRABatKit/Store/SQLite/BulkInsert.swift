import GRDB
import GRDBSQLite

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
///
/// Each value is bound straight into the SQLite statement and the statement stepped once: GRDB's
/// `setUncheckedArguments(StatementArguments(…))` then `execute()` built an argument array and a
/// `StatementArguments` per row and went through its execution bookkeeping (observers, authorizer:
/// none on a job's connection). That was ~22 % of the CPU of the job's `write devices` calls
/// (`perf record --call-graph dwarf` of a 100k-row `mrabat insert`: `StatementArguments.init` 5.3 %,
/// `setUncheckedArguments` 5.0 % of the samples, `write devices` 47 %).
struct BulkInserter<Record: BulkInsertable> {
    private var statement: Statement?

    init() {}

    mutating func insert(_ record: Record, into db: Database) throws {
        let row = record.bulkRow
        let prepared = try statement ?? Self.prepare(db, row)
        statement = prepared
        let handle = prepared.sqliteStatement
        // The statement's previous step succeeded (or threw, ending the job), so reset reports nothing new.
        sqlite3_reset(handle)
        var index: CInt = 1
        for (_, value) in row {
            let code = value.map { $0.databaseValue.bind(to: handle, at: index) } ?? sqlite3_bind_null(handle, index)
            guard code == SQLITE_OK else { throw Self.failure(code, db, prepared) }
            index += 1
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw Self.failure(code, db, prepared) }
    }

    /// The error GRDB's `execute()` would have thrown: the extended result code (a constraint names
    /// its kind, as ``SQLiteStore/map(_:doing:path:)`` expects), SQLite's message, the statement.
    private static func failure(_ code: CInt, _ db: Database, _ statement: Statement) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
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
