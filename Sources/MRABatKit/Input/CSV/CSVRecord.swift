/// One record of a CSV file, or one row of a workbook's sheet: its fields, and the physical lines it
/// spans (a sheet's row number).
package struct CSVRecord: Sendable, Hashable {
    /// The field values, unquoted; line breaks inside quoted fields are kept as they were.
    package var fields: [String]
    /// The 1-based physical line where the record starts (what a user sees in an editor).
    package var line: Int
    /// The physical line where the record ends; larger than ``line`` when a quoted field holds a line break.
    package var endLine: Int
    /// Indices of fields whose workbook cells hold numbers, not text (a MAC there has lost its
    /// leading zeros); always empty for a CSV file, whose fields are all text.
    package var numberFields: [Int]

    package init(fields: [String], line: Int, endLine: Int, numberFields: [Int] = []) {
        self.fields = fields
        self.line = line
        self.endLine = endLine
        self.numberFields = numberFields
    }

    /// Whether every field is empty or white space, as in the `,,,,` rows spreadsheets export
    /// for empty rows. The reader returns such rows; whether to skip them is the caller's choice.
    package var isBlank: Bool {
        fields.allSatisfy { $0.allSatisfy(\.isWhitespace) }
    }
}
