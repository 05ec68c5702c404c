import Testing

@testable import MRABatKit

/// Cell values as stored: numbers moved, never computed; dates from serials; references and escapes.
@Suite("Workbook values")
struct WorkbookValueTests {
    @Test(arguments: [
        ("4001", "4001"), ("4001.0", "4001"), ("4001.500", "4001.5"), ("-0", "0"), ("-0.0", "0"), ("+7", "7"),
        ("1.2345678901E+11", "123456789010"), ("1.23456789012e11", "123456789012"), ("1E-3", "0.001"),
        ("-2.5E-2", "-0.025"), ("5E+2", "500"), ("0.1", "0.1"), (".5", "0.5"), ("007", "7"),
        (
            "12345678901234567890",
            "12345678901234567890"
        ), (" 42 ", "42"), ("NaN", "NaN"), ("1E", "1E"), ("1E+999", "1E+999"), ("", ""),
        ("1.2.3", "1.2.3"), ("0", "0"),
    ])
    func numberAsStored(stored: String, expected: String) {
        #expect(WorkbookValue.number(stored) == expected)
    }

    @Test func dateFormats() {
        let date = WorkbookValue.DateParts(date: true, time: false)
        let time = WorkbookValue.DateParts(date: false, time: true)
        let both = WorkbookValue.DateParts(date: true, time: true)
        #expect(WorkbookValue.dateParts(formatCode: "yyyy-mm-dd") == date)
        #expect(WorkbookValue.dateParts(formatCode: "[$-409]d\\-mmm\\-yyyy;@") == date)
        #expect(WorkbookValue.dateParts(formatCode: "mm/dd/yy") == date)
        #expect(WorkbookValue.dateParts(formatCode: "mmm") == date)
        #expect(WorkbookValue.dateParts(formatCode: "h:mm AM/PM") == time)
        #expect(WorkbookValue.dateParts(formatCode: "[h]:mm:ss") == time)
        #expect(WorkbookValue.dateParts(formatCode: "[mm]") == time)
        #expect(WorkbookValue.dateParts(formatCode: "dd/mm/yyyy hh:mm") == both)
        for notDate in [
            "General", "0", "0.00", "#,##0 [$€-407]", "0.00E+00", "\"TRUE\";\"TRUE\";\"FALSE\"", "[Red]0.0",
            "_(* #,##0_)", "\"day\" 0", "@",
        ] {
            #expect(WorkbookValue.dateParts(formatCode: notDate) == nil, "\(notDate)")
        }
        #expect(WorkbookValue.builtInDateParts(14) == date)
        #expect(WorkbookValue.builtInDateParts(20) == time)
        #expect(WorkbookValue.builtInDateParts(22) == both)
        #expect(WorkbookValue.builtInDateParts(0) == nil)
        #expect(WorkbookValue.builtInDateParts(49) == nil)
    }

    @Test func dateSerials() {
        let date = WorkbookValue.DateParts(date: true, time: false)
        let time = WorkbookValue.DateParts(date: false, time: true)
        func iso(_ serial: String, _ parts: WorkbookValue.DateParts, date1904: Bool = false) -> String? {
            WorkbookValue.isoDate(serial: serial, date1904: date1904, parts: parts)
        }
        #expect(iso("45366", date) == "2024-03-15")
        #expect(iso("45366.75", date) == "2024-03-15T18:00:00")
        #expect(iso("1", date) == "1900-01-01")
        #expect(iso("59", date) == "1900-02-28")
        #expect(iso("60", date) == "1900-02-29")
        #expect(iso("61", date) == "1900-03-01")
        #expect(iso("2958465", date) == "9999-12-31")
        #expect(iso("0", date, date1904: true) == "1904-01-01")
        #expect(iso("43904", date, date1904: true) == "2024-03-15")
        #expect(iso("0.5", time) == "12:00:00")
        #expect(iso("0.99999999", time) == "1900-01-01T00:00:00")
        #expect(iso("1.25", time) == "1900-01-01T06:00:00")
        #expect(iso("-1", date) == nil)
        #expect(iso("3000000", date) == nil)
        #expect(iso("soon", date) == nil)
        #expect(WorkbookValue.isoTime(duration: "PT10H30M00S") == "10:30:00")
        #expect(WorkbookValue.isoTime(duration: "PT36H00M05.25S") == "36:00:05.25")
        #expect(WorkbookValue.isoTime(duration: "10:30") == nil)
        #expect(WorkbookValue.civil(unixDay: 0) == "1970-01-01")
        #expect(WorkbookValue.civil(unixDay: -719_162) == "0001-01-01")
    }

    @Test func escapesReferencesAndColumns() {
        #expect(WorkbookValue.unescapeOOXML("Line_x000D__x000A_two") == "Line\r\ntwo")
        #expect(WorkbookValue.unescapeOOXML("a_x005F_x0041_b") == "a_x0041_b")
        #expect(WorkbookValue.unescapeOOXML("snake_case_x") == "snake_case_x")
        #expect(WorkbookValue.unescapeOOXML("_xZZZZ_") == "_xZZZZ_")
        func reference(_ text: String) -> [Int]? {
            text.withCString { pointer in
                pointer.withMemoryRebound(to: UInt8.self, capacity: text.utf8.count + 1) {
                    WorkbookValue.reference($0).map { [$0.column, $0.row] }
                }
            }
        }
        #expect(reference("C812") == [3, 812])
        #expect(reference("XFD1048576") == [16384, 1_048_576])
        #expect(reference("$B$7") == nil)  // no cell's own reference has a $; ranges drop them first
        #expect(reference("AA") == [27, 0])
        #expect(reference("C8x") == nil)
        #expect(
            WorkbookValue.range("B5:$C$6").map { [$0.first.column, $0.first.row, $0.last.column, $0.last.row] } == [
                2, 5, 3, 6,
            ])
        #expect(WorkbookValue.range("D4").map { [$0.first.column, $0.last.row] } == [4, 4])
        #expect(WorkbookValue.range("A:B") == nil)
        #expect(WorkbookValue.integer("42") == 42)
        #expect(WorkbookValue.integer("4a") == nil)
        #expect([1, 26, 27, 52, 53, 16384].map(SourceLocation.columnName) == ["A", "Z", "AA", "AZ", "BA", "XFD"])
        #expect(XLSXWorkbook.resolve("./styles.xml", from: "xl") == "xl/styles.xml")
        #expect(XLSXWorkbook.resolve("../media/x.png", from: "xl/worksheets") == "xl/media/x.png")
        #expect(XLSXWorkbook.resolve("/xl/workbook.xml", from: "") == "xl/workbook.xml")
    }

    @Test func sourceLocations() {
        #expect(
            SourceLocation(file: "p.xlsx", line: 812, column: 3, sheet: "Sheet1").description == "p.xlsx[Sheet1]!C812")
        #expect(SourceLocation(file: "p.xlsx", line: 812, sheet: "Sheet1").description == "p.xlsx[Sheet1] row 812")
        #expect(SourceLocation(file: "p.xlsx", sheet: "Sheet1").description == "p.xlsx[Sheet1]")
        #expect(SourceLocation(file: "p.csv", line: 812, column: 3).description == "p.csv:812:3")
    }
}
