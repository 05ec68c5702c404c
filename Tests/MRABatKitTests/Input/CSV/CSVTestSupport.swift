import Foundation
import Testing

@testable import MRABatKit

/// Source chunk sizes that put chunk boundaries everywhere: inside CRLF, quotes, multi-byte characters.
let csvChunkSizes = [1, 2, 3, 7, 64, 4096]

/// What one complete read of a CSV stream produced.
struct CSVReadResult: Equatable {
    var records: [CSVRecord]
    var delimiter: UInt8
    var encoding: TextEncoding
}

/// Reads every record of `bytes`, detecting the encoding unless given.
///
/// The reader's own buffer shrinks with `chunkSize` (4 bytes at least) so its refill and
/// header look-ahead paths run too, not only the source's.
func readCSV(
    _ bytes: [UInt8], chunkSize: Int, encoding: TextEncoding? = nil, delimiter: UInt8? = nil
) throws -> CSVReadResult {
    var probe = MemoryByteSource(bytes: bytes, chunkSize: chunkSize)
    let encoding = try encoding ?? TextEncoding.detect(source: &probe)
    var reader = try CSVReader(
        source: MemoryByteSource(bytes: bytes, chunkSize: chunkSize), encoding: encoding, delimiter: delimiter,
        file: "test.csv", bufferSize: chunkSize >= 4096 ? 64 * 1024 : max(4, chunkSize))
    var records: [CSVRecord] = []
    while let record = try reader.next() { records.append(record) }
    return CSVReadResult(records: records, delimiter: reader.delimiter, encoding: reader.encoding)
}

func readCSV(_ text: String, chunkSize: Int, delimiter: UInt8? = nil) throws -> CSVReadResult {
    try readCSV(Array(text.utf8), chunkSize: chunkSize, delimiter: delimiter)
}

/// The error reading `bytes` throws, or nil if it reads cleanly.
func csvError(_ bytes: [UInt8], chunkSize: Int, encoding: TextEncoding? = nil) -> MRABatError? {
    do {
        _ = try readCSV(bytes, chunkSize: chunkSize, encoding: encoding)
        return nil
    } catch let error as MRABatError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

func fixtureURL(_ name: String) throws -> URL {
    let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return root.appendingPathComponent("CSV").appendingPathComponent(name)
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mrabat-csv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// `text` as UTF-16 with its byte-order mark, as Excel saves "Unicode text".
func utf16Bytes(_ text: String, bigEndian: Bool) -> [UInt8] {
    let data = text.data(using: bigEndian ? .utf16BigEndian : .utf16LittleEndian)!
    return (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) + Array(data)
}

func record(_ fields: [String], _ line: Int, _ endLine: Int? = nil) -> CSVRecord {
    CSVRecord(fields: fields, line: line, endLine: endLine ?? line)
}
