import Foundation
import Synchronization
import Testing

@testable import MRABatKit

/// Property-based and mutation tests of the CSV reader, bounded in time so they run in every
/// `swift test`.
///
/// Each test draws its cases from a seeded generator and names the seed in every failure; set
/// `MRABAT_FUZZ_SEED` to replay one, `MRABAT_FUZZ_SECONDS` to run longer (the default is a couple
/// of seconds per test). The libFuzzer harness `Scripts/fuzz-csv` drives the same reader from the same seed
/// corpus (`Fixtures/CSVCorpus`) for as long as one wants.
@Suite("CSV reader, fuzzed")
struct CSVFuzzTests {
    static let seconds = ProcessInfo.processInfo.environment["MRABAT_FUZZ_SECONDS"].flatMap(Double.init) ?? 2
    static func seed() -> UInt64 {
        ProcessInfo.processInfo.environment["MRABAT_FUZZ_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 1 ... .max)
    }

    // MARK: - Structured round trip

    /// Characters fields are made of: plain text, every byte that means something to CSV, white
    /// space, and non-ASCII from 2-, 3- and 4-byte UTF-8 (smart quotes and NBSP as spreadsheets write them).
    static let alphabet: [String] = [
        "a", "Z", "0", "7", " ", "\t", "\"", ",", ";", "\r", "\n", "\r\n", "é", "ß", "€", "–", "\u{00A0}",
        "\u{201C}", "\u{2019}", "中", "😀", "\u{1F1E9}\u{1F1EA}", "\\", "+", "#", "'", "'", "=", "-", "@",
    ]

    /// What the reader returns for a field written as `field`: one `'` fewer when the field is one or
    /// more `'` and then `= + - @ TAB CR` (the apostrophe ``CSVText`` adds against formula injection).
    static func readBack(_ field: String) -> String {
        let scalars = field.unicodeScalars
        guard scalars.first == "'", let next = scalars.first(where: { $0 != "'" }),
            ["=", "+", "-", "@", "\t", "\r"].contains(next)
        else { return field }
        return String(scalars.dropFirst())
    }

    /// A random table and the bytes a careful writer would make of it.
    struct GeneratedCSV {
        /// The fields as the reader must return them (see ``readBack(_:)``).
        var rows: [[String]]
        /// The physical line each row starts on.
        var lines: [Int]
        var text: String
        var delimiter: UInt8
        /// The first row is a plain header, so the delimiter can be left to detection.
        var detectable: Bool
    }

    static func generate(_ random: inout SeededRandom) -> GeneratedCSV {
        let delimiter = random.pick([",", ";", "\t"])
        let lineBreak = random.pick(["\n", "\r\n", "\r"])
        let width = random.int(in: 1...8)
        let detectable = width >= 2 && random.chance(0.5)
        var rows: [[String]] = []
        var lines: [Int] = []
        var text = ""
        var line = 1
        let count = random.int(in: 1...24)
        // A line of tabs is a row of empty fields in a tab-separated file, and reads as a header
        // line to delimiter detection; elsewhere it is as blank as a line of spaces.
        let blanks = delimiter == "\t" || detectable ? ["", " ", "   "] : ["", " ", "  \t"]
        for index in 0..<count {
            // Blank lines and lines of spaces anywhere are skipped by the reader.
            while random.chance(0.15) {
                let blank = random.pick(blanks) + lineBreak
                text += blank
                line += 1
            }
            var row: [String] = []
            let header = index == 0 && detectable
            for _ in 0..<(!header && random.chance(0.1) ? random.int(in: 1...10) : width) {
                if header {
                    row.append("COL" + String(random.int(in: 0...999)))
                    continue
                }
                var field = ""
                for _ in 0..<random.int(in: 0...(random.chance(0.05) ? 300 : 12)) { field += random.pick(alphabet) }
                row.append(field)
            }
            var fields: [String] = []
            for field in row {
                let mustQuote =
                    field.contains(delimiter) || field.contains("\"") || field.contains("\r") || field.contains("\n")
                    || (row.count == 1 && field.allSatisfy { $0 == " " || $0 == "\t" })
                if mustQuote || random.chance(0.2) {
                    fields.append("\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
                } else {
                    fields.append(field)
                }
            }
            let record = fields.joined(separator: delimiter)
            rows.append(row.map(readBack))
            lines.append(line)
            text += record
            line += physicalLineBreaks(record)
            if index < count - 1 || random.chance(0.5) {
                text += lineBreak
                line += 1
            }
        }
        return GeneratedCSV(
            rows: rows, lines: lines, text: text, delimiter: Array(delimiter.utf8)[0], detectable: detectable)
    }

    /// CRLF, CR and LF each end one physical line.
    static func physicalLineBreaks(_ text: String) -> Int {
        var count = 0
        var afterCR = false
        for byte in text.utf8 {
            if byte == 0x0D { count += 1 } else if byte == 0x0A && !afterCR { count += 1 }
            afterCR = byte == 0x0D
        }
        return count
    }

    /// The text's bytes in `encoding`, or nil when it cannot be encoded so (Windows-1252).
    static func encode(_ text: String, _ encoding: TextEncoding) -> [UInt8]? {
        switch encoding {
        case .utf8: return Array(text.utf8)
        case .utf8BOM: return [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        case .utf16LE: return utf16Bytes(text, bigEndian: false)
        case .utf16BE: return utf16Bytes(text, bigEndian: true)
        case .windows1252: return text.data(using: .windowsCP1252).map { Array($0) }
        }
    }

    @Test func writtenTablesReadBackFieldForField() throws {
        let seed = Self.seed()
        var random = SeededRandom(seed: seed)
        let deadline = Date().addingTimeInterval(Self.seconds)
        var cases = 0
        var failures = 0
        while Date() < deadline && failures < 3 {
            cases += 1
            let csv = Self.generate(&random)
            let encoding = random.pick(TextEncoding.allCases)
            guard let bytes = Self.encode(csv.text, encoding) else { continue }
            let chunkSizes = [random.pick([1, 2, 3, 5, 7]), random.pick([16, 64, 4096])]
            for chunkSize in chunkSizes {
                let context =
                    "seed \(seed), case \(cases), \(encoding), chunk \(chunkSize), text \(csv.text.debugDescription)"
                do {
                    // BOM-less UTF-8 is what detection says of valid UTF-8; 1252 must be named.
                    let given: TextEncoding? = encoding == .windows1252 || random.chance(0.3) ? encoding : nil
                    let read = try readCSV(
                        bytes, chunkSize: chunkSize, encoding: given, delimiter: csv.detectable ? nil : csv.delimiter)
                    let ok =
                        read.records.map(\.fields) == csv.rows && read.records.map(\.line) == csv.lines
                        && read.delimiter == csv.delimiter
                    #expect(read.records.map(\.fields) == csv.rows, "\(context)")
                    #expect(read.records.map(\.line) == csv.lines, "\(context)")
                    #expect(read.delimiter == csv.delimiter, "\(context)")
                    if !ok { failures += 1 }
                } catch {
                    Issue.record("\(error) — \(context)")
                    failures += 1
                }
            }
        }
        #expect(cases > 20, "only \(cases) cases in \(Self.seconds) s")
    }

    // MARK: - Mutated corpus

    /// The seed corpus: every file of `Fixtures/CSVCorpus` and `Fixtures/CSV`.
    static func corpus() throws -> [(name: String, bytes: [UInt8])] {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        var files: [(String, [UInt8])] = []
        for folder in ["CSVCorpus", "CSV"] {
            let url = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
            where name.hasSuffix(".csv") {
                files.append((name, Array(try Data(contentsOf: url.appendingPathComponent(name)))))
            }
        }
        return files
    }

    /// Bytes that steer the reader and the decoders: CSV syntax, BOMs, UTF-8 lead and continuation
    /// bytes, surrogate halves as UTF-16 bytes, NUL.
    static let interestingBytes: [UInt8] = [
        0x22, 0x2C, 0x3B, 0x09, 0x0D, 0x0A, 0x20, 0x00, 0xFF, 0xFE, 0xEF, 0xBB, 0xBF, 0xC3, 0xA9, 0x80, 0xBF, 0xE2,
        0xF0, 0x9F, 0xD8, 0xDC, 0xDF, 0xF4, 0xF8, 0xC0, 0xC1, 0xED, 0xA0,
    ]

    static func mutate(_ input: [UInt8], _ other: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<random.int(in: 1...8) {
            let position = bytes.isEmpty ? 0 : random.int(in: 0...bytes.count - 1)
            switch random.int(in: 0...7) {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: random.next())
            case 1 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8(random.int(in: 0...7))
            case 2: bytes.insert(random.pick(interestingBytes), at: position)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + random.int(in: 1...16))
                bytes.removeSubrange(position..<end)
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, position + random.int(in: 1...32))
                bytes.insert(contentsOf: bytes[position..<end], at: random.int(in: 0...bytes.count))
            case 5: bytes = Array(bytes.prefix(position))
            case 6 where !other.isEmpty:
                let start = random.int(in: 0...other.count - 1)
                bytes.insert(contentsOf: other[start..<min(other.count, start + random.int(in: 1...64))], at: position)
            default:
                bytes.insert(
                    contentsOf: Array(repeating: random.pick(interestingBytes), count: random.int(in: 1...40)),
                    at: position)
            }
        }
        return bytes
    }

