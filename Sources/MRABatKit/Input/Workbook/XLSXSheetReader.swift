/// The rows of one `.xlsx` worksheet, streamed from its XML one `<row>` at a time.
///
/// A row's fields start at column A (as a CSV export of the sheet does), cells missing from the
/// XML are empty, and a cell hidden under a merged range is empty. Values are as stored: shared and
/// inline strings (rich-text runs joined), numbers as their exact decimal text, dates (a number
/// with a date format) in ISO 8601, booleans `TRUE`/`FALSE`, a formula's cached result.
final class XLSXSheetReader: RecordSource {
    let sheet: String
    private let workbook: XLSXWorkbook
    private let reader: XMLPartReader
    private var merged: MergedRanges
    private var lastRow = 0
    private var done = false

    init(workbook: XLSXWorkbook, sheet: String, part: String) throws {
        let archive = workbook.archive
        self.workbook = workbook
        self.sheet = sheet
        merged = try MergedRanges.scanXLSX(
            archive.open(part), limit: archive.limits.maxMergedRanges, file: archive.file, part: part)
        reader = try XMLPartReader(source: archive.open(part), file: archive.file, part: part)
    }

    func next() throws -> CSVRecord? {
        guard !done else { return nil }
        while try reader.read() {
            if reader.isStart("row") { return try row() }
            if reader.isEnd("sheetData") { break }
        }
        done = true
        try reader.drain()
        return nil
    }

    private enum CellType {
        case number, sharedString, inlineString, formulaString, boolean, error, date
    }

    private func location(row: Int, column: Int? = nil) -> SourceLocation {
        SourceLocation(file: workbook.archive.file, line: row, column: column, sheet: sheet)
    }

    /// The row the reader is on, read to its end.
    private func row() throws -> CSVRecord {
        let limits = workbook.archive.limits
        let number = reader.attribute("r").flatMap { Int($0) } ?? lastRow + 1
        guard number >= 1 && number <= limits.maxRows else {
            throw MRABatError(
                .workbook, "part \(reader.part) has a row numbered \(number), outside 1…\(limits.maxRows)",
                at: SourceLocation(file: workbook.archive.file, sheet: sheet))
        }
        lastRow = number
        var fields: [String] = []
        var numberFields: [Int] = []
        var bytes = 0
        let hidden = merged.hidden(inRow: number)
        if reader.isEmptyElement { return CSVRecord(fields: [], line: number, endLine: number) }
        let rowDepth = reader.depth
        var nextColumn = 1
        while try reader.read() {
            if reader.type == .endElement && reader.depth == rowDepth { break }
            guard reader.isStart("c") else {
                if reader.type == .element { reader.skip() }
                continue
            }
            var column = nextColumn
            var type = CellType.number
            var style = 0
            var typeName = ""
            reader.forEachAttribute { name, value in
                if XMLPartReader.equal(name, "r") {
                    if let reference = WorkbookValue.reference(value) { column = reference.column }
                } else if XMLPartReader.equal(name, "t") {
                    switch true {
                    case XMLPartReader.equal(value, "s"): type = .sharedString
                    case XMLPartReader.equal(value, "inlineStr"): type = .inlineString
                    case XMLPartReader.equal(value, "str"): type = .formulaString
                    case XMLPartReader.equal(value, "b"): type = .boolean
                    case XMLPartReader.equal(value, "e"): type = .error
                    case XMLPartReader.equal(value, "d"): type = .date
                    case XMLPartReader.equal(value, "n"): type = .number
                    default: typeName = String(cString: value)
                    }
                } else if XMLPartReader.equal(name, "s") {
                    style = WorkbookValue.integer(value) ?? 0
                }
            }
            if !typeName.isEmpty {
                throw MRABatError(
                    .workbook, "has a cell of unknown type \"\(typeName)\"",
                    at: location(row: number, column: column), value: typeName)
            }
            guard column >= 1 && column <= limits.maxColumns else {
                throw MRABatError(
                    .workbook, "has a cell beyond column \(SourceLocation.columnName(limits.maxColumns))",
                    at: location(row: number))
            }
            nextColumn = column + 1
            var stored: String?
            var inline: String?
            if !reader.isEmptyElement {
                let cellDepth = reader.depth
                while try reader.read() {
                    if reader.type == .endElement && reader.depth == cellDepth { break }
                    if reader.isStart("v") {
                        stored = try reader.text()
                    } else if reader.isStart("is") {
                        inline = try XLSXWorkbook.richText(reader)
                    } else if reader.type == .element {
                        // A formula (<f>), an extension list: not the value.
                        reader.skip()
                    }
                }
            }
            var (value, isNumber) = try self.value(
                type: type, stored: stored, inline: inline, style: style, at: location(row: number, column: column))
            if !hidden.isEmpty && MergedRanges.isHidden(column: column, row: number, in: hidden) {
                value = ""
                isNumber = false
            }
            guard !value.isEmpty else { continue }
            bytes += value.utf8.count
            if bytes > CSVReader.maxRecordBytes {
                throw MRABatError(
                    .workbook,
                    "row has more than \(CSVReader.maxRecordBytes >> 10) KiB of text: no BAT row comes near that",
                    at: location(row: number))
            }
            if fields.count < column { fields += repeatElement("", count: column - fields.count) }
            fields[column - 1] = value
            if isNumber { numberFields.append(column - 1) }
        }
        return CSVRecord(fields: fields, line: number, endLine: number, numberFields: numberFields)
    }

    /// A cell's value as text, and whether it is a number (not a date, not text).
    private func value(type: CellType, stored: String?, inline: String?, style: Int, at location: SourceLocation)
        throws -> (String, Bool)
    {
        switch type {
        case .sharedString:
            guard let stored else { return ("", false) }
            guard let index = Int(stored.trimmingSpaces), index >= 0, index < workbook.sharedStrings.count else {
                throw MRABatError(
                    .workbook,
                    "refers to shared string \(stored), but the workbook has \(workbook.sharedStrings.count): "
                        + "the workbook is damaged",
                    at: location, value: stored)
            }
            return (workbook.sharedStrings[index], false)
        case .inlineString:
            return (inline ?? stored.map(WorkbookValue.unescapeOOXML) ?? "", false)
        case .formulaString:
            return (stored.map(WorkbookValue.unescapeOOXML) ?? "", false)
        case .boolean:
            switch stored?.trimmingSpaces {
            case "1", "true": return ("TRUE", false)
            case "0", "false": return ("FALSE", false)
            default: return (stored ?? "", false)
            }
        case .error, .date:
            return (stored ?? "", false)
        case .number:
            guard let stored, !stored.isEmpty else { return ("", false) }
            if style < workbook.dateStyles.count, let parts = workbook.dateStyles[style],
                let date = WorkbookValue.isoDate(serial: stored, date1904: workbook.date1904, parts: parts)
            {
                return (date, false)
            }
            return (WorkbookValue.number(stored), true)
        }
    }
}

extension String {
    var trimmingSpaces: String {
        SpreadsheetDamage.trim(self)
    }
}
