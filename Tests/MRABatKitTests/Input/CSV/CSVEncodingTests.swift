import Foundation
import Testing

@testable import MRABatKit

@Suite("CSV encodings")
struct CSVEncodingTests {
    @Test("detection from BOM and content", arguments: [1, 2, 3, 4096])
    func detection(chunkSize: Int) throws {
        let cases: [([UInt8], TextEncoding)] = [
            ([0xEF, 0xBB, 0xBF, 0x41], .utf8BOM),
            ([0xFF, 0xFE, 0x41, 0x00], .utf16LE),
            ([0xFE, 0xFF, 0x00, 0x41], .utf16BE),
            (Array("plain ASCII\n".utf8), .utf8),
            (Array("Müller 😀".utf8), .utf8),
            ([], .utf8),
            ([0x4D, 0xFC, 0x6C], .windows1252),
            ([0x41, 0xC3], .windows1252),  // a UTF-8 sequence cut short at the end
            ([0xC0, 0x80], .windows1252),  // overlong NUL
            ([0xED, 0xA0, 0x80], .windows1252),  // an encoded surrogate
        ]
        for (bytes, expected) in cases {
            var source = MemoryByteSource(bytes: bytes, chunkSize: chunkSize)
            #expect(try TextEncoding.detect(source: &source) == expected, "\(bytes)")
        }
    }

