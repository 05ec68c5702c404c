import ArgumentParser
import Foundation
import GRDB
import MRABatKit

/// `mrabat-bench postgres`: the same generated file into SQLite and into PostgreSQL in one run, then
/// 1, 2 and 4 workers at once into one PostgreSQL database, each with its share of the rows.
struct PostgresBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Inserts into SQLite next to PostgreSQL, then 1, 2 and 4 workers at once into PostgreSQL.")

    @Option(help: "Rows to generate.") var rows: Int = 100_000
    @Option(help: "Worker counts, comma-separated.") var workers: String = "1,2,4"
    @Option(
        help: """
            The PostgreSQL server (a URL of a database to connect to for CREATE DATABASE; the password from \
            PGPASSWORD or PGPASSFILE). Default: $MRABAT_TEST_POSTGRES_URL, else a throwaway cluster started \
            with Scripts/throwaway-postgres for this run.
            """)
    var url: String?
    @Option(help: "Scratch folder (a fresh subfolder is made per run).") var work: String = "/tmp/mrabat-bench"
    @Option(help: "The package root (SampleData/, Templates/, Scripts/).") var repo: String = "."

    func run() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("mrabat").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("build mrabat first: \(binary) is missing (swift build -c release)")
        }
        let cluster = repo + "/SampleData/cluster.yaml"
        let template = repo + "/Templates/mra-88xx-5line.yaml"
        let runRoot =
            work + "/pg-" + ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        try FileManager.default.createDirectory(atPath: runRoot, withIntermediateDirectories: true)
        var server = try Server(url: url ?? ProcessInfo.processInfo.environment["MRABAT_TEST_POSTGRES_URL"], repo: repo)
        defer { server.stop() }
        let csv = runRoot + "/bat-\(rows).csv"
        let invalid = try CSVGenerator(rows: rows).write(to: csv)
        print(
            "mrabat PostgreSQL benchmark — \(ProcessInfo.processInfo.activeProcessorCount) cores, \(rows) rows "
                + "(\(invalid) invalid), binary \(binary), server \(StoreLocation.redacted(server.url))")

        // The same file, the same binary, one after the other: SQLite, then PostgreSQL.
        let sqliteDirectory = runRoot + "/sqlite"
        try FileManager.default.createDirectory(atPath: sqliteDirectory, withIntermediateDirectories: true)
        let sqlite = try insert(
            binary, [csv], db: sqliteDirectory + "/mrabat.sqlite", key: nil, cluster: cluster, template: template,
            directory: sqliteDirectory)
        print(sqlite.line("SQLite", rows: rows))
        let postgres = try insert(
            binary, [csv], db: try server.freshDatabase(), key: runRoot + "/pg1.key", cluster: cluster,
            template: template, directory: runRoot + "/postgres")
        print(postgres.line("PostgreSQL", rows: rows))

        // Workers at once, each with a disjoint share of the same rows.
        for count in workers.split(separator: ",").compactMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) {
            let parts = try split(csv, into: count, directory: runRoot + "/parts-\(count)")
            let run = try insert(
                binary, parts, db: try server.freshDatabase(), key: runRoot + "/workers-\(count).key",
                cluster: cluster, template: template, directory: runRoot + "/workers-\(count)")
            print(run.line("PostgreSQL, \(count) worker(s) at once", rows: rows))
        }
    }

    /// What one measured run (one or more `mrabat insert` at once) did.
    struct Measured {
        var seconds: Double
        var accepted: Int
        var rejected: Int
        /// Each worker's store stage, seconds.
        var storeSeconds: [Double]
        var devicesInStore: Int
        var statuses: [Int32]

        func line(_ label: String, rows: Int) -> String {
            let stores = storeSeconds.map { String(format: "%.2f", $0) }.joined(separator: ", ")
            let ok = devicesInStore == accepted && accepted + rejected == rows && statuses.allSatisfy { $0 <= 1 }
            return String(
                format: "%@: %.2f s wall, %.0f devices/s, accepted %d, rejected %d, store stage %@ s, %@",
                label as NSString, seconds, Double(accepted) / seconds, accepted, rejected, stores as NSString,
                ok ? "all present" : "CHECK FAILED (store holds \(devicesInStore), statuses \(statuses))")
        }
    }

    /// Initialises `db`, then runs one `mrabat insert` per file, all at once, and waits for all.
    func insert(
        _ binary: String, _ files: [String], db: String, key: String?, cluster: String, template: String,
        directory: String
    ) throws -> Measured {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keyArguments = key.map { ["--key", $0] } ?? []
        let initialised = try ChildProcess.run(binary, ["init", "--cluster", cluster, "--db", db] + keyArguments)
        guard initialised.status == 0 else { throw BenchError("init of \(db) failed with \(initialised.status)") }
        let start = ContinuousClock.now
        var processes: [(Process, String)] = []
        for (index, file) in files.enumerated() {
            let out = directory + "/out-\(index)"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments =
                ["insert", file, "--template", template, "--out", out, "--db", db, "--quiet"] + keyArguments
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            processes.append((process, out))
        }
        var measured = Measured(seconds: 0, accepted: 0, rejected: 0, storeSeconds: [], devicesInStore: 0, statuses: [])
        for (process, out) in processes {
            process.waitUntilExit()
            measured.statuses.append(process.terminationStatus)
            guard process.terminationStatus <= 1 else { continue }
            let summary = try JSONDecoder().decode(
                JobSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
            measured.accepted += summary.accepted
            measured.rejected += summary.rejected
            measured.storeSeconds.append(summary.stageSeconds["store"] ?? 0)
        }
        let elapsed = ContinuousClock.now - start
        measured.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        measured.devicesInStore = try count(db: db, "SELECT COUNT(*) FROM device")
        return measured
    }

    /// `csv` in `count` files of consecutive rows, each with the header.
    func split(_ csv: String, into count: Int, directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)
        let header = lines.removeFirst()
        let share = (lines.count + count - 1) / count
        return try (0..<count).map { index in
            let path = directory + "/part-\(index).csv"
            let slice = lines[min(index * share, lines.count)..<min((index + 1) * share, lines.count)]
            try ([header] + slice).joined(separator: "\r\n").appending("\r\n").write(
                toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// A count from the store, read apart from mrabat: psql for PostgreSQL, GRDB for SQLite.
    func count(db: String, _ sql: String) throws -> Int {
        if StoreLocation.isURL(db) {
            return Int(try Server.psql(db, sql).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        return try DatabaseQueue(path: db).read { try Int.fetchOne($0, sql: sql) } ?? -1
    }

    /// The PostgreSQL server the benchmark uses, started for the run when none is named.
    struct Server {
        let url: String
        /// The throwaway cluster's folder, to stop it after the run.
        private var owned: String?

        init(url: String?, repo: String) throws {
            if let url, !url.isEmpty {
                self.url = url
                return
            }
            let output = try Self.capture(repo + "/Scripts/throwaway-postgres", [])
            var values: [String: String] = [:]
            for line in output.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
            }
            guard let url = values["MRABAT_TEST_POSTGRES_URL"], let passfile = values["PGPASSFILE"] else {
                throw BenchError("Scripts/throwaway-postgres printed no URL: \(output)")
            }
            setenv("PGPASSFILE", passfile, 1)
            self.url = url
            owned = values["MRABAT_TEST_POSTGRES_DIR"]
            self.repo = repo
        }

        private var repo = "."

        mutating func stop() {
            guard let owned else { return }
            _ = try? Self.capture(repo + "/Scripts/throwaway-postgres", ["stop", owned])
            self.owned = nil
        }

        /// A new, empty database on the server: its URL.
        func freshDatabase() throws -> String {
            let name = "bench_" + UUID().uuidString.prefix(8).lowercased()
            _ = try Self.psql(url, "CREATE DATABASE \(name)")
            guard let slash = url.range(of: "/", options: .backwards), slash.lowerBound > url.startIndex else {
                throw BenchError("\(url) names no database")
            }
            let query = url[slash.upperBound...].firstIndex(of: "?").map { String(url[$0...]) } ?? ""
            return String(url[..<slash.upperBound]) + name + query
        }

        static func psql(_ url: String, _ sql: String) throws -> String {
            try capture("/usr/bin/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        }

        /// Runs a program to its end, its output through a file (a server it starts must not hold a pipe).
        static func capture(_ program: String, _ arguments: [String]) throws -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
            // A file that could not be made fails FileHandle(forWritingTo:) below, with its reason.
            _ = FileManager.default.createFile(atPath: path.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: path) }
            let handle = try FileHandle(forWritingTo: path)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
            process.standardOutput = handle
            try process.run()
            process.waitUntilExit()
            try handle.close()
            guard process.terminationStatus == 0 else {
                throw BenchError("\(program) \(arguments.first ?? "") exited \(process.terminationStatus)")
            }
            return String(decoding: try Data(contentsOf: path), as: UTF8.self)
        }
    }
}
