/// Rows of an input, in order, as records: a CSV file's or a workbook sheet's.
protocol RecordSource: AnyObject {
    /// The next row (blank ones included; the caller skips them), nil at the end.
    func next() throws -> CSVRecord?
}

/// The workbook formats mrabat reads, recognised by the file's extension.
package enum WorkbookFormat: String, Sendable {
    /// Office Open XML (Excel 2007 and later; `.xlsm` is the same with macros, which are not run).
    case xlsx
    /// OpenDocument (LibreOffice, Google Sheets' download).
    case ods

    /// The format of `path` by its extension (case-insensitive), nil for anything else (a CSV file).
    package init?(path: String) {
        let name = path.split(separator: "/").last.map { $0.lowercased() } ?? ""
        if name.hasSuffix(".xlsx") || name.hasSuffix(".xlsm") {
            self = .xlsx
        } else if name.hasSuffix(".ods") {
            self = .ods
        } else {
            return nil
        }
    }

    /// Whether `path` names a legacy binary workbook (`.xls`, `.xlsb`), which mrabat does not read.
    package static func isLegacy(path: String) -> Bool {
        let name = path.lowercased()
        return name.hasSuffix(".xls") || name.hasSuffix(".xlsb")
    }
}

/// One sheet of a workbook, opened for reading its rows.
enum Workbook {
    /// Opens the sheet `sheet` (nil: the first) of the workbook at `path`.
    ///
    /// - Returns: the sheet's name as the workbook spells it, and its rows.
    /// - Throws: `.io`, `.workbook` (not a workbook, damaged, a ZIP bomb), `.usage` (no such sheet).
    static func open(path: String, format: WorkbookFormat, sheet: String?, limits: WorkbookLimits = WorkbookLimits())
        throws -> (sheet: String, rows: any RecordSource)
    {
        let archive = try WorkbookArchive(path: path, limits: limits)
        switch format {
        case .xlsx:
            let workbook = try XLSXWorkbook(archive: archive)
            let found = try workbook.sheet(named: sheet)
            return (found.name, try XLSXSheetReader(workbook: workbook, sheet: found.name, part: found.part))
        case .ods:
            let reader = try ODSSheetReader(archive: archive, sheet: sheet)
            return (reader.sheet, reader)
        }
    }
}

/// A CSV reader as a ``RecordSource`` (a class, so that it can stand beside a workbook's rows).
final class CSVRecordSource: RecordSource {
    private var reader: CSVReader

    init(_ reader: consuming CSVReader) {
        self.reader = reader
    }

    func next() throws -> CSVRecord? {
        try reader.next()
    }
}