    @Test("detection reads the whole file: one 1252 byte after 200 KB of ASCII")
    func detectionScansWholeFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ascii = [UInt8](repeating: UInt8(ascii: "a"), count: 200_000)
        let plain = directory.appendingPathComponent("plain.csv")
        let late = directory.appendingPathComponent("late.csv")
        try Data(ascii).write(to: plain)
        try Data(ascii + [0xE9]).write(to: late)
        #expect(try TextEncoding.detect(path: plain.path) == .utf8)
        #expect(try TextEncoding.detect(path: late.path) == .windows1252)
    }

    @Test("encoding names for --encoding")
    func names() {
        #expect(TextEncoding(name: "UTF-8") == .utf8)
        #expect(TextEncoding(name: "utf8BOM") == .utf8BOM)
        #expect(TextEncoding(name: "utf-16le") == .utf16LE)
        #expect(TextEncoding(name: "UTF-16BE") == .utf16BE)
        #expect(TextEncoding(name: "cp1252") == .windows1252)
        #expect(TextEncoding(name: "latin9") == nil)
    }

    @Test("an unreadable file is an .io error naming it")
    func unreadableFile() {
        let path = "/nonexistent/mrabat/phones.csv"
        #expect {
            _ = try FileByteSource(path: path)
        } throws: { error in
            let error = error as? MRABatError
            return error?.code == .io && error?.location?.file == path && error?.description.contains(path) == true
        }
        #expect(throws: MRABatError.self) { try TextEncoding.detect(path: path) }
    }

    @Test("Windows-1252 table: the 0x80–0x9F specials and Latin-1 above")
    func windows1252Table() throws {
        let bytes: [UInt8] = [0x80, 0x82, 0x8A, 0x8C, 0x99, 0x9F, 0xA0, 0xFC, 0xFF]
        let text = try transcode(bytes, encoding: .windows1252, chunkSize: 1)
        #expect(text == "€‚ŠŒ™Ÿ\u{A0}üÿ")
    }

    @Test("the transcoder fills output buffers of any size", arguments: [1, 2, 3, 5])
    func tinyOutputBuffers(outputSize: Int) throws {
        let text = "a€😀中\r\nü"
        let inputs: [(TextEncoding, [UInt8])] = [
            (.utf8, Array(text.utf8)),
            (.utf16LE, utf16Bytes(text, bigEndian: false)),
            (.utf16BE, utf16Bytes(text, bigEndian: true)),
        ]
        for (encoding, bytes) in inputs {
            #expect(
                try transcode(bytes, encoding: encoding, chunkSize: 3, outputSize: outputSize) == text, "\(encoding)")
        }
        let latin: [UInt8] = [0x61, 0x80, 0xFC]
        #expect(try transcode(latin, encoding: .windows1252, chunkSize: 1, outputSize: outputSize) == "a€ü")
    }

    @Test("a surrogate pair split across every chunk boundary", arguments: [1, 2, 3, 5, 7])
    func splitSurrogatePair(chunkSize: Int) throws {
        // 😀 is D83D DE00; with the BOM and "H\n" in front, chunks of 1–7 bytes split it everywhere.
        let text = "H\n😀x\n"
        for bigEndian in [false, true] {
            let records = try readCSV(utf16Bytes(text, bigEndian: bigEndian), chunkSize: chunkSize).records
            #expect(records == [record(["H"], 1), record(["😀x"], 2)])
        }
    }

    // MARK: - Undecodable bytes

    struct EncodingCase: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var encoding: TextEncoding
        var line: Int
        var offset: Int
        var testDescription: String { name }
    }

    static let encodingCases: [EncodingCase] = [
        EncodingCase(
            name: "1252 byte read as forced UTF-8", bytes: Array("A,B\nx,M".utf8) + [0xFC] + Array("ller\n".utf8),
            encoding: .utf8, line: 2, offset: 7),
        EncodingCase(
            name: "UTF-8 cut short before a line break", bytes: Array("A\r\n\r\nb".utf8) + [0xE2, 0x82, 0x0A],
            encoding: .utf8, line: 3, offset: 6),
        EncodingCase(
            name: "UTF-8 cut short at the end", bytes: [0xEF, 0xBB, 0xBF] + Array("A\nb".utf8) + [0xF0, 0x9F],
            encoding: .utf8BOM, line: 2, offset: 6),
        EncodingCase(
            name: "undefined 1252 byte", bytes: Array("A,B\r\n\r\nx,".utf8) + [0x81, 0x0A], encoding: .windows1252,
            line: 3, offset: 9),
        EncodingCase(
            name: "lone low surrogate", bytes: [0xFF, 0xFE, 0x41, 0x00, 0x0A, 0x00, 0x00, 0xDC, 0x42, 0x00],
            encoding: .utf16LE, line: 2, offset: 6),
        EncodingCase(
            name: "high surrogate followed by a letter",
            bytes: [0xFE, 0xFF, 0x00, 0x41, 0x00, 0x0A, 0xD8, 0x3D, 0x00, 0x42],
            encoding: .utf16BE, line: 2, offset: 6),
        EncodingCase(
            name: "high surrogate at the end", bytes: [0xFF, 0xFE, 0x41, 0x00, 0x3D, 0xD8], encoding: .utf16LE, line: 1,
            offset: 4),
        EncodingCase(
            name: "odd byte count", bytes: [0xFF, 0xFE, 0x41, 0x00, 0x42], encoding: .utf16LE, line: 1, offset: 4),
    ]

    @Test("undecodable bytes name the line and byte offset", arguments: encodingCases, [1, 2, 3, 4096])
    func undecodable(testCase: EncodingCase, chunkSize: Int) throws {
        let error = try #require(csvError(testCase.bytes, chunkSize: chunkSize, encoding: testCase.encoding))
        #expect(error.code == .encoding)
        #expect(error.location == SourceLocation(file: "test.csv", line: testCase.line))
        #expect(error.message.contains("at byte offset \(testCase.offset)"), "\(error.message)")
    }

    /// Runs bytes through the transcoder alone, reading into buffers of `outputSize` bytes.
    private func transcode(_ bytes: [UInt8], encoding: TextEncoding, chunkSize: Int, outputSize: Int = 64) throws
        -> String
    {
        let transcoder = UTF8Transcoder(
            source: MemoryByteSource(bytes: bytes, chunkSize: chunkSize), encoding: encoding, file: "t", bufferSize: 4)
        var output: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: outputSize, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = try transcoder.read(into: buffer)
            if count == 0 { break }
            output += buffer[..<count]
        }
        return try #require(String(validating: output, as: UTF8.self))
    }
}
