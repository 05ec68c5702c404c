import Foundation
import Testing

@testable import MRABatKit

@Suite("CSV reader")
struct CSVReaderTests {
    @Test("quotes, doubled quotes, embedded delimiters and line breaks", arguments: csvChunkSizes)
    func quoting(chunkSize: Int) throws {
        let text = "A,B,C\n\"x, y\",\"say \"\"hi\"\"\",\"\"\n\"two\nlines\",plain,\"a\r\nb\"\nlast,,\n"
        let result = try readCSV(text, chunkSize: chunkSize)
        #expect(
            result.records == [
                record(["A", "B", "C"], 1),
                record(["x, y", "say \"hi\"", ""], 2),
                record(["two\nlines", "plain", "a\r\nb"], 3, 5),
                record(["last", "", ""], 6),
            ])
        #expect(result.delimiter == UInt8(ascii: ","))
        #expect(result.encoding == .utf8)
    }

    @Test("CRLF, LF and lone CR endings give the same records and lines", arguments: csvChunkSizes)
    func lineEndings(chunkSize: Int) throws {
        let expected = [record(["h1", "h2"], 1), record(["a", "b"], 2), record(["c", "d"], 4)]
        for ending in ["\r\n", "\n", "\r"] {
            let text = ["h1,h2", "a,b", "", "c,d", ""].joined(separator: ending)
            #expect(try readCSV(text, chunkSize: chunkSize).records == expected, "ending \(Array(ending.utf8))")
        }
    }

    @Test("blank and white-space lines are skipped, not the end of the file", arguments: csvChunkSizes)
    func blankLines(chunkSize: Int) throws {
        let text = "\n\nA,B\n\n  \n\t\n1,2\n\n\n3,4\n,,\n\n"
        let records = try readCSV(text, chunkSize: chunkSize).records
        #expect(
            records == [
                record(["A", "B"], 3), record(["1", "2"], 7), record(["3", "4"], 10), record(["", "", ""], 11),
            ])
        #expect(records.last?.isBlank == true)
        #expect(records.first?.isBlank == false)
    }

    @Test("a quoted empty field is a record, not a blank line", arguments: csvChunkSizes)
    func quotedEmptyLine(chunkSize: Int) throws {
        #expect(
            try readCSV("A\n\"\"\nB", chunkSize: chunkSize).records == [
                record(["A"], 1), record([""], 2), record(["B"], 3),
            ])
    }

    @Test("delimiter detection from the header line", arguments: csvChunkSizes)
    func delimiterDetection(chunkSize: Int) throws {
        let cases: [(String, Character)] = [
            ("A;B;C\n1;2,5;3\n", ";"),
            ("A\tB\tC\n1\t2\t3\n", "\t"),
            ("A,B\n1;2;3;4\n", ","),
            ("\"A;B;C\",D\n1,2\n", ","),  // delimiters inside quotes do not count
            ("\n\nA;B\n", ";"),  // leading blank lines are not the header
            ("ABC\n1\n", ","),
            ("A,B;C", ","),  // a tie prefers the comma
        ]
        for (text, delimiter) in cases {
            #expect(
                try readCSV(text, chunkSize: chunkSize).delimiter == delimiter.asciiValue!, "\(text.debugDescription)")
        }
        let semicolons = try readCSV("A;B;C\n1;2,5;3\n", chunkSize: chunkSize).records
        #expect(semicolons == [record(["A", "B", "C"], 1), record(["1", "2,5", "3"], 2)])
    }

    @Test("a given delimiter overrides detection", arguments: csvChunkSizes)
    func givenDelimiter(chunkSize: Int) throws {
        let result = try readCSV("A,B;C\n1,2;3\n", chunkSize: chunkSize, delimiter: UInt8(ascii: ";"))
        #expect(result.delimiter == UInt8(ascii: ";"))
        #expect(result.records == [record(["A,B", "C"], 1), record(["1,2", "3"], 2)])
    }

    @Test("a header longer than the reader's buffer still finds its delimiter", arguments: [1, 7, 64])
    func longHeader(chunkSize: Int) throws {
        let names = (1...300).map { "COLUMN \($0)" }
        let text = names.joined(separator: ";") + "\n" + (1...300).map(String.init).joined(separator: ";") + "\n"
        let result = try readCSV(text, chunkSize: chunkSize)
        #expect(result.delimiter == UInt8(ascii: ";"))
        #expect(result.records.map(\.fields) == [names, (1...300).map(String.init)])
    }

    // MARK: - Encodings end to end

    @Test("UTF-8 with BOM: the BOM is not part of the first name", arguments: csvChunkSizes)
    func utf8BOM(chunkSize: Int) throws {
        let result = try readCSV([0xEF, 0xBB, 0xBF] + Array("MAC,Ö\n1,ü\n".utf8), chunkSize: chunkSize)
        #expect(result.encoding == .utf8BOM)
        #expect(result.records == [record(["MAC", "Ö"], 1), record(["1", "ü"], 2)])
    }

    @Test("UTF-16 with BOM and TAB delimiter, both byte orders", arguments: csvChunkSizes, [false, true])
    func utf16(chunkSize: Int, bigEndian: Bool) throws {
        let text = "DEVICE TYPE\tDESCRIPTION\r\nCisco 8845\t\"Müller, 😀 € 中\"\r\n"
        let result = try readCSV(utf16Bytes(text, bigEndian: bigEndian), chunkSize: chunkSize)
        #expect(result.encoding == (bigEndian ? .utf16BE : .utf16LE))
        #expect(result.delimiter == UInt8(ascii: "\t"))
        #expect(
            result.records == [
                record(["DEVICE TYPE", "DESCRIPTION"], 1), record(["Cisco 8845", "Müller, 😀 € 中"], 2),
            ])
    }

    @Test("Windows-1252 bytes that are not UTF-8", arguments: csvChunkSizes)
    func windows1252(chunkSize: Int) throws {
        // "Müller" with ü as 0xFC, the euro sign as 0x80 and curly quotes as 0x93/0x94.
        let bytes: [UInt8] =
            Array("NAME\nM".utf8) + [0xFC] + Array("ller ".utf8) + [0x80, 0x20, 0x93, 0x78, 0x94, 0x0A]
        let result = try readCSV(bytes, chunkSize: chunkSize)
        #expect(result.encoding == .windows1252)
        #expect(result.records == [record(["NAME"], 1), record(["Müller € \u{201C}x\u{201D}"], 2)])
    }

    // MARK: - Fixtures

    @Test("fixture: UTF-8 BOM, CRLF, quotes, blank line", arguments: csvChunkSizes)
    func fixtureCRLF(chunkSize: Int) throws {
        let bytes = try Array(Data(contentsOf: fixtureURL("phones-crlf-bom.csv")))
        let result = try readCSV(bytes, chunkSize: chunkSize)
        #expect(result.encoding == .utf8BOM)
        #expect(
            result.records == [
                record(["MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL"], 1),
                record(["001A2B3C4D5E", "Lobby, ground floor", "Cisco 8845", "Dallas"], 2),
                record(["", "Say \"hi\"", "8861", "Dallas"], 3),
                record(["", "two\r\nlines", "7841", "Austin"], 5, 6),
            ])
    }

    @Test("fixture: Windows-1252 with semicolons", arguments: csvChunkSizes)
    func fixture1252(chunkSize: Int) throws {
        let bytes = try Array(Data(contentsOf: fixtureURL("phones-semicolon-1252.csv")))
        let result = try readCSV(bytes, chunkSize: chunkSize)
        #expect(result.encoding == .windows1252)
        #expect(result.delimiter == UInt8(ascii: ";"))
        #expect(
            result.records == [
                record(["DEVICE TYPE", "DEVICE POOL", "DESCRIPTION"], 1),
                record(["Cisco 8845", "München", "Grüße € 5"], 2),
                record(["8861", "Zürich", "a;b"], 5),
            ])
    }

    @Test("fixture read from disk: lone CR endings, no final line break")
    func fixtureFromFile() throws {
        let path = try fixtureURL("phones-cr.csv").path
        let encoding = try TextEncoding.detect(path: path)
        var reader = try CSVReader(source: FileByteSource(path: path, chunkSize: 5), encoding: encoding, file: path)
        var records: [CSVRecord] = []
        while let record = try reader.next() { records.append(record) }
        #expect(encoding == .utf8)
        #expect(
            records == [
                record(["DEVICE TYPE", "DEVICE POOL"], 1), record(["Cisco 8845", "Dallas"], 2),
                record(["8861", "Austin"], 4),
            ])
    }

    // MARK: - Syntax errors

    struct SyntaxCase: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var line: Int
        var column: Int
        var testDescription: String { name }
    }

    static let syntaxCases: [SyntaxCase] = [
        SyntaxCase(name: "quote inside an unquoted field", text: "H1,H2\nab,c\"d\n", line: 2, column: 5),
        SyntaxCase(name: "quote counted in characters, not bytes", text: "H1,H2\na,Mü\"x\n", line: 2, column: 5),
        SyntaxCase(name: "text after a closing quote", text: "H1,H2\r\n\"ab\"x,c\r\n", line: 2, column: 5),
        SyntaxCase(name: "space after a closing quote", text: "H1,H2\n\n\"ab\" ,c\n", line: 3, column: 5),
        SyntaxCase(name: "error after a multi-line field", text: "H\n\"a\nb\",\"c\"d\n", line: 3, column: 7),
        SyntaxCase(
            name: "unterminated quote, reported where it opens", text: "H1,H2\nx,\"abc\nmore\n", line: 2, column: 3),
        SyntaxCase(
            name: "unterminated quote after CRLF lines", text: "H\r\n\r\n  \r\nab,\"€\"\"\r\n", line: 4, column: 4),
    ]

    @Test("syntax errors carry line and column", arguments: syntaxCases, csvChunkSizes)
    func syntaxErrors(testCase: SyntaxCase, chunkSize: Int) throws {
        let error = try #require(csvError(Array(testCase.text.utf8), chunkSize: chunkSize))
        #expect(error.code == .csvSyntax)
        #expect(error.location == SourceLocation(file: "test.csv", line: testCase.line, column: testCase.column))
    }

    @Test("records before a syntax error are returned")
    func recordsBeforeError() throws {
        var reader = try CSVReader(
            source: MemoryByteSource(bytes: Array("A\nb\nc\"\n".utf8)), encoding: .utf8, file: "x.csv")
        #expect(try reader.next()?.fields == ["A"])
        #expect(try reader.next()?.fields == ["b"])
        #expect(throws: MRABatError.self) { try reader.next() }
    }
}

@Suite("CSV reader arguments")
struct CSVReaderArgumentTests {
    @Test("a delimiter that would break quoting is refused", arguments: [UInt8(ascii: "\""), 0x0A, 0x0D, 0xC3])
    func badDelimiter(delimiter: UInt8) {
        #expect {
            _ = try CSVReader(
                source: MemoryByteSource(bytes: Array("a,b\n".utf8)), encoding: .utf8, delimiter: delimiter, file: "x")
        } throws: { ($0 as? MRABatError)?.code == .usage }
    }
}