    /// What reading some bytes came to.
    enum Outcome {
        case read(records: Int, largestField: Int, totalFieldBytes: Int)
        case failed(MRABatError)
        case unexpected(any Error)
    }

    static func read(_ bytes: [UInt8], chunkSize: Int, encoding: TextEncoding?) -> Outcome {
        do {
            let result = try readCSV(bytes, chunkSize: chunkSize, encoding: encoding)
            let sizes = result.records.flatMap(\.fields).map(\.utf8.count)
            return .read(
                records: result.records.count, largestField: sizes.max() ?? 0, totalFieldBytes: sizes.reduce(0, +))
        } catch let error as MRABatError {
            return .failed(error)
        } catch {
            return .unexpected(error)
        }
    }

    @Test func mutatedCorpusFilesParseOrFailWithALine() throws {
        let corpus = try Self.corpus()
        #expect(corpus.count >= 15)
        let seed = Self.seed()
        let state = FuzzState()

        let worker = Thread {
            var random = SeededRandom(seed: seed)
            let deadline = Date().addingTimeInterval(Self.seconds)
            var cases = 0
            while Date() < deadline {
                cases += 1
                let base = random.pick(corpus)
                let bytes =
                    cases <= corpus.count
                    ? corpus[cases - 1].bytes : Self.mutate(base.bytes, random.pick(corpus).bytes, &random)
                let chunkSize = random.pick([1, 2, 3, 4, 7, 13, 64, 4096])
                // Detected, or forced: a decoder must cope with bytes that are not in its encoding.
                let encoding: TextEncoding? = random.chance(0.5) ? nil : random.pick(TextEncoding.allCases)
                state.current.withLock { $0 = (cases, bytes) }
                let encodingName = encoding.map { "\($0)" } ?? "detected"
                let context =
                    "seed \(seed), case \(cases) (from \(base.name)), chunk \(chunkSize), encoding \(encodingName), "
                    + "bytes \(bytes)"
                var problem: String?
                switch Self.read(bytes, chunkSize: chunkSize, encoding: encoding) {
                case .read(_, let largest, let total):
                    // A decoded scalar takes at most 3 UTF-8 bytes per input byte (1252 €, UTF-16 BMP).
                    if largest > 3 * bytes.count || total > 3 * bytes.count {
                        problem =
                            "fields of \(total) bytes (largest \(largest)) from \(bytes.count) bytes — " + context
                    }
                    state.results.withLock { $0.parsed += 1 }
                case .failed(let error):
                    if ![.csvSyntax, .encoding].contains(error.code) || error.location?.line == nil {
                        problem = "error without a line or of an unexpected kind: \(error) — \(context)"
                    }
                case .unexpected(let error):
                    problem = "not an MRABatError: \(error) — \(context)"
                }
                if let problem {
                    state.results.withLock { if $0.problems.count < 5 { $0.problems.append(problem) } }
                }
            }
            state.results.withLock { $0.cases = cases }
            state.done.withLock { $0 = true }
        }
        worker.stackSize = 8 << 20
        worker.start()
        // A hang is a failure, not a stuck test run.
        let limit = Date().addingTimeInterval(Self.seconds + 30)
        while !state.done.withLock({ $0 }) && Date() < limit { usleep(10_000) }
        let finished = state.done.withLock { $0 }
        let (hungCase, hungBytes) = state.current.withLock { $0 }
        #expect(finished, "the reader hung on case \(hungCase) (seed \(seed)): bytes \(hungBytes)")
        guard finished else { return }
        let (cases, parsed, problems) = state.results.withLock { ($0.cases, $0.parsed, $0.problems) }
        #expect(problems == [], "seed \(seed)")
        #expect(cases > 100, "only \(cases) cases in \(Self.seconds) s")
        #expect(parsed > 0 && parsed < cases, "mutations never \(parsed == 0 ? "parsed" : "failed"): they test nothing")
    }

