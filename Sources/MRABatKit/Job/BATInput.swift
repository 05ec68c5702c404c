/// An opened BAT input: a CSV file (its detected encoding and delimiter) or a workbook's sheet
/// (`.xlsx`, `.ods`, by the file's extension), its header, and a record stream.
///
/// A workbook's rows are the records a CSV export of the sheet would give, each field a cell from
/// column A, each `line` the sheet row; values are as stored, not as displayed (see
/// ``XLSXSheetReader``, ``ODSSheetReader``). Locations in a workbook name the cell
/// (``location(line:column:)``: `phones.xlsx[Sheet1]!C812`).
package struct BATInput: ~Copyable {
    package let path: String
    /// The CSV file's encoding; a workbook's values are Unicode (`.utf8`).
    package let encoding: TextEncoding
    /// The CSV file's delimiter; for a workbook, `,`, which `rejects.csv` is then written with.
    package let delimiter: UInt8
    package let header: BATHeader
    package let headerFields: [String]
    package let headerLine: Int
    /// The workbook's format, nil for a CSV file.
    package let format: WorkbookFormat?
    /// The sheet read, as the workbook names it; nil for a CSV file.
    package let sheet: String?
    private let source: any RecordSource

    /// Opens `path`, detects (or takes) its encoding and delimiter, and reads the header.
    ///
    /// - Parameters:
    ///   - sheet: a workbook's sheet to read (nil: the first); refused for a CSV file.
    ///   - limits: what a workbook may hold (ZIP bombs).
    /// - Throws: `.io` (unreadable), `.encoding`, `.csvSyntax`, `.csvStructure` (empty file,
    ///   bad header), `.workbook` (not a workbook, damaged), `.usage` (an option that does not apply,
    ///   no such sheet) — each fatal, with the position.
    package init(
        path: String, encoding: TextEncoding? = nil, delimiter: UInt8? = nil, mapping: [String: String] = [:],
        required: Set<BATColumn> = [], sheet: String? = nil, limits: WorkbookLimits = WorkbookLimits()
    ) throws {
        let opened = try Self.open(path: path, encoding: encoding, delimiter: delimiter, sheet: sheet, limits: limits)
        let header: BATHeader
        do {
            header = try BATHeader(
                fields: opened.first.fields, file: path, line: opened.first.line, mapping: mapping, required: required)
        } catch var error as MRABatError {
            if error.location?.file == path { error.location?.sheet = opened.sheet }
            throw error
        }
        self.path = path
        self.header = header
        format = opened.format
        self.sheet = opened.sheet
        self.encoding = opened.encoding
        self.delimiter = opened.delimiter
        source = opened.source
        headerFields = opened.first.fields
        headerLine = opened.first.line
    }

    private struct Opened {
        var format: WorkbookFormat?
        var sheet: String?
        var encoding: TextEncoding
        var delimiter: UInt8
        var source: any RecordSource
        /// The header record.
        var first: CSVRecord
    }

    private static func open(
        path: String, encoding: TextEncoding?, delimiter: UInt8?, sheet: String?, limits: WorkbookLimits
    ) throws -> Opened {
        if let format = WorkbookFormat(path: path) {
            if encoding != nil || delimiter != nil {
                throw MRABatError(
                    .usage,
                    "--\(encoding != nil ? "encoding" : "delimiter") applies to CSV files; \(path) is an "
                        + "\(format.rawValue) workbook, whose cells need neither")
            }
            let opened = try Workbook.open(path: path, format: format, sheet: sheet, limits: limits)
            // Empty rows above the header (a title row left blank) are skipped, as CSV blank lines are.
            while let record = try opened.rows.next() {
                if !record.isBlank {
                    return Opened(
                        format: format, sheet: opened.sheet, encoding: .utf8, delimiter: UInt8(ascii: ","),
                        source: opened.rows, first: record)
                }
            }
            throw MRABatError(
                .csvStructure, "sheet \"\(opened.sheet)\" is empty: a BAT sheet starts with a header row",
                at: SourceLocation(file: path))
        }
        if WorkbookFormat.isLegacy(path: path) {
            throw MRABatError(
                .usage,
                "legacy binary workbooks (.xls, .xlsb) are not read; save the sheet as .xlsx, .ods or CSV (UTF-8)",
                at: SourceLocation(file: path))
        }
        if let sheet {
            throw MRABatError(
                .usage, "--sheet applies to .xlsx and .ods workbooks; \(path) is read as a CSV file", value: sheet)
        }
        if try WorkbookArchive.isZIP(path: path) {
            throw MRABatError(
                .usage,
                "is a ZIP archive, not a CSV file: an .xlsx or .ods workbook under another name? Give it its "
                    + "workbook extension (.xlsx, .ods) and mrabat reads it as one",
                at: SourceLocation(file: path))
        }
        let encoding = try encoding ?? TextEncoding.detect(path: path)
        var reader = try CSVReader(
            source: try FileByteSource(path: path), encoding: encoding, delimiter: delimiter, file: path)
        guard let first = try reader.next() else {
            throw MRABatError(
                .csvStructure, "the file is empty: a BAT CSV file starts with a header line",
                at: SourceLocation(file: path, line: 1))
        }
        let detected = reader.delimiter
        return Opened(
            format: nil, sheet: nil, encoding: encoding, delimiter: detected, source: CSVRecordSource(reader),
            first: first)
    }

    /// The next data row, skipping blank lines and rows of empty fields (`,,,,`, as Excel exports
    /// an empty row) — a template must not turn those into phones; nil at the end of the file.
    ///
    /// A workbook's row is padded with empty fields to the header's width, as a CSV export's is:
    /// its trailing empty cells are not in the file.
    package mutating func next() throws -> CSVRecord? {
        while var record = try source.next() {
            if record.isBlank { continue }
            if format != nil && record.fields.count < headerFields.count {
                record.fields += repeatElement("", count: headerFields.count - record.fields.count)
            }
            return record
        }
        return nil
    }

    /// Up to `count` next data rows; fewer only at the end of the file.
    package mutating func next(count: Int) throws -> [CSVRecord] {
        var records: [CSVRecord] = []
        records.reserveCapacity(count)
        while records.count < count, let record = try next() { records.append(record) }
        return records
    }

    /// Where field `column` (1-based; a sheet column in a workbook) of `line` is: `phones.csv:12:3`,
    /// or `phones.xlsx[Sheet1]!C12`.
    package func location(line: Int? = nil, column: Int? = nil) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column, sheet: sheet)
    }

    /// Names cells in reasons and warnings, for inputs whose locations are cells (copyable, unlike the input).
    package var cells: CellNamer? {
        sheet.map { CellNamer(file: path, sheet: $0) }
    }
}

/// Names the cells of a workbook's sheet in row problems: `phones.xlsx[Sheet1]!C812`.
package struct CellNamer: Sendable {
    package let file: String
    package let sheet: String

    package init(file: String, sheet: String) {
        self.file = file
        self.sheet = sheet
    }

    /// `column` (1-based) of `line` as a location; the whole row when `column` is nil.
    package func location(line: Int, column: Int?) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column, sheet: sheet)
    }

    /// `rejections` with each problem naming its cell (or its row, for a problem of the whole row).
    package func locate(_ rejections: [RowRejection]) -> [RowRejection] {
        rejections.map { rejection in
            var located = rejection
            for index in located.problems.indices {
                located.problems[index].cell =
                    location(line: rejection.line, column: located.problems[index].column)
                    .description
            }
            return located
        }
    }
}
