import Foundation
import Testing

@testable import MRABatKit

/// A record is bounded as a whole: the file that once took 3.2 GB (63,000 fields of 17 KB in one
/// row) now stops after ``CSVReader/maxRecordBytes``, with the file and line, reading little of it.
@Suite("CSV reader: record size limit")
struct CSVRecordLimitTests {
    /// A header, then one row of `fields` fields of `fieldBytes` bytes each (quoted or not),
    /// generated as it is read: the whole file is never in memory, here or in the reader.
    final class HugeRowSource: ByteSource {
        let header = Array("A,B,C\n".utf8)
        let fields: Int
        let fieldBytes: Int
        let quoted: Bool
        /// Bytes handed to the reader so far.
        private(set) var produced = 0

        init(fields: Int, fieldBytes: Int, quoted: Bool) {
            self.fields = fields
            self.fieldBytes = fieldBytes
            self.quoted = quoted
        }

        var total: Int { header.count + fields * (fieldBytes + (quoted ? 3 : 1)) }

        func byte(at offset: Int) -> UInt8 {
            if offset < header.count { return header[offset] }
            let width = fieldBytes + (quoted ? 3 : 1)
            let position = (offset - header.count) % width
            if quoted && (position == 0 || position == width - 2) { return UInt8(ascii: "\"") }
            if position == width - 1 {
                return offset == total - 1 ? UInt8(ascii: "\n") : UInt8(ascii: ",")
            }
            return UInt8(ascii: "x")
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = min(buffer.count, total - produced)
            for index in 0..<count { buffer[index] = byte(at: produced + index) }
            produced += count
            return count
        }
    }

    @Test(arguments: [false, true])
    func theReportedRowStopsQuicklyAndReadsLittle(quoted: Bool) throws {
        let clock = ContinuousClock()
        let start = clock.now
        let source = HugeRowSource(fields: 63_000, fieldBytes: 17_000, quoted: quoted)
        #expect(source.total > 1_000_000_000, "the generated file is over 1 GB")
        var reader = try CSVReader(source: source, encoding: .utf8, delimiter: nil, file: "huge.csv")
        #expect(try reader.next()?.fields == ["A", "B", "C"])
        let error = try #require(throws: MRABatError.self) { _ = try reader.next() }
        #expect(error.code == .csvSyntax)
        #expect(error.exitStatus == ExitStatus.nothingDone)
        #expect(error.message.hasPrefix("a record runs over 128 KiB"), "\(error)")
        #expect(error.location?.file == "huge.csv")
        #expect(error.location?.line == 2, "\(error)")
        #expect(error.description.hasPrefix("huge.csv:2"), "\(error)")
        // Memory: what was read is the limit plus a buffer or two (64 KiB each), not 1 GB.
        #expect(source.produced <= CSVReader.maxRecordBytes + 3 * 64 * 1024, "read \(source.produced) bytes")
        #expect(clock.now - start < .seconds(5))
    }

    /// A row exactly at the limit is read; one byte more is refused, whatever the chunk size.
    @Test(arguments: [7, 4096])
    func theLimitIsExact(chunkSize: Int) throws {
        let limit = CSVReader.maxRecordBytes
        let fits = String(repeating: "x", count: limit - 2) + ",y"
        let over = String(repeating: "x", count: limit - 1) + ",y"
        let ok = try readCSV("A,B\n" + fits + "\nz,w\n", chunkSize: chunkSize, delimiter: UInt8(ascii: ","))
        #expect(ok.records.map(\.fields.count) == [2, 2, 2])
        #expect(ok.records[1].fields[0].utf8.count == limit - 2)
        let error = try #require(throws: MRABatError.self) {
            _ = try readCSV("A,B\n" + over + "\r\nz,w\n", chunkSize: chunkSize, delimiter: UInt8(ascii: ","))
        }
        #expect(error.location?.line == 2)
        #expect(error.message.hasPrefix("a record runs over 128 KiB"))
    }

    @Test func aQuoteNeverClosedIsNamedWhereItOpens() throws {
        let text = "A,B\nok,fine\nx,\"starts here\n" + String(repeating: "more text\n", count: 20_000)
        let error = try #require(throws: MRABatError.self) {
            _ = try readCSV(text, chunkSize: 4096, delimiter: UInt8(ascii: ","))
        }
        #expect(error.message.contains("inside a quoted field; its quote is probably never closed"), "\(error)")
        #expect(error.location?.line == 3)
        #expect(error.location?.column == 3)
    }

    @Test func aGeneratedFileOnDiskStopsAtTheRowThatIsTooLong() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("phones.csv").path
        // Ten fields of 17 KB on line 4: 170 KB, over the limit; the rows before it read fine.
        let field = "\"" + String(repeating: "17 KB of text, ", count: 17_000 / 15) + "\""
        let text =
            "MAC ADDRESS,DESCRIPTION,OWNER USER ID\r\n,Desk,anna\r\n,Desk,bob\r\n"
            + Array(repeating: field, count: 10).joined(separator: ",") + "\r\n,Desk,carl\r\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var reader = try CSVReader(source: FileByteSource(path: path), encoding: .utf8, file: path)
        var lines: [Int] = []
        let error = try #require(throws: MRABatError.self) {
            while let record = try reader.next() { lines.append(record.line) }
        }
        #expect(lines == [1, 2, 3])
        #expect(error.description.hasPrefix("\(path):4: a record runs over 128 KiB"), "\(error)")
    }
}
