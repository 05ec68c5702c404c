import Foundation
import TestSupport
import Testing

@testable import MRABatKit

/// Damaged, hostile and odd workbooks: each refused with one clear message, or read as it should be.
@Suite("Workbook input: damaged and hostile files")
struct WorkbookHostileFileTests {
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    /// A scratch directory for one test.
    final class Scratch {
        let url: URL
        init() throws { url = try makeTemporaryDirectory() }
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    }

    static func sheetXML(_ rows: String, after: String = "") -> Data {
        Data(
            "<?xml version=\"1.0\"?><worksheet xmlns=\"\(main)\"><sheetData>\(rows)</sheetData>\(after)</worksheet>"
                .utf8)
    }

    static let headerRow = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>DEVICE TYPE</t></is></c></row>"

    /// An .xlsx of one sheet (and optionally a shared strings part) from raw XML.
    static func xlsx(
        _ path: String, sheet: Data, sharedStrings: String? = nil, stored: Bool = false, date1904: Bool = false
    ) throws {
        var parts = XLSXWriter.packageParts(sheets: ["Sheet1"], sharedStrings: sharedStrings != nil, date1904: date1904)
        parts.append(("xl/worksheets/sheet1.xml", sheet))
        if let sharedStrings {
            parts.append(("xl/sharedStrings.xml", Data("<sst xmlns=\"\(main)\">\(sharedStrings)</sst>".utf8)))
        }
        try XLSXWriter.write(path: path, parts: parts, stored: stored)
    }

    static func read(_ path: String, limits: WorkbookLimits = WorkbookLimits()) throws -> [CSVRecord] {
        try WorkbookReaderTests.read(path, limits: limits).records
    }

    static func failure(_ path: String, limits: WorkbookLimits = WorkbookLimits()) -> MRABatError? {
        WorkbookReaderTests.error { _ = try read(path, limits: limits) }
    }

    @Test func notAZipArchive() throws {
        let scratch = try Scratch()
        let text = scratch.path("phones.xlsx")
        try "MAC ADDRESS,DEVICE TYPE\n".write(toFile: text, atomically: true, encoding: .utf8)
        let notZip = Self.failure(text)
        #expect(notZip?.code == .workbook)
        #expect(
            notZip?.description
                == "\(text): is not a ZIP archive, as every .xlsx and .ods workbook is; is it a CSV file with a workbook's name?"
        )

        let empty = scratch.path("empty.ods")
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(Self.failure(empty)?.message.contains("(the file is empty)") == true)