    // MARK: - Known shapes the generators reach only by luck

    @Test(arguments: [1, 7, 4096])
    func pathologicalInputsStayBounded(chunkSize: Int) throws {
        let cases: [[UInt8]] = [
            Array(repeating: 0x22, count: 3_000),  // only quotes: one quoted field of doubled quotes
            Array(repeating: 0x2C, count: 3_000),  // one row of 3,001 empty fields
            Array(repeating: 0x0D, count: 3_000),  // only line breaks
            [0xFF, 0xFE] + Array(repeating: 0x00, count: 2_999),  // UTF-16 with an odd byte at the end
            [0xFE, 0xFF] + Array(repeating: [0xD8, 0x3D], count: 1_500).flatMap { $0 },  // lone high surrogates
            Array("\"a\"\"".utf8) + Array(repeating: 0x61, count: 3_000),  // a quote that never closes
        ]
        for bytes in cases {
            switch Self.read(bytes, chunkSize: chunkSize, encoding: nil) {
            case .read(_, let largest, let total):
                #expect(largest <= 3 * bytes.count && total <= 3 * bytes.count)
            case .failed(let error):
                #expect(error.location?.line != nil, "\(error)")
            case .unexpected(let error):
                Issue.record("not an MRABatError: \(error)")
            }
        }
    }
}

