/// The rows of one table (sheet) of an OpenDocument spreadsheet (`.ods`), streamed from
/// `content.xml` one `<table:table-row>` at a time.
///
/// Repeated rows and cells (`number-rows-repeated`, `number-columns-repeated`) are expanded only
/// when they hold something: the million empty rows LibreOffice writes after the last one cost
/// nothing. Covered cells (under a merged range) are empty. Values are as stored: `office:value`
/// for numbers, percentages and currencies (exact decimal text), `office:date-value` and
/// `office:time-value` in ISO 8601, booleans `TRUE`/`FALSE`, text paragraphs joined by line breaks
/// (`text:s`, `text:tab`, `text:line-break` kept; annotations left out).
final class ODSSheetReader: RecordSource {
    static let office: StaticString = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    static let table: StaticString = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    static let text: StaticString = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    static let contentPart = "content.xml"

    let sheet: String
    private let file: String
    private let limits: WorkbookLimits
    private let reader: XMLPartReader
    private let tableDepth: Int32
    private var nextRow = 1
    /// A row with content repeated `number-rows-repeated` times: the copies still to give.
    private var repeating: (record: CSVRecord, remaining: Int)?
    private var done = false

    /// Opens `content.xml` and moves to the table named `name` (exactly, else ignoring case), or the first.
    ///
    /// - Throws: `.usage` naming the sheets there are when there is no such sheet; `.workbook` for a
    ///   password-protected file or one without tables.
    init(archive: WorkbookArchive, sheet name: String?) throws {
        file = archive.file
        limits = archive.limits
        guard archive.contains(Self.contentPart) else {
            throw MRABatError(
                .workbook, "has no content.xml: it is a ZIP archive but not an .ods spreadsheet",
                at: SourceLocation(file: archive.file))
        }
        if try Self.isEncrypted(archive) {
            throw MRABatError(
                .workbook, "is password-protected (encrypted); save it without a password",
                at: SourceLocation(file: archive.file))
        }
        // LibreOffice's sheet names are case-sensitive, but a user typing --sheet may not be: without
        // an exact match, the file is read again to the one sheet whose name matches ignoring case.
        var located = try Self.locate(archive) { name == nil || $0 == name }
        if located.table == nil, let name,
            let match = located.names.first(where: { $0.lowercased() == name.lowercased() })
        {
            located = try Self.locate(archive) { $0 == match }
        }
        guard let table = located.table else {
            if let name {
                throw MRABatError(
                    .usage,
                    "has no sheet \"\(name)\"; its sheets are "
                        + located.names.map { "\"\($0)\"" }.joined(separator: ", "),
                    at: SourceLocation(file: file), value: name)
            }
            throw MRABatError(.workbook, "has no sheet", at: SourceLocation(file: file))
        }
        reader = located.reader
        sheet = table.name
        tableDepth = table.depth
    }

    /// `content.xml` read up to the first table whose name `matches`, and the names of the tables before it.
    private static func locate(_ archive: WorkbookArchive, matches: (String) -> Bool) throws -> (
        reader: XMLPartReader, table: (name: String, depth: Int32)?, names: [String]
    ) {
        let reader = try XMLPartReader(
            source: archive.open(contentPart), file: archive.file, part: contentPart)
        var names: [String] = []
        while try reader.read() {
            guard reader.isStart("table"), reader.isIn(Self.table) else { continue }
            let name = reader.attribute("name", namespace: Self.table) ?? "Sheet\(names.count + 1)"
            names.append(name)
            if matches(name) { return (reader, (name, reader.depth), names) }
            reader.skip()
        }
        return (reader, nil, names)
    }

    /// Whether `META-INF/manifest.xml` lists encryption data for `content.xml`.
    private static func isEncrypted(_ archive: WorkbookArchive) throws -> Bool {
        let manifest = "META-INF/manifest.xml"
        guard archive.contains(manifest) else { return false }
        let reader = try XMLPartReader(source: archive.open(manifest), file: archive.file, part: manifest)
        while try reader.read() {
            if reader.isStart("encryption-data") { return true }
        }
        return false
    }

    private func location(row: Int, column: Int? = nil) -> SourceLocation {
        SourceLocation(file: file, line: row, column: column, sheet: sheet)
    }

    func next() throws -> CSVRecord? {
        if var repeating {
            if repeating.remaining > 0 {
                repeating.remaining -= 1
                repeating.record.line += 1
                repeating.record.endLine += 1
                self.repeating = repeating.remaining > 0 ? repeating : nil
                return repeating.record
            }
            self.repeating = nil
        }
        guard !done else { return nil }
        while try reader.read() {
            if reader.type == .endElement && reader.depth == tableDepth {
                break
            }
            guard reader.isStart("table-row"), reader.isIn(Self.table) else { continue }
            let count = try repeatCount("number-rows-repeated", row: nextRow)
            let row = nextRow
            nextRow += count
            if nextRow - 1 > limits.maxRows {
                throw MRABatError(
                    .workbook, "has more than \(limits.maxRows) rows", at: SourceLocation(file: file, sheet: sheet))
            }
            let record = try self.row(row)
            if record.isBlank { continue }
            if count > 1 { repeating = (record, count - 1) }
            return record
        }
        done = true
        try reader.drain()
        return nil
    }