        let ole = scratch.path("protected.xlsx")
        try Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 504)).write(
            to: URL(fileURLWithPath: ole))
        #expect(Self.failure(ole)?.message.contains("a legacy .xls workbook or a password-protected one") == true)

        let missing = Self.failure(scratch.path("absent.xlsx"))
        #expect(missing?.code == .io)
    }

    @Test func truncatedArchive() throws {
        let scratch = try Scratch()
        let whole = try Data(contentsOf: URL(fileURLWithPath: WorkbookReaderTests.workbook("phones.xlsx")))
        let path = scratch.path("cut.xlsx")
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
        let error = Self.failure(path)
        #expect(error?.code == .workbook)
        #expect(error?.message.contains("is a damaged ZIP archive") == true)
    }

    @Test func zipThatIsNoWorkbook() throws {
        let scratch = try Scratch()
        let path = scratch.path("photos.xlsx")
        try XLSXWriter.write(path: path, parts: [("photo.jpg", Data([1, 2, 3]))])
        #expect(Self.failure(path)?.message.contains("has no _rels/.rels") == true)
        let ods = scratch.path("photos.ods")
        try XLSXWriter.write(path: ods, parts: [("photo.jpg", Data([1, 2, 3]))])
        #expect(Self.failure(ods)?.message.contains("has no content.xml") == true)
    }

    @Test func zipBombByRatio() throws {
        let scratch = try Scratch()
        let path = scratch.path("bomb.xlsx")
        // 16 MiB of spaces deflate about 1,000 times: no sheet compresses like that.
        let spaces = String(repeating: " ", count: 16 << 20)
        try Self.xlsx(path, sheet: Self.sheetXML(Self.headerRow + spaces))
        let error = Self.failure(path)
        #expect(error?.code == .workbook)
        #expect(error?.message.contains("part xl/worksheets/sheet1.xml inflates") == true)
        #expect(error?.message.contains("refused as a ZIP bomb") == true)
        #expect(error?.exitStatus == ExitStatus.nothingDone)
    }

    @Test func partOverTheSizeLimit() throws {
        let scratch = try Scratch()
        let path = scratch.path("large.xlsx")
        try Self.xlsx(path, sheet: Self.sheetXML(String(repeating: Self.headerRow, count: 100)))
        var limits = WorkbookLimits()
        limits.maxPartBytes = 2000
        let error = Self.failure(path, limits: limits)
        #expect(
            error?.message.contains("more than the 2.0 KiB a workbook part may hold: refused as a ZIP bomb") == true)
    }

    /// A central directory (and local header) that under-declare the sheet's size: the bytes are counted.
    @Test func partInflatingPastItsDeclaredSize() throws {
        let scratch = try Scratch()
        let path = scratch.path("liar.xlsx")
        try Self.xlsx(path, sheet: Self.sheetXML(Self.headerRow + String(repeating: " ", count: 200_000)))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let name = Array("xl/worksheets/sheet1.xml".utf8)
        var patched = 0
        for index in 0..<(bytes.count - 50) {
            let signature = Array(bytes[index..<index + 4])
            let central =
                signature == [0x50, 0x4B, 0x01, 0x02] && Array(bytes[index + 46..<index + 46 + name.count]) == name
            let local =
                signature == [0x50, 0x4B, 0x03, 0x04] && Array(bytes[index + 30..<index + 30 + name.count]) == name
            guard central || local else { continue }
            let sizeOffset = index + (central ? 24 : 22)
            bytes.replaceSubrange(sizeOffset..<sizeOffset + 4, with: [0x00, 0x10, 0x00, 0x00])  // 4096 bytes
            patched += 1
        }
        #expect(patched == 2)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = Self.failure(path)
        #expect(error?.code == .workbook)
        #expect(
            error?.message == "part xl/worksheets/sheet1.xml inflates to more than the 4.0 KiB its header declares: "
                + "a damaged file or a ZIP bomb")
    }

    @Test func checksumMismatch() throws {
        let scratch = try Scratch()
        let path = scratch.path("flipped.xlsx")
        let row = "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>Cisco 8845</t></is></c></row>"
        try Self.xlsx(path, sheet: Self.sheetXML(Self.headerRow + row), stored: true)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let target = Array("Cisco 8845".utf8)
        let at = try #require(
            (0..<(bytes.count - target.count)).first { Array(bytes[$0..<$0 + target.count]) == target })
        bytes[at] = UInt8(ascii: "D")  // still well-formed XML, no longer the bytes the CRC-32 was made of
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = Self.failure(path)
        #expect(error?.message == "part xl/worksheets/sheet1.xml is damaged: its checksum (CRC-32) does not match")
    }

    @Test func xmlProblems() throws {
        let scratch = try Scratch()
        let doctype = scratch.path("doctype.xlsx")
        try Self.xlsx(
            doctype,
            sheet: Data(
                ("<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
                    + "<worksheet xmlns=\"\(Self.main)\"><sheetData>\(Self.headerRow)</sheetData></worksheet>").utf8))
        #expect(
            Self.failure(doctype)?.message.contains(
                "part xl/worksheets/sheet1.xml line 1 has a document type declaration (<!DOCTYPE>)") == true)

        let broken = scratch.path("broken.xlsx")
        try Self.xlsx(
            broken, sheet: Data("<worksheet xmlns=\"\(Self.main)\">\n<sheetData>\n<row r=\"1\">\n</sheetData>".utf8))
        let error = Self.failure(broken)
        #expect(error?.code == .workbook)
        #expect(error?.message.hasPrefix("part xl/worksheets/sheet1.xml line 4 is not well-formed XML: ") == true)
        #expect(error?.location?.file == broken)
    }

    @Test func cellProblemsNameTheCell() throws {
        let scratch = try Scratch()
        let path = scratch.path("strings.xlsx")
        let row = "<row r=\"812\"><c r=\"C812\" t=\"s\"><v>5</v></c></row>"
        try Self.xlsx(path, sheet: Self.sheetXML(Self.headerRow + row), sharedStrings: "<si><t>only one</t></si>")
        let error = Self.failure(path)
        #expect(
            error?.description
                == "\(path)[Sheet1]!C812: refers to shared string 5, but the workbook has 1: the workbook is damaged")

        let typed = scratch.path("typed.xlsx")
        try Self.xlsx(
            typed, sheet: Self.sheetXML(Self.headerRow + "<row r=\"2\"><c r=\"B2\" t=\"q\"><v>1</v></c></row>"))
        #expect(Self.failure(typed)?.description == "\(typed)[Sheet1]!B2: has a cell of unknown type \"q\"")

        let wide = scratch.path("wide.xlsx")
        let long = String(repeating: "x", count: 70_000)
        let cells =
            "<c r=\"A2\" t=\"inlineStr\"><is><t>\(long)</t></is></c><c r=\"B2\" t=\"inlineStr\"><is><t>\(long)</t></is></c>"
        try Self.xlsx(wide, sheet: Self.sheetXML(Self.headerRow + "<row r=\"2\">\(cells)</row>"))
        #expect(
            Self.failure(wide)?.description.hasPrefix("\(wide)[Sheet1] row 2: row has more than 128 KiB of text")
                == true)
    }

    @Test func sharedStringsTableIsBounded() throws {
        let scratch = try Scratch()
        let path = scratch.path("many.xlsx")
        let strings = (0..<50).map { "<si><t>string \($0)</t></si>" }.joined()
        try Self.xlsx(path, sheet: Self.sheetXML(Self.headerRow), sharedStrings: strings)
        var limits = WorkbookLimits()
        limits.maxSharedStrings = 40
        let error = Self.failure(path, limits: limits)
        #expect(error?.message.contains("holds more than 40 shared strings") == true)
        #expect(error?.message.contains("xl/sharedStrings.xml") == true)
        #expect(try Self.read(path).isEmpty)
    }

    @Test func numbersBooleansAndEmptyCells() throws {
        let scratch = try Scratch()
        let path = scratch.path("values.xlsx")
        let header =
            "<row r=\"1\">"
            + (1...6).map { "<c r=\"\(SourceLocation.columnName($0))1\" t=\"inlineStr\"><is><t>H\($0)</t></is></c>" }
            .joined() + "</row>"
        let row =
            "<row r=\"3\"><c r=\"A3\"><v>-0</v></c><c r=\"B3\"><v>4001.0</v></c><c r=\"C3\" t=\"b\"><v>0</v></c>"
            + "<c r=\"D3\" s=\"1\"/><c r=\"F3\"><v>1E-3</v></c></row><row r=\"4\"/><row r=\"5\" spans=\"1:6\"></row>"
            + "<row r=\"6\"><c r=\"E6\" s=\"1\"><v>61</v></c></row>"
        try Self.xlsx(path, sheet: Self.sheetXML(header + row))
        let records = try Self.read(path)
        #expect(records.map(\.line) == [3, 6])
        #expect(records.first?.fields == ["0", "4001", "FALSE", "", "", "0.001"])
        #expect(records.first?.numberFields == [0, 1, 5])
        // Style 1 is the built-in date format 14: serial 61 is 1900-03-01.
        #expect(records.last?.fields == ["", "", "", "", "1900-03-01", ""])
    }

    static func ods(_ path: String, table: String, manifest: String? = nil) throws {
        let content =
            "<?xml version=\"1.0\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:"
            + "office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:"
            + "names:tc:opendocument:xmlns:text:1.0\"><office:body><office:spreadsheet>\(table)</office:spreadsheet>"
            + "</office:body></office:document-content>"
        var parts: [(name: String, data: Data)] = [
            ("mimetype", Data("application/vnd.oasis.opendocument.spreadsheet".utf8)),
            ("content.xml", Data(content.utf8)),
        ]
        if let manifest { parts.append(("META-INF/manifest.xml", Data(manifest.utf8))) }
        try XLSXWriter.write(path: path, parts: parts)
    }

    static func cell(_ text: String, _ attributes: String = "") -> String {
        "<table:table-cell office:value-type=\"string\"\(attributes)><text:p>\(text)</text:p></table:table-cell>"
    }

    @Test func odsRepeatedRowsAndCells() throws {
        let scratch = try Scratch()
        let path = scratch.path("repeated.ods")
        let table =
            "<table:table table:name=\"Repeats\"><table:table-row>\(Self.cell("A"))\(Self.cell("B"))\(Self.cell("C"))"
            + "\(Self.cell("D"))</table:table-row>"
            + "<table:table-row table:number-rows-repeated=\"2\"><table:table-cell/>"
            + Self.cell("same", " table:number-columns-repeated=\"2\"")
            + "<table:table-cell office:value-type=\"percentage\" office:value=\"0.25\"><text:p>25%</text:p>"
            + "</table:table-cell></table:table-row>"
            // Empty rows repeated a million times, as LibreOffice ends a sheet: nothing to read, no time spent.
            + "<table:table-row table:number-rows-repeated=\"1048571\"><table:table-cell "
            + "table:number-columns-repeated=\"1024\"/></table:table-row>"
            + "<table:table-row><table:table-cell office:value-type=\"time\" office:time-value=\"PT10H30M05S\"/>"
            + "<table:table-cell><office:annotation><text:p>a comment</text:p></office:annotation><text:p>one</text:p>"
            + "<text:p>two<text:tab/>tabbed<text:line-break/>broken</text:p></table:table-cell>"
            + "<table:table-cell office:value-type=\"currency\" office:value=\"-12.50\"/>"
            + "<table:table-cell office:value-type=\"float\" office:value=\"5E+2\"/></table:table-row>"
            + "</table:table>"
        try Self.ods(path, table: table)
        let records = try Self.read(path)
        #expect(records.map(\.line) == [2, 3, 1_048_575])
        #expect(records[0].fields == ["", "same", "same", "0.25"])
        #expect(records[0].numberFields == [3])
        #expect(records[1].fields == records[0].fields)
        #expect(records[2].fields == ["10:30:05", "one\ntwo\ttabbed\nbroken", "-12.5", "500"])
        #expect(records[2].numberFields == [2, 3])
    }

    @Test func odsEncrypted() throws {
        let scratch = try Scratch()
        let path = scratch.path("secret.ods")
        let manifest =
            "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">"
            + "<manifest:file-entry manifest:full-path=\"content.xml\"><manifest:encryption-data/>"
            + "</manifest:file-entry></manifest:manifest>"
        try Self.ods(path, table: "<table:table table:name=\"S\"/>", manifest: manifest)
        #expect(Self.failure(path)?.message == "is password-protected (encrypted); save it without a password")
    }

    @Test func odsWithoutTheSheet() throws {
        let scratch = try Scratch()
        let path = scratch.path("empty.ods")
        try Self.ods(path, table: "<table:table table:name=\"Only\"><table:table-row/></table:table>")
        let error = WorkbookReaderTests.error { _ = try BATInput(path: path) }
        #expect(error?.message == "sheet \"Only\" is empty: a BAT sheet starts with a header row")
        let named = WorkbookReaderTests.error { _ = try BATInput(path: path, sheet: "Other") }
        #expect(named?.message == "has no sheet \"Other\"; its sheets are \"Only\"")
    }
}
