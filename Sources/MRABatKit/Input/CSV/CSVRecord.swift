/// One record of a CSV file: its fields, and the physical lines it spans.
public struct CSVRecord: Sendable, Hashable {
    /// The field values, unquoted; line breaks inside quoted fields are kept as they were.
    public var fields: [String]
    /// The 1-based physical line where the record starts (what a user sees in an editor).
    public var line: Int
    /// The physical line where the record ends; larger than ``line`` when a quoted field holds a line break.
    public var endLine: Int

    public init(fields: [String], line: Int, endLine: Int) {
        self.fields = fields
        self.line = line
        self.endLine = endLine
    }

    /// Whether every field is empty or white space, as in the `,,,,` rows spreadsheets export
    /// for empty rows. The reader returns such rows; whether to skip them is the caller's choice.
    public var isBlank: Bool {
        fields.allSatisfy { $0.allSatisfy(\.isWhitespace) }
    }
}
