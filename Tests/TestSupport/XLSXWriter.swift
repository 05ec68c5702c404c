import Foundation
import ZIPFoundation

/// Writes `.xlsx` workbooks as Excel structures them (shared strings, `r` references, a styles part)
/// for the tests and the benchmark; and workbooks of exactly the parts given, for damaged and
/// hostile files. Large sheets are streamed to a temporary file and zipped from there, so writing
/// a million rows holds only the shared strings.
package enum XLSXWriter {
    package enum Cell: Sendable, Equatable {
        /// Text, kept in the shared strings table as Excel keeps it.
        case text(String)
        /// A number as its stored decimal text (`4001`, `1.5`, `1.2345678901E+11`).
        case number(String)
        case empty
    }

    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    /// Writes a one-sheet workbook: `header` in row 1, then `row(i)` for `i` in `0..<count`.
    ///
    /// - Returns: the uncompressed size of all its parts, in bytes.
    @discardableResult
    package static func write(
        path: String, sheetName: String = "Sheet1", header: [String], rows count: Int, row: (Int) -> [Cell]
    ) throws -> Int {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        var strings: [String: Int] = [:]
        var ordered: [String] = []
        func index(_ text: String) -> Int {
            if let found = strings[text] { return found }
            strings[text] = ordered.count
            ordered.append(text)
            return ordered.count - 1
        }
        let sheetURL = scratch.appendingPathComponent("sheet1.xml")
        let sheet = try BufferedFile(sheetURL)
        try sheet.write(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"\(main)\" "
                + "xmlns:r=\"\(relationships)\"><sheetData>")
        func writeRow(_ number: Int, _ cells: [Cell]) throws {
            var xml = "<row r=\"\(number)\" spans=\"1:\(cells.count)\">"
            for (offset, cell) in cells.enumerated() {
                let reference = columnName(offset + 1) + String(number)
                switch cell {
                case .text(let text): xml += "<c r=\"\(reference)\" t=\"s\"><v>\(index(text))</v></c>"
                case .number(let text): xml += "<c r=\"\(reference)\"><v>\(text)</v></c>"
                case .empty: break
                }
            }
            try sheet.write(xml + "</row>")
        }
        try writeRow(1, header.map(Cell.text))
        for i in 0..<count { try writeRow(i + 2, row(i)) }
        try sheet.write("</sheetData></worksheet>")
        try sheet.close()

        let stringsURL = scratch.appendingPathComponent("sharedStrings.xml")
        let table = try BufferedFile(stringsURL)
        try table.write(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"\(main)\" "
                + "count=\"\(ordered.count)\" uniqueCount=\"\(ordered.count)\">")
        for text in ordered { try table.write("<si><t xml:space=\"preserve\">\(escape(text))</t></si>") }
        try table.write("</sst>")
        try table.close()

        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        var size = 0
        for (name, data) in packageParts(sheets: [sheetName], sharedStrings: true) {
            try add(data, as: name, to: archive)
            size += data.count
        }
        for (name, url) in [("xl/worksheets/sheet1.xml", sheetURL), ("xl/sharedStrings.xml", stringsURL)] {
            try archive.addEntry(with: name, fileURL: url, compressionMethod: .deflate, bufferSize: 64 << 10)
            size += Int(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? UInt64 ?? 0)
        }
        return size
    }

    /// Writes a workbook of exactly `parts`, deflated unless `stored`.
    package static func write(path: String, parts: [(name: String, data: Data)], stored: Bool = false) throws {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, data) in parts { try add(data, as: name, to: archive, stored: stored) }
    }

    /// The parts every workbook has besides its sheets and strings: content types, relationships,
    /// `xl/workbook.xml` naming `sheets` (`xl/worksheets/sheetN.xml`), a styles part.
    package static func packageParts(sheets: [String], sharedStrings: Bool, date1904: Bool = false)
        -> [(name: String, data: Data)]
    {
        let relationshipsNS = "http://schemas.openxmlformats.org/package/2006/relationships"
        let sheetRelationships = sheets.indices.map { index in
            "<Relationship Id=\"rIdS\(index + 1)\" Type=\"\(relationships)/worksheet\" "
                + "Target=\"worksheets/sheet\(index + 1).xml\"/>"
        }.joined()
        let sheetElements = sheets.enumerated().map { index, name in
            "<sheet name=\"\(escape(name))\" sheetId=\"\(index + 1)\" r:id=\"rIdS\(index + 1)\"/>"
        }.joined()
        let parts: [(String, String)] = [
            (
                "[Content_Types].xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/"
                    + "2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd."
                    + "openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\""
                    + "application/xml\"/></Types>"
            ),
            (
                "_rels/.rels",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"\(relationshipsNS)\">"
                    + "<Relationship Id=\"rId1\" Type=\"\(relationships)/officeDocument\" Target=\"xl/workbook.xml\"/>"
                    + "</Relationships>"
            ),
            (
                "xl/_rels/workbook.xml.rels",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"\(relationshipsNS)\">"
                    + sheetRelationships
                    + "<Relationship Id=\"rIdT\" Type=\"\(relationships)/styles\" Target=\"styles.xml\"/>"
                    + (sharedStrings
                        ? "<Relationship Id=\"rIdU\" Type=\"\(relationships)/sharedStrings\" Target=\"sharedStrings.xml\"/>"
                        : "")
                    + "</Relationships>"
            ),
            (
                "xl/workbook.xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"\(main)\" xmlns:r=\"\(relationships)\">"
                    + "<workbookPr date1904=\"\(date1904 ? 1 : 0)\"/><sheets>\(sheetElements)</sheets></workbook>"
            ),
            (
                "xl/styles.xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"\(main)\"><cellXfs count=\"2\">"
                    + "<xf numFmtId=\"0\"/><xf numFmtId=\"14\"/></cellXfs></styleSheet>"
            ),
        ]
        return parts.map { ($0.0, Data($0.1.utf8)) }
    }

    private static func add(_ data: Data, as name: String, to archive: Archive, stored: Bool = false) throws {
        try archive.addEntry(
            with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: stored ? .none : .deflate,
            bufferSize: 64 << 10
        ) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }

    /// `A` for 1, `AA` for 27.
    package static func columnName(_ column: Int) -> String {
        var letters: [Character] = []
        var rest = column
        while rest > 0 {
            rest -= 1
            letters.append(Character(UnicodeScalar(UInt8(65 + rest % 26))))
            rest /= 26
        }
        return String(letters.reversed())
    }

    package static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}

/// A file written through a buffer of 256 KiB.
private final class BufferedFile {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 256 << 10 {
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    func close() throws {
        try handle.write(contentsOf: buffer)
        try handle.close()
    }
}
