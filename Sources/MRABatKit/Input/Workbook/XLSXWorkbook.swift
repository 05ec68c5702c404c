/// An Office Open XML workbook (`.xlsx`, ECMA-376): its parts found through the package's
/// relationships, its sheets, shared strings, date styles and date system.
///
/// Everything is read as a stream of XML nodes; only the shared strings table (each distinct text
/// once, bounded by ``WorkbookLimits``) and a few small tables (sheet names, styles) stay in memory.
final class XLSXWorkbook {
    struct Sheet {
        var name: String
        /// The part path in the archive (`xl/worksheets/sheet1.xml`); nil for a chart or dialog sheet.
        var part: String?
    }

    let archive: WorkbookArchive
    let sheets: [Sheet]
    /// The 1904 date system (Excel for Mac before 2011): serial 0 is 1904-01-01, not 1899-12-31.
    let date1904: Bool
    let sharedStrings: SharedStrings
    /// What each cell style (`s`, an index into `cellXfs`) shows of a date; nil for no date format.
    let dateStyles: [WorkbookValue.DateParts?]

    static let officeDocument = "/officeDocument"

    init(archive: WorkbookArchive) throws {
        self.archive = archive
        let root = try Self.relationships(of: "", in: archive)
        guard let workbookPart = root.first(where: { $0.type.hasSuffix(Self.officeDocument) })?.target else {
            throw MRABatError(
                .workbook,
                "has no workbook part (no officeDocument relationship in _rels/.rels): not an .xlsx workbook",
                at: SourceLocation(file: archive.file))
        }
        let relations = try Self.relationships(of: workbookPart, in: archive)
        let targets = Dictionary(relations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var sheets: [Sheet] = []
        var date1904 = false
        let reader = try XMLPartReader(source: archive.open(workbookPart), file: archive.file, part: workbookPart)
        while try reader.read() {
            if reader.isStart("workbookPr") {
                let value = reader.attribute("date1904")
                date1904 = value == "1" || value == "true"
            } else if reader.isStart("sheet") {
                guard let name = reader.attribute("name") else {
                    throw reader.failure("has a <sheet> without a name")
                }
                let relation = reader.attribute("id").flatMap { targets[$0] }
                let isWorksheet = relation?.type.hasSuffix("/worksheet") ?? false
                sheets.append(Sheet(name: name, part: isWorksheet ? relation?.target : nil))
            } else if reader.isEnd("sheets") {
                break
            }
        }
        self.sheets = sheets
        self.date1904 = date1904

        if let styles = relations.first(where: { $0.type.hasSuffix("/styles") })?.target, archive.contains(styles) {
            dateStyles = try Self.dateStyles(part: styles, in: archive)
        } else {
            dateStyles = []
        }
        if let strings = relations.first(where: { $0.type.hasSuffix("/sharedStrings") })?.target,
            archive.contains(strings)
        {
            sharedStrings = try Self.sharedStrings(part: strings, in: archive)
        } else {
            sharedStrings = SharedStrings()
        }
    }

    /// The sheet named `name` (exactly, else ignoring case), or the first worksheet.
    ///
    /// - Throws: `.usage` naming the sheets there are when there is no such sheet or it is a chart.
    func sheet(named name: String?) throws -> (name: String, part: String) {
        let worksheets = sheets.compactMap { sheet in sheet.part.map { (name: sheet.name, part: $0) } }
        guard let name else {
            guard let first = worksheets.first else {
                throw MRABatError(.workbook, "has no worksheet", at: SourceLocation(file: archive.file))
            }
            return first
        }
        let found =
            sheets.first(where: { $0.name == name })
            ?? sheets.first(where: { $0.name.lowercased() == name.lowercased() })
        guard let found else {
            throw MRABatError(
                .usage,
                "has no sheet \"\(name)\"; its sheets are " + sheets.map { "\"\($0.name)\"" }.joined(separator: ", "),
                at: SourceLocation(file: archive.file), value: name)
        }
        guard let part = found.part else {
            throw MRABatError(
                .usage, "sheet \"\(found.name)\" is a chart or dialog sheet, not a worksheet with rows",
                at: SourceLocation(file: archive.file), value: name)
        }
        return (found.name, part)
    }

    struct Relationship {
        var id: String
        var type: String
        var target: String
    }

    /// The relationships of `part` (from `dir/_rels/name.rels`), targets resolved to archive paths.
    static func relationships(of part: String, in archive: WorkbookArchive) throws -> [Relationship] {
        let directory = part.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let name = part.split(separator: "/").last.map(String.init) ?? ""
        let relsPath = (directory.isEmpty ? "" : directory + "/") + "_rels/" + name + ".rels"
        guard archive.contains(relsPath) else {
            if part.isEmpty {
                throw MRABatError(
                    .workbook, "has no _rels/.rels: it is a ZIP archive but not an .xlsx workbook",
                    at: SourceLocation(file: archive.file))
            }
            return []
        }
        var relationships: [Relationship] = []
        let reader = try XMLPartReader(source: archive.open(relsPath), file: archive.file, part: relsPath)
        while try reader.read() {
            guard reader.isStart("Relationship"), reader.attribute("TargetMode") != "External",
                let id = reader.attribute("Id"), let type = reader.attribute("Type"),
                let target = reader.attribute("Target")
            else { continue }
            relationships.append(Relationship(id: id, type: type, target: resolve(target, from: directory)))
        }
        return relationships
    }

    /// A relationship target as an archive path: absolute (`/xl/workbook.xml`) or relative to `directory`.
    static func resolve(_ target: String, from directory: String) -> String {
        var segments: [Substring] = target.hasPrefix("/") ? [] : directory.split(separator: "/")
        for segment in target.split(separator: "/") {
            if segment == ".." {
                if !segments.isEmpty { segments.removeLast() }
            } else if segment != "." {
                segments.append(segment)
            }
        }
        return segments.joined(separator: "/")
    }

    /// `cellXfs` of `styles.xml`, each as the date parts its number format shows (nil: no date).
    static func dateStyles(part: String, in archive: WorkbookArchive) throws -> [WorkbookValue.DateParts?] {
        var formats: [Int: WorkbookValue.DateParts?] = [:]
        var styles: [WorkbookValue.DateParts?] = []
        var inCellXfs = false
        let reader = try XMLPartReader(source: archive.open(part), file: archive.file, part: part)
        while try reader.read() {
            if reader.isStart("numFmt") {
                if let id = reader.attribute("numFmtId").flatMap({ Int($0) }), let code = reader.attribute("formatCode")
                {
                    formats[id] = WorkbookValue.dateParts(formatCode: code)
                }
            } else if reader.isStart("cellXfs") {
                inCellXfs = !reader.isEmptyElement
            } else if reader.isEnd("cellXfs") {
                break
            } else if inCellXfs && reader.isStart("xf") {
                let id = reader.attribute("numFmtId").flatMap { Int($0) } ?? 0
                styles.append(formats[id] ?? WorkbookValue.builtInDateParts(id))
                if styles.count > 1 << 16 { throw reader.failure("has more than 65,536 cell styles") }
            }
        }
        return styles
    }

    /// The shared strings table: each `<si>`'s text, rich-text runs joined, phonetic runs left out.
    static func sharedStrings(part: String, in archive: WorkbookArchive) throws -> SharedStrings {
        let limits = archive.limits
        var strings = SharedStrings()
        let reader = try XMLPartReader(source: archive.open(part), file: archive.file, part: part)
        while try reader.read() {
            if reader.isStart("sst"), let count = reader.attribute("uniqueCount").flatMap({ Int($0) }) {
                strings.reserveCapacity(min(max(count, 0), limits.maxSharedStrings, 1 << 20))
            } else if reader.isStart("si") {
                strings.append(try richText(reader))
                if strings.count > limits.maxSharedStrings || strings.byteCount > limits.maxSharedStringBytes {
                    throw reader.failure(
                        "holds more than \(limits.maxSharedStrings) shared strings or "
                            + "\(WorkbookArchive.size(UInt64(limits.maxSharedStringBytes))) of text: no phone sheet "
                            + "comes near that; refused")
                }
            }
        }
        return strings
    }

    /// The text of the element the reader is on (`<si>`, `<is>`): its `<t>` elements' text, in
    /// order, except those of phonetic runs (`<rPh>`), with `_xHHHH_` escapes undone.
    static func richText(_ reader: XMLPartReader) throws -> String {
        guard !reader.isEmptyElement else { return "" }
        let start = reader.depth
        var text = ""
        while try reader.read() {
            if reader.type == .endElement && reader.depth == start { break }
            if reader.isStart("rPh") {
                reader.skip()
            } else if reader.isStart("t") {
                text += try reader.text()
            }
        }
        return WorkbookValue.unescapeOOXML(text)
    }
}

/// An `.xlsx`'s shared strings, kept as one UTF-8 buffer and the end of each string in it: a few
/// bytes per string more than its text, where an array of `String`s costs a heap block for each.
struct SharedStrings {
    private var bytes: [UInt8] = []
    private var ends: [UInt32] = []

    var count: Int { ends.count }
    var byteCount: Int { bytes.count }

    mutating func reserveCapacity(_ count: Int) {
        ends.reserveCapacity(count)
    }

    /// Appends `text`; the caller bounds the total below 4 GiB (``WorkbookLimits/maxSharedStringBytes``).
    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        ends.append(UInt32(truncatingIfNeeded: bytes.count))
    }

    subscript(index: Int) -> String {
        let start = index == 0 ? 0 : Int(ends[index - 1])
        return String(decoding: bytes[start..<Int(ends[index])], as: UTF8.self)
    }
}
