import GRDB

extension Database {
    /// Rows of `sql` for every value in `values`, where `sql` holds one `IN (?)` placeholder list
    /// written as `(%@)`; the values go in slices that stay within SQLite's variable limit.
    func fetchIn<Value: DatabaseValueConvertible>(
        _ sql: String, values: [Value], _ row: (Row) throws -> Void
    ) throws {
        for start in stride(from: 0, to: values.count, by: 500) {
            let slice = Array(values[start..<min(start + 500, values.count)])
            let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
            let rows = try Row.fetchCursor(
                self, sql: sql.replacingOccurrences(of: "(%@)", with: "(\(marks))"),
                arguments: StatementArguments(slice))
            while let next = try rows.next() { try row(next) }
        }
    }
}
