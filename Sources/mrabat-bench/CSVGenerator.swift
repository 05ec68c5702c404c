import Foundation
import MRABatKit
import TestSupport

/// Generates realistic BAT CSV files: mixed models, pools and 1–5 lines, most rows without a MAC,
/// and a small share of invalid rows of several kinds.
struct CSVGenerator {
    var rows: Int
    /// Percent of rows made invalid on purpose.
    var invalidPercent: Double = 3
    var seed: UInt64 = 20_261_129
    /// Every `changeEvery`-th row (0: none) describes its phone changed: another description, and
    /// every second such row another device pool — the same file otherwise, for `update`.
    var changeEvery = 0

    static let models: [(name: String, lines: Int)] = [
        ("Cisco 8845", 5), ("Cisco 8865", 5), ("Cisco 7841", 4), ("Cisco 7821", 2), ("Cisco 7811", 1),
        ("Cisco 8851", 5), ("8861", 5), ("Cisco 7861", 5), ("Cisco 8832", 1), ("8811", 5),
    ]
    static let pools = ["DP-Dallas", "DP-NewYork", "DP-Frankfurt", "DP-Amsterdam", "DP-Singapore"]
    static let header =
        ["MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "MRA SERVICE DOMAIN"]
        + (1...5).flatMap { ["DIRECTORY NUMBER \($0)", "DISPLAY \($0)", "LINE TEXT LABEL \($0)"] }

    /// Writes the file and returns how many rows were made invalid.
    @discardableResult
    func write(to path: String) throws -> Int { try writeCounting(to: path).invalid }

    /// Writes the file; returns how many rows were made invalid, how many valid rows differ from the
    /// same file without changes (``changeEvery``), and how many of those change their config file
    /// (the device pool; a description is not in the file, and `update` rewrites only files whose bytes change).
    func writeCounting(to path: String) throws -> (invalid: Int, changed: Int, configChanged: Int) {
        guard
            let handle = FileHandle(forWritingAtPath: path)
                ?? {
                    _ = FileManager.default.createFile(atPath: path, contents: nil)
                    return FileHandle(forWritingAtPath: path)
                }()
        else { throw MRABatError(.io, "cannot write \(path)") }
        defer { try? handle.close() }
        var buffer = CSVText.record(Self.header)
        var rows = Rows(self)
        for _ in 0..<self.rows {
            let fields = rows.next()
            buffer += CSVText.record(fields)
            if buffer.utf8.count > 1 << 20 {
                handle.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        handle.write(Data(buffer.utf8))
        return (rows.invalid, rows.changed, rows.configChanged)
    }

    /// Writes the same rows as an `.xlsx` workbook, as Excel stores them: text in shared strings,
    /// directory numbers as number cells. Rows are made as the sheet is written, never all held.
    ///
    /// - Returns: the rows made invalid, and the workbook's uncompressed size in bytes.
    func writeWorkbook(to path: String) throws -> (invalid: Int, uncompressedBytes: Int) {
        var rows = Rows(self)
        let size = try XLSXWriter.write(path: path, header: Self.header, rows: self.rows) { _ in
            rows.next().map { field in
                if field.isEmpty { return .empty }
                return field.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && field.first != "0"
                    ? .number(field) : .text(field)
            }
        }
        return (rows.invalid, size)
    }

    /// Calls `body` with each generated row's fields, in order; returns how many were made invalid.
    func forEachRow(_ body: ([String]) -> Void) -> Int {
        var rows = Rows(self)
        for _ in 0..<self.rows { body(rows.next()) }
        return rows.invalid
    }

    /// The generated rows, one at a time.
    struct Rows {
        private var random: SplitMix64
        private let invalidPercent: Double
        private let changeEvery: Int
        private var dn = 10_000_000
        private var index = 0
        private(set) var invalid = 0
        private(set) var changed = 0
        private(set) var configChanged = 0

        init(_ generator: CSVGenerator) {
            random = SplitMix64(seed: generator.seed)
            invalidPercent = generator.invalidPercent
            changeEvery = generator.changeEvery
        }

        mutating func next() -> [String] {
            defer { index += 1 }
            let model = CSVGenerator.models[Int(random.next() % UInt64(CSVGenerator.models.count))]
            let pool = CSVGenerator.pools[Int(random.next() % UInt64(CSVGenerator.pools.count))]
            let lineCount = 1 + Int(random.next() % UInt64(model.lines))
            // One row in 20 has a real MAC; the rest get BAT dummy names.
            var mac = ""
            if random.next() % 20 == 0 {
                mac = String(format: "00%010llX", (UInt64(index) &* 2_654_435_761) & 0xFF_FFFF_FFFF)
            }
            let user = "user\(index)"
            var fields = [mac, "Generated phone \(index)", model.name, pool, user, ""]
            for line in 1...5 {
                if line <= lineCount {
                    dn += 1
                    fields += [String(dn), "User \(index) L\(line)", line == 1 ? "" : "Line \(line)"]
                } else {
                    fields += ["", "", ""]
                }
            }
            let isChanged = changeEvery > 0 && index % changeEvery == 0
            let poolChanged = isChanged && (index / changeEvery) % 2 == 1
            if isChanged {
                fields[1] = "Generated phone \(index), moved"
                if poolChanged {
                    let pools = CSVGenerator.pools
                    fields[3] = pools[(pools.firstIndex(of: pool).map { $0 + 1 } ?? 0) % pools.count]
                }
            }
            if Double(random.next() % 10_000) < invalidPercent * 100 {
                invalid += 1
                switch random.next() % 5 {
                case 0: fields[2] = "Cisco 7960"
                case 1: fields[3] = "DP-Dalas"
                case 2: fields[0] = "00:1A:2B:3C:4D"
                case 3: fields[6] = "12A4"
                default: fields[5] = "EU-MRAA"
                }
            } else if isChanged {
                changed += 1
                if poolChanged { configChanged += 1 }
            }
            return fields
        }
    }
}

/// A small, fast, seedable generator so generated files are the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