    private func repeatCount(_ attribute: StaticString, row: Int, column: Int? = nil) throws -> Int {
        guard let text = reader.attribute(attribute, namespace: Self.table) else { return 1 }
        guard let count = Int(text), count >= 1 else {
            throw MRABatError(
                .workbook, "has table:\(attribute)=\"\(text)\", which is no count",
                at: location(row: row, column: column), value: text)
        }
        return count
    }

    /// The row the reader is on, read to its end.
    private func row(_ number: Int) throws -> CSVRecord {
        var fields: [String] = []
        var numberFields: [Int] = []
        var bytes = 0
        guard !reader.isEmptyElement else { return CSVRecord(fields: [], line: number, endLine: number) }
        let rowDepth = reader.depth
        var column = 1
        while try reader.read() {
            if reader.type == .endElement && reader.depth == rowDepth { break }
            guard reader.type == .element else { continue }
            let covered = reader.isNamed("covered-table-cell")
            guard covered || reader.isNamed("table-cell") else {
                reader.skip()
                continue
            }
            let count = try repeatCount("number-columns-repeated", row: number, column: column)
            let first = column
            column += count
            let (value, isNumber) = try cellValue(covered: covered, at: location(row: number, column: first))
            guard !value.isEmpty else { continue }
            guard column - 1 <= limits.maxColumns else {
                throw MRABatError(
                    .workbook, "has a cell beyond column \(SourceLocation.columnName(limits.maxColumns))",
                    at: location(row: number))
            }
            bytes += value.utf8.count * count
            if bytes > CSVReader.maxRecordBytes {
                throw MRABatError(
                    .workbook,
                    "row has more than \(CSVReader.maxRecordBytes >> 10) KiB of text: no BAT row comes near that",
                    at: location(row: number))
            }
            if fields.count < column - 1 { fields += repeatElement("", count: column - 1 - fields.count) }
            for index in (first - 1)..<(column - 1) {
                fields[index] = value
                if isNumber { numberFields.append(index) }
            }
        }
        return CSVRecord(fields: fields, line: number, endLine: number, numberFields: numberFields)
    }

    /// The value of the cell the reader is on (read to its end), and whether it is a number.
    private func cellValue(covered: Bool, at location: SourceLocation) throws -> (String, Bool) {
        let type = reader.attribute("value-type", namespace: Self.office)
        let attribute: (StaticString) -> String? = { self.reader.attribute($0, namespace: Self.office) }
        var stored: (String, Bool)?
        switch type {
        case "float", "percentage", "currency":
            stored = attribute("value").map { (WorkbookValue.number($0), true) }
        case "date":
            stored = attribute("date-value").map { ($0, false) }
        case "time":
            stored = attribute("time-value").map { (WorkbookValue.isoTime(duration: $0) ?? $0, false) }
        case "boolean":
            stored = attribute("boolean-value").map { ($0 == "true" || $0 == "1" ? "TRUE" : "FALSE", false) }
        case "string":
            stored = attribute("string-value").map { ($0, false) }
        default:
            break
        }
        let text = try cellText()
        // A covered cell is hidden under the merged range's top-left cell: empty, whatever it keeps.
        if covered { return ("", false) }
        return stored ?? (text, false)
    }

    /// The text paragraphs of the cell the reader is on, joined by line breaks; the reader ends on
    /// the cell's end.
    private func cellText() throws -> String {
        guard !reader.isEmptyElement else { return "" }
        let cellDepth = reader.depth
        var paragraphs: [String] = []
        var current = ""
        var inParagraph = false
        while try reader.read() {
            if reader.type == .endElement && reader.depth == cellDepth { break }
            if reader.type == .element {
                if reader.isIn(Self.office) && reader.isNamed("annotation") {
                    reader.skip()
                    continue
                }
                guard reader.isIn(Self.text) else {
                    reader.skip()
                    continue
                }
                if reader.isNamed("p") || reader.isNamed("h") {
                    if inParagraph { paragraphs.append(current) }
                    current = ""
                    inParagraph = true
                    if reader.isEmptyElement {
                        paragraphs.append("")
                        inParagraph = false
                    }
                } else if reader.isNamed("s") {
                    let count = reader.attribute("c", namespace: Self.text).flatMap { Int($0) } ?? 1
                    current += String(repeating: " ", count: min(max(count, 1), 1024))
                } else if reader.isNamed("tab") {
                    current += "\t"
                } else if reader.isNamed("line-break") {
                    current += "\n"
                } else if reader.isNamed("note") || reader.isNamed("ruby-text") {
                    reader.skip()
                }
            } else if reader.type == .endElement && reader.isIn(Self.text)
                && (reader.isNamed("p") || reader.isNamed("h"))
            {
                paragraphs.append(current)
                current = ""
                inParagraph = false
            } else if inParagraph && reader.isText {
                current += reader.value
            }
        }
        if inParagraph { paragraphs.append(current) }
        return paragraphs.joined(separator: "\n")
    }
}
