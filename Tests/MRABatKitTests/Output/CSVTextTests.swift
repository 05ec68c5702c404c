import Foundation
import Testing

@testable import MRABatKit

/// The CSV writer every output uses: RFC 4180, and no cell a spreadsheet would run as a formula.
@Suite("CSV text: formula injection")
struct CSVTextTests {
    /// (value, exactly what is written for it).
    static let cells: [(String, String)] = [
        ("=HYPERLINK(\"http://evil.example\",\"Click\")", "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\""),
        ("+cmd|' /C calc'!A0", "\"'+cmd|' /C calc'!A0\""),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "\"'@SUM(1+1)*cmd|' /C calc'!A0\""),
        ("-2+3", "\"'-2+3\""),
        ("\t=1+1", "\"'\t=1+1\""),
        ("\r=1+1", "\"'\r=1+1\""),
        ("-", "\"'-\""),
        // Already starting with `'` before a trigger: one more, so reading back gives this value.
        ("'=1+1", "\"''=1+1\""),
        ("''-x", "\"'''-x\""),
        // Nothing to neutralise: as before.
        ("'quoted'", "'quoted'"),
        ("'", "'"),
        ("a=b", "a=b"),
        (" =1+1", " =1+1"),
        ("anna.berg", "anna.berg"),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("", ""),
    ]

    @Test(arguments: 0..<cells.count)
    func exactBytesWritten(index: Int) {
        let (value, written) = Self.cells[index]
        #expect(CSVText.record(["x", value]) == "x," + written + "\r\n")
    }

    @Test(arguments: 0..<cells.count)
    func readerGivesTheValueBack(index: Int) throws {
        let value = Self.cells[index].0
        let text = CSVText.record(["A", "B"]) + CSVText.record(["x", value])
        for chunkSize in csvChunkSizes {
            let read = try readCSV(text, chunkSize: chunkSize, delimiter: UInt8(ascii: ","))
            #expect(read.records.map(\.fields) == [["A", "B"], ["x", value]], "chunk \(chunkSize)")
        }
    }

    /// What a spreadsheet saves after opening the file: the text it showed, apostrophe gone.
    @Test(arguments: ["=HYPERLINK(x)", "+1", "-2+3", "@SUM(A1)", "-fragile-"])
    func spreadsheetResaveAlsoGivesTheValueBack(value: String) throws {
        let resaved = "A,B\r\nx,\"\(value)\"\r\n"
        let read = try readCSV(resaved, chunkSize: 4096)
        #expect(read.records.last?.fields == ["x", value])
    }

    @Test func otherDelimitersAndHeadersAreNeutralisedToo() {
        #expect(CSVText.record(["=A", "b"], delimiter: UInt8(ascii: ";")) == "\"'=A\";b\r\n")
        #expect(CSVText.record(["@x", "-1"], delimiter: 0x09) == "\"'@x\"\t\"'-1\"\r\n")
    }

    @Test func restoringIsTheInverseOfNeutralising() {
        for (value, _) in Self.cells {
            let stored = CSVText.startsLikeFormula(value.utf8) ? "'" + value : value
            #expect(CSVText.restoringNeutralised(stored) == value, "\(value.debugDescription)")
        }
        #expect(CSVText.restoringNeutralised("'quoted'") == "'quoted'")
        #expect(CSVText.restoringNeutralised("'-x") == "-x")
    }
}
