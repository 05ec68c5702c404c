import Foundation
import TestSupport
import Testing

@testable import MRABatKit

/// Workbooks made by LibreOffice (and one crafted as other writers write them) read as their CSV files.
@Suite("Workbook input: .xlsx and .ods")
struct WorkbookReaderTests {
    static func workbook(_ name: String) throws -> String {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent("Workbooks").appendingPathComponent(name).path
    }

    static func sampleCSV(_ name: String) throws -> String {
        // Tests/MRABatKitTests/Input/Workbook/ → the repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SampleData").appendingPathComponent(name).path
    }

    struct Read {
        var sheet: String?
        var header: [String]
        var headerLine: Int
        var records: [CSVRecord]
    }

    static func read(_ path: String, sheet: String? = nil, limits: WorkbookLimits = WorkbookLimits()) throws -> Read {
        var input = try BATInput(path: path, sheet: sheet, limits: limits)
        var records: [CSVRecord] = []
        while let record = try input.next() { records.append(record) }
        return Read(sheet: input.sheet, header: input.headerFields, headerLine: input.headerLine, records: records)
    }

    static func error(_ body: () throws -> Void) -> MRABatError? {
        do {
            try body()
        } catch let error as MRABatError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
        return nil
    }

    @Test(arguments: ["phones", "phones-with-errors"], ["xlsx", "ods"])
    func libreOfficeConversionsReadAsTheirCSV(name: String, format: String) throws {
        let csv = try Self.read(Self.sampleCSV(name + ".csv"))
        let book = try Self.read(Self.workbook(name + "." + format))
        #expect(book.sheet == name)
        #expect(book.header == csv.header)
        #expect(book.headerLine == 1)
        #expect(book.records.map(\.line) == csv.records.map(\.line))
        #expect(book.records.map(\.fields) == csv.records.map(\.fields))
        // LibreOffice made the plain numbers of the CSV (directory numbers) number cells.
        let dn = try #require(csv.header.firstIndex(of: "DIRECTORY NUMBER 1"))
        #expect(book.records.filter { $0.numberFields.contains(dn) }.count > book.records.count / 2)
        #expect(csv.records.allSatisfy { $0.numberFields.isEmpty })
    }

    static let phonesSheet: [(line: Int, fields: [String], numbers: [Int])] = [
        (2, ["1021383", "MAC that lost its zeros", "Cisco 8845", "DP-Dallas", "num.mac", "6001", "Num Mac"], [0, 5]),
        (
            3, ["123456789012", "Twelve-digit MAC", "Cisco 8845", "DP-Dallas", "twelve.mac", "6002", "Twelve Mac"],
            [0, 5]
        ),
        (4, ["", "2024-03-15", "Cisco 7841", "DP-NewYork", "date.cell", "6003", "Date Cell"], [5]),
        (5, ["", "Merged description", "Cisco 7841", "DP-Dallas", "merged.top", "6004", "Merged Top"], [5]),
        (6, ["", "", "Cisco 7841", "DP-Dallas", "merged.below", "6005", "Merged Below"], [5]),
        (7, ["", "Two  spaces", "8845", "DP-Frankfurt", "spaces.cell", "6006.5", "Spaces"], [5]),
        (8, ["", "Boolean display", "Cisco 8845", "DP-Dallas", "bool.cell", "6008", "TRUE"], [5]),
        (9, ["0A1B2C3D4E5F", "Text MAC", "Cisco 8845", "DP-Dallas", "text.mac", "6009", "Text Mac"], [5]),
    ]

