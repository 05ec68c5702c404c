import ArgumentParser
import Foundation
import GRDB
import MRABatKit

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mrabat-bench",
        abstract: "Benchmark the real insert pipeline on generated BAT files against this machine's yardsticks.",
        subcommands: [Run.self, Generate.self, ServeLoad.self, PostgresBench.self, ConfigFilesBench.self],
        defaultSubcommand: Run.self)
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a generated BAT CSV file, or an .xlsx workbook of the same rows (by the extension).")

    @Option(help: "Rows to generate.") var rows: Int
    @Option(help: "Percent of rows made invalid.") var invalidPercent: Double = 3
    @Option(help: "The file to write.") var out: String

    func run() throws {
        let generator = CSVGenerator(rows: rows, invalidPercent: invalidPercent)
        if out.lowercased().hasSuffix(".xlsx") {
            let (invalid, size) = try generator.writeWorkbook(to: out)
            print("wrote \(rows) rows (\(invalid) invalid, \(size) bytes uncompressed) to \(out)")
        } else {
            let invalid = try generator.write(to: out)
            print("wrote \(rows) rows (\(invalid) invalid) to \(out)")
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the benchmark (default).")

    @Option(help: "Row counts, comma-separated.") var sizes: String = "10000,100000,1000000"
    @Option(help: "Scratch folder (a fresh subfolder is made per run).") var work: String = "/tmp/mrabat-bench"
    @Option(help: "Write results as JSON here.") var json: String = "Benchmarks/results.json"
    @Option(help: "The package root (SampleData/, Templates/).") var repo: String = "."
    @Option(help: "--jobs for insert (default: cores).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Skip the --jobs 1 comparison run.") var noJobsComparison = false

    func run() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("mrabat").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("build mrabat first: \(binary) is missing (swift build -c release)")
        }
        let cluster = repo + "/SampleData/cluster.yaml"
        let template = repo + "/Templates/mra-88xx-5line.yaml"
        let runRoot = work + "/" + ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        try FileManager.default.createDirectory(atPath: runRoot, withIntermediateDirectories: true)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("mrabat benchmark — \(cores) cores, binary \(binary)")

        // Yardsticks, measured now on this machine. The verifier yardstick is OpenSSL's generic
        // exponentiation (issue 11's bound); mrabat's own fixed-base verifier is measured beside it.
        let (verifiers, fixedBaseVerifiers) = try Yardstick.verifiersPerSecond()
        let files = try Yardstick.filesPerSecond(in: runRoot + "/yardstick-files")
        let inserts = try Yardstick.sqliteInsertsPerSecond(path: runRoot + "/yardstick.sqlite")
        print(
            String(
                format:
                    "yardstick: SRP verifier (OpenSSL BN_mod_exp_mont_consttime) %.0f/s per core (%.0f/s on %d cores); 2 KB file create %.0f/s; SQLite prepared insert %.0f rows/s",
                verifiers, verifiers * Double(cores), cores, files, inserts))
        print(
            String(
                format:
                    "fixed-base SRP verifier (%@): %.0f/s per core; fixed-base ÷ OpenSSL, one core: %.2f (target ≥ 4)",
                try Yardstick.fixedBaseTable() as NSString, fixedBaseVerifiers, fixedBaseVerifiers / verifiers))
        let issuance = try Yardstick.issuancePerSecond(count: 20_000, jobs: jobs, keyFile: runRoot + "/yardstick.key")
        print(
            String(
                format:
                    "code issuance alone (CodeIssuer, %d tasks, 20,000 codes): %.0f/s = %.0f%% of %d × OpenSSL verifier yardstick, %.0f%% of %d × fixed-base verifier",
                jobs, issuance, issuance / (verifiers * Double(cores)) * 100, cores,
                issuance / (fixedBaseVerifiers * Double(cores)) * 100, cores))
        var results: [String: Any] = [
            "issuanceAlonePerSecond": issuance,
            "cores": cores,
            "yardstick": [
                "verifiersPerSecondPerCore": verifiers, "filesPerSecond": files, "sqliteInsertsPerSecond": inserts,
                "fixedBaseVerifiersPerSecondPerCore": fixedBaseVerifiers,
                "fixedBaseOverOpenSSL": fixedBaseVerifiers / verifiers,
            ],
        ]

        let sizeList = sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if !noJobsComparison, let size = sizeList.first {
            print("--jobs 1 comparison on \(size) rows:")
            let csv = runRoot + "/bat-\(size).csv"
            _ = try CSVGenerator(rows: size).write(to: csv)
            let single = try measure(
                binary: binary, csv: csv, size: size, invalid: 0, cluster: cluster, template: template,
                directory: runRoot + "/insert-\(size)-jobs1", jobs: 1, cores: cores, verifiers: verifiers, files: files,
                inserts: inserts)
            results["jobs1"] = single
        }
        var runs: [[String: Any]] = []
        for size in sizeList {
            let csv = runRoot + "/bat-\(size).csv"
            let invalid = try CSVGenerator(rows: size).write(to: csv)
            var record = try measure(
                binary: binary, csv: csv, size: size, invalid: invalid, cluster: cluster, template: template,
                directory: runRoot + "/insert-\(size)", jobs: jobs, cores: cores, verifiers: verifiers, files: files,
                inserts: inserts)
            if size == 100_000 {
                let db = runRoot + "/insert-\(size)/mrabat.sqlite"
                let validate = try ChildProcess.run(binary, ["validate", csv, "--template", template, "--db", db])
                record["validateSeconds"] = validate.seconds
                record["validatePeakRSSBytes"] = validate.peakRSSBytes
                print(
                    String(
                        format: "  validate %d rows: %.2f s (target ≤ 1 s), peak RSS %.1f MB (exit %d)", size,
                        validate.seconds,
                        Double(validate.peakRSSBytes) / 1_048_576, validate.status))
                record["workbook"] = try measureWorkbook(
                    binary: binary, size: size, template: template, db: db, directory: runRoot)
                record["update"] = try measureUpdate(
                    binary: binary, size: size, template: template, directory: runRoot + "/insert-\(size)",
                    csv: runRoot + "/bat-\(size)-changed.csv")
            }
            runs.append(record)
        }
        results["runs"] = runs
        if let scaling = Self.scaling(runs) { results["scaling"] = scaling }
        let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: json).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: json))
        print("results: \(json)")
    }

    /// `validate` of the same rows as an `.xlsx` workbook (written by a child, `mrabat-bench generate`,
    /// so that this process stays small: a spawned child's ru_maxrss starts from its parent's size).
    func measureWorkbook(binary: String, size: Int, template: String, db: String, directory: String) throws
        -> [String: Any]
    {
        let workbook = directory + "/bat-\(size).xlsx"
        let bench = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let generated = try ChildProcess.run(bench, ["generate", "--rows", String(size), "--out", workbook])
        guard generated.status == 0 else { throw BenchError("generating \(workbook) failed: \(generated.status)") }
        let compressed = try FileManager.default.attributesOfItem(atPath: workbook)[.size] as? Int ?? 0
        let uncompressed = try Self.uncompressedSize(of: workbook)
        let validate = try ChildProcess.run(binary, ["validate", workbook, "--template", template, "--db", db])
        print(
            String(
                format:
                    "  validate %d-row .xlsx (%.1f MB, %.1f MB uncompressed): %.2f s, %.0f rows/s, peak RSS %.1f MB (exit %d)",
                size, Double(compressed) / 1_048_576, Double(uncompressed) / 1_048_576, validate.seconds,
                Double(size) / validate.seconds, Double(validate.peakRSSBytes) / 1_048_576, validate.status))
        return [
            "rows": size, "bytes": compressed, "uncompressedBytes": uncompressed, "validateSeconds": validate.seconds,
            "validatePeakRSSBytes": validate.peakRSSBytes, "validateStatus": validate.status,
        ]
    }

    /// The sum of a ZIP archive's entries' uncompressed sizes, from its central directory (at its end).
    static func uncompressedSize(of path: String) throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BenchError("cannot read \(path)") }
        defer { try? handle.close() }
        let end = try handle.seekToEnd()
        try handle.seek(toOffset: end > 1 << 16 ? end - (1 << 16) : 0)
        let bytes = [UInt8](try handle.readToEnd() ?? Data())
        var total = 0
        var index = 0
        while index + 46 <= bytes.count {
            if bytes[index] == 0x50 && bytes[index + 1] == 0x4B && bytes[index + 2] == 1 && bytes[index + 3] == 2 {
                total += (0..<4).reduce(0) { $0 | Int(bytes[index + 24 + $1]) << (8 * $1) }
                index += 46
            } else {
                index += 1
            }
        }
        return total
    }

    static func countEntries(in directory: String) throws -> Int {
        guard let handle = opendir(directory) else { throw BenchError("cannot read \(directory)") }
        defer { closedir(handle) }
        var count = 0
        while let entry = readdir(handle) {
            let first = withUnsafeBytes(of: entry.pointee.d_name) { $0.first }
            if first != UInt8(ascii: ".") { count += 1 }
        }
        return count
    }

    static func countLines(in path: String) throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BenchError("cannot read \(path)") }
        defer { try? handle.close() }
        var count = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            count += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        return count
    }

    /// The nightly case: `update` of the store `directory` holds with the same file, every tenth
    /// row changed (description; half of them the device pool too), outputs in the same folder.
    func measureUpdate(binary: String, size: Int, template: String, directory: String, csv: String) throws
        -> [String: Any]
    {
        let (invalid, changed, configChanged) = try CSVGenerator(rows: size, changeEvery: 10).writeCounting(to: csv)
        let out = directory + "/out"
        let result = try ChildProcess.run(
            binary,
            ["update", csv, "--template", template, "--out", out, "--db", directory + "/mrabat.sqlite", "--quiet"])
        guard result.status <= 1 else { throw BenchError("update of \(size) rows failed with status \(result.status)") }
        let summary = try JSONDecoder().decode(
            JobSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        let correct =
            summary.updated == changed && summary.accepted == 0 && summary.rejected == invalid
            && summary.unchanged == size - invalid - changed && summary.configFilesWritten == configChanged
        print(
            String(
                format:
                    "  update of %d rows, %d changed: %.2f s wall, %.0f rows/s, peak RSS %.1f MB, updated %d, unchanged %d, files written %d, %@",
                size, changed, result.seconds, Double(size) / result.seconds, Double(result.peakRSSBytes) / 1_048_576,
                summary.updated, summary.unchanged, summary.configFilesWritten,
                correct
                    ? "as expected"
                    : "CHECK FAILED (expected \(changed) updated, \(invalid) rejected, \(configChanged) files written)")
        )
        for stage in ["read+validate", "naming", "codes", "store", "tftp", "export"] {
            guard let seconds = summary.stageSeconds[stage] else { continue }
            print(String(format: "    %-14@ %7.2f s", stage as NSString, seconds))
        }
        return [
            "rows": size, "changed": changed, "wallSeconds": result.seconds, "peakRSSBytes": result.peakRSSBytes,
            "updated": summary.updated, "unchanged": summary.unchanged, "rejected": summary.rejected,
            "configFilesWritten": summary.configFilesWritten, "stageSeconds": summary.stageSeconds,
            "correct": correct,
        ]
    }

    /// Issue 11's scaling lines from one run that has both 100k and 1M rows: 1M wall ÷ 100k wall, the
    /// store stage's growth, and the 1M run's peak memory; nil (nothing printed) without both sizes.
    static func scaling(_ runs: [[String: Any]]) -> [String: Any]? {
        func run(_ rows: Int) -> [String: Any]? { runs.first { $0["rows"] as? Int == rows } }
        guard let small = run(100_000), let large = run(1_000_000),
            let smallWall = small["wallSeconds"] as? Double, let largeWall = large["wallSeconds"] as? Double,
            let smallStore = (small["stageSeconds"] as? [String: Double])?["store"],
            let largeStore = (large["stageSeconds"] as? [String: Double])?["store"],
            let rss = large["peakRSSBytes"] as? Int
        else { return nil }
        let wall = largeWall / smallWall
        let store = largeStore / smallStore
        let megabytes = Double(rss) / 1_048_576
        print(
            String(
                format:
                    "1M insert wall ÷ 100k insert wall: %.2f (target ≤ 10.5); store stage %.2f× its 100k figure (target ≤ 11×); peak RSS at 1M %.1f MB (target ≤ 100 MB)",
                wall, store, megabytes))
        return ["wallRatio": wall, "storeStageRatio": store, "peakRSSMegabytesAt1M": megabytes]
    }

    func measure(
        binary: String, csv: String, size: Int, invalid: Int, cluster: String, template: String, directory: String,
        jobs: Int, cores: Int, verifiers: Double, files: Double, inserts: Double
    ) throws -> [String: Any] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let db = directory + "/mrabat.sqlite"
        let out = directory + "/out"
        let initResult = try ChildProcess.run(binary, ["init", "--cluster", cluster, "--db", db])
        guard initResult.status == 0 else { throw BenchError("init failed with \(initResult.status)") }
        let result = try ChildProcess.run(
            binary,
            ["insert", csv, "--template", template, "--out", out, "--db", db, "--jobs", String(jobs), "--quiet"])
        guard result.status <= 1 else { throw BenchError("insert of \(size) rows failed with status \(result.status)") }
        let summary = try JSONDecoder().decode(
            JobSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))

        // Spot checks: every accepted row has its device, code and file.
        let queue = try DatabaseQueue(path: db)
        let (devices, codes, sample) = try queue.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM device") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM activation_code WHERE status = 'outstanding'") ?? -1,
                try String.fetchAll(db, sql: "SELECT name FROM device ORDER BY random() LIMIT 200")
            )
        }
        // Counted without holding a million names or lines: a spawned child's ru_maxrss starts from
        // this process's resident size, so the benchmark must stay small to measure mrabat honestly.
        let configFiles = try Self.countEntries(in: out + "/tftp")
        let exported = try Self.countLines(in: out + "/activation-codes.csv") - 1
        let missing = sample.filter { !FileManager.default.fileExists(atPath: out + "/tftp/\($0).cnf.xml") }
        let correct =
            devices == summary.accepted && codes == summary.accepted && configFiles == summary.accepted
            && exported == summary.accepted && missing.isEmpty && summary.accepted + summary.rejected == size
        let stages = summary.stageSeconds
        let codesSeconds = stages["codes"] ?? 0
        let codeRate = codesSeconds > 0 ? Double(summary.accepted) / codesSeconds : 0
        print(
            String(
                format:
                    "%8d rows (jobs %d): %.2f s wall, %.0f devices/s, peak RSS %.1f MB, accepted %d, rejected %d (%d generated invalid), %@",
                size, jobs, result.seconds, Double(summary.accepted) / result.seconds,
                Double(result.peakRSSBytes) / 1_048_576, summary.accepted, summary.rejected, invalid,
                correct
                    ? "all present"
                    : "CHECK FAILED (devices \(devices), codes \(codes), files \(configFiles), exported \(exported), missing \(missing.count))"
            ))
        let yardsticks: [String: Double] = [
            "codes": codeRate / (verifiers * Double(cores)),
            "tftp": (stages["tftp"].map { Double(summary.accepted) / $0 } ?? 0) / files,
            "store": (stages["store"].map { Double(summary.accepted) / $0 } ?? 0) / inserts,
        ]
        for stage in ["read+validate", "naming", "codes", "store", "tftp", "export"] {
            let seconds = stages[stage] ?? 0
            let ratio = yardsticks[stage].map { String(format: "  (%.0f%% of yardstick)", $0 * 100) } ?? ""
            print(
                String(
                    format: "    %-14@ %7.2f s  %10.0f rows/s%@", stage as NSString, seconds,
                    seconds > 0 ? Double(size) / seconds : 0, ratio as NSString))
        }
        print(String(format: "    wall / codes stage: %.2f", codesSeconds > 0 ? result.seconds / codesSeconds : 0))
        // Issue 11's bound: N verifiers by OpenSSL's generic exponentiation on every core.
        let verifierBound = Double(size) / (Double(cores) * verifiers)
        print(
            String(
                format:
                    "    insert wall ÷ (N / (cores × OpenSSL generic verifier rate)): %.2f (bound %.2f s; target ≤ 0.7)",
                result.seconds / verifierBound, verifierBound))
        return [
            "wallOverVerifierBound": result.seconds / verifierBound,
            "rows": size, "jobs": jobs, "wallSeconds": result.seconds, "peakRSSBytes": result.peakRSSBytes,
            "accepted": summary.accepted, "rejected": summary.rejected, "generatedInvalid": invalid,
            "devicesPerSecond": Double(summary.accepted) / result.seconds, "stageSeconds": stages,
            "codesPerSecond": codeRate, "ratioToYardstick": yardsticks, "correct": correct,
            "wallOverCodes": codesSeconds > 0 ? result.seconds / codesSeconds : 0,
        ]
    }
}
