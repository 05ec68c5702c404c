/// One reason a row cannot be provisioned, located at a column of the row.
public struct RowProblem: Sendable, Equatable, CustomStringConvertible {
    /// 1-based field number in the row, nil when the problem is about the row as a whole.
    public var column: Int?
    /// The column's name as written in the header (or the BAT name), nil for row-level problems.
    public var columnName: String?
    public var value: String?
    public var reason: String

    public init(column: Int?, columnName: String?, value: String?, reason: String) {
        self.column = column
        self.columnName = columnName
        self.value = value
        self.reason = reason
    }

    /// `DEVICE POOL "Dalas": does not exist (did you mean "Dallas"?)`
    public var description: String {
        guard let columnName else { return reason }
        if let value { return "\(columnName) \"\(value)\": \(reason)" }
        return "\(columnName): \(reason)"
    }
}

/// A rejected row: where it is and every reason it was rejected.
public struct RowRejection: Error, Sendable, Equatable {
    public var line: Int
    public var fields: [String]
    public var problems: [RowProblem]

    /// All reasons joined, as written to `rejects.csv`'s `REASON` column.
    public var reason: String { problems.map(\.description).joined(separator: "; ") }
}