extension CSVFuzzTests {
    /// A header, then `prefix`, then `filler` repeated "forever" (64 MiB, so a regression fails
    /// rather than exhausting memory); counts what the reader took.
    final class EndlessSource: ByteSource {
        let bytes: [UInt8]
        let filler: UInt8
        let limit = 64 << 20
        var produced = 0

        init(prefix: String, filler: Character) {
            bytes = Array(("A,B\n" + prefix).utf8)
            self.filler = filler.asciiValue!
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            var count = 0
            while count < buffer.count && produced < limit {
                buffer[count] = produced < bytes.count ? bytes[produced] : filler
                count += 1
                produced += 1
            }
            return count
        }
    }

    @Test(arguments: [
        ("\"", "a", "a record runs over 128 KiB inside a quoted field"), ("x", "a", "a record runs over 128 KiB"),
        ("", ",", "a record has more than 16384 fields"),
        ("\"", "\"", "a record runs over 128 KiB inside a quoted field"),
    ])
    func anEndlessFieldOrRecordStopsAtTheCap(prefix: String, filler: Character, message: String) throws {
        let source = EndlessSource(prefix: prefix, filler: filler)
        var reader = try CSVReader(
            source: source, encoding: .utf8, delimiter: nil, file: "endless.csv", bufferSize: 4096)
        #expect(try reader.next()?.fields == ["A", "B"])
        do {
            _ = try reader.next()
            Issue.record("an endless record was read to the end of 64 MiB")
        } catch let error as MRABatError {
            #expect(error.code == .csvSyntax && error.message.hasPrefix(message), "\(error)")
            #expect(error.location?.line == 2, "\(error)")
        }
        // The limit plus a buffer or two of the reader and its transcoder: nowhere near the 64 MiB.
        #expect(source.produced < CSVReader.maxRecordBytes + 3 * 64 * 1024, "read \(source.produced) bytes")
    }
}

/// What the mutation run's worker thread shares with the test.
final class FuzzState: Sendable {
    /// The case being read, so that a hang can be reported with its input.
    let current = Mutex<(Int, [UInt8])>((0, []))
    let done = Mutex(false)
    let results = Mutex<(cases: Int, parsed: Int, problems: [String])>((0, 0, []))
}

/// SplitMix64: small, fast and the same everywhere, so a seed replays a failure exactly.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(in: 0...items.count - 1)] }
}