    @Test(arguments: ["xlsx", "ods"])
    func secondSheetNumbersDatesMergedCells(format: String) throws {
        let path = try Self.workbook("special." + format)
        let book = try Self.read(path, sheet: "Phones")
        #expect(book.sheet == "Phones")
        #expect(book.header == BATColumnNames.special)
        #expect(book.records.count == Self.phonesSheet.count)
        for (record, expected) in zip(book.records, Self.phonesSheet) {
            #expect(record.line == expected.line)
            #expect(record.fields == expected.fields, "row \(expected.line)")
            #expect(record.numberFields == expected.numbers, "row \(expected.line)")
        }
        // The sheet name matches ignoring case; the first sheet is the default.
        #expect(try Self.read(path, sheet: "phones").records.map(\.fields) == book.records.map(\.fields))
        let first = try Self.read(path)
        #expect(first.sheet == "Notes")
        #expect(first.header == ["The phones are on the next sheet."])
        #expect(first.records.isEmpty)

        let missing = Self.error { _ = try Self.read(path, sheet: "Telefone") }
        #expect(missing?.code == .usage)
        #expect(
            missing?.description.contains("has no sheet \"Telefone\"; its sheets are \"Notes\", \"Phones\"") == true)
    }

    /// The rows equal LibreOffice's own CSV export of the sheet but for what the export mangles:
    /// the date it writes as displayed (B4), and the text it keeps in a cell hidden by a merge (B6).
    @Test(arguments: ["xlsx", "ods"])
    func sameRowsAsTheCSVExportButWhatItMangles(format: String) throws {
        let export = try Self.read(Self.workbook("special-Phones.csv"))
        let book = try Self.read(Self.workbook("special." + format), sheet: "Phones")
        #expect(book.header == export.header)
        #expect(book.records.map(\.line) == export.records.map(\.line))
        var differing: [String] = []
        for (ours, theirs) in zip(book.records, export.records) {
            for (column, (a, b)) in zip(ours.fields, theirs.fields).enumerated() where a != b {
                differing.append("\(SourceLocation.columnName(column + 1))\(ours.line): \(a) | \(b)")
            }
        }
        #expect(differing == ["B4: 2024-03-15 | 03/15/2024", "B6:  | hidden text"])
    }

    @Test func craftedWorkbookAsOtherWritersWriteIt() throws {
        let book = try Self.read(Self.workbook("crafted.xlsx"))
        #expect(book.sheet == "Crafted")
        // A rich-text shared string, its phonetic run (<rPh>) left out.
        #expect(book.header == BATColumnNames.special)
        let expected: [(Int, [String], [Int])] = [
            // No row or cell references; a number stored with an exponent; a formula's cached string.
            (
                2,
                ["123456789010", "Rich inline", "Cisco 8845", "DP-Dallas", "formula.owner", "7001", "Formula Owner"],
                [0, 5]
            ),
            // Row 3 is not in the file. The 1904 date system; a custom date format; an _xHHHH_ escape.
            (4, ["", "2024-03-15", "7841", "DP-NewYork", "date.1904", "7002", "Date 1904"], [5]),
            // Built-in format 22 (date and time).
            (5, ["", "2024-03-15T12:00:00", "Cisco 7841", "DP-Dallas", "datetime.1904", "7003", "Date Time"], [5]),
            // B6 is under the merged B5:B6 although the XML holds text there; an error value.
            (6, ["", "", "Cisco 7841", "DP-NewYork", "merged.hidden", "7004", "#N/A"], [5]),
            (7, ["1021383", "Number MAC", "Cisco 8845", "DP-Dallas", "number.mac", "7005", "Number Mac"], [0, 5]),
        ]
        #expect(book.records.map(\.line) == expected.map(\.0))
        #expect(book.records.map(\.fields) == expected.map(\.1))
        #expect(book.records.map(\.numberFields) == expected.map(\.2))
    }

    @Test func optionsThatDoNotApply() throws {
        let xlsx = try Self.workbook("phones.xlsx")
        let delimiter = Self.error { _ = try BATInput(path: xlsx, delimiter: UInt8(ascii: ";")) }
        #expect(delimiter?.code == .usage)
        #expect(delimiter?.message.contains("--delimiter applies to CSV files") == true)
        let encoding = Self.error { _ = try BATInput(path: xlsx, encoding: .windows1252) }
        #expect(encoding?.message.contains("--encoding applies to CSV files") == true)
        let sheet = Self.error { _ = try BATInput(path: Self.sampleCSV("phones.csv"), sheet: "Sheet1") }
        #expect(sheet?.code == .usage)
        #expect(sheet?.message.contains("--sheet applies to .xlsx and .ods workbooks") == true)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let renamed = directory.appendingPathComponent("phones.csv")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: xlsx), to: renamed)
        let zip = Self.error { _ = try BATInput(path: renamed.path) }
        #expect(zip?.code == .usage)
        #expect(zip?.description.hasPrefix("\(renamed.path): is a ZIP archive, not a CSV file") == true)
        let legacy = Self.error { _ = try BATInput(path: "/tmp/old-phones.xls") }
        #expect(legacy?.message.contains("legacy binary workbooks (.xls, .xlsb) are not read") == true)
    }

    @Test func headerProblemsNameTheCell() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("twice.xlsx").path
        try XLSXWriter.write(path: path, sheetName: "Staff", header: ["", "MAC", "MAC ADDRESS"], rows: 1) { _ in
            [.empty, .text("001A2B3C4D5E"), .text("001A2B3C4D5F")]
        }
        let error = Self.error { _ = try BATInput(path: path) }
        #expect(error?.code == .csvStructure)
        #expect(error?.description.hasPrefix("\(path)[Staff]!C1: column MAC ADDRESS is given twice") == true)
    }
}

/// The header of the special and crafted workbooks.
enum BATColumnNames {
    static let special = [
        "MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "DIRECTORY NUMBER 1", "DISPLAY 1",
    ]
}
