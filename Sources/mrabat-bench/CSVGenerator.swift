import Foundation
import MRABatKit

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

    /// Writes the file; returns how many rows were made invalid, and how many valid rows differ
    /// from the same file without changes (``changeEvery``).
    func writeCounting(to path: String) throws -> (invalid: Int, changed: Int) {
        var random = SplitMix64(seed: seed)
        guard
            let handle = FileHandle(forWritingAtPath: path)
                ?? {
                    _ = FileManager.default.createFile(atPath: path, contents: nil)
                    return FileHandle(forWritingAtPath: path)
                }()
        else { throw MRABatError(.io, "cannot write \(path)") }
        defer { try? handle.close() }
        var buffer = CSVText.record(Self.header)
        var invalid = 0
        var changed = 0
        var dn = 10_000_000
        for index in 0..<rows {
            let model = Self.models[Int(random.next() % UInt64(Self.models.count))]
            let pool = Self.pools[Int(random.next() % UInt64(Self.pools.count))]
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
            if isChanged {
                fields[1] = "Generated phone \(index), moved"
                if (index / changeEvery) % 2 == 1 {
                    fields[3] = Self.pools[(Self.pools.firstIndex(of: pool).map { $0 + 1 } ?? 0) % Self.pools.count]
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
            }
            buffer += CSVText.record(fields)
            if buffer.utf8.count > 1 << 20 {
                handle.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        handle.write(Data(buffer.utf8))
        return (invalid, changed)
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
