import Foundation
import GRDB
import MRABatKit
import TestSupport

/// Runs the built `mrabat` binary in a scratch folder with its own store: an SQLite file there, or a
/// fresh PostgreSQL database (``TestPostgres``) with the sealing key's file there.
struct Harness {
    /// The package root (see ``BuiltPackage``).
    static var root: URL { BuiltPackage.root }

    /// The built `mrabat` binary (see ``BuiltPackage``).
    static var binary: String { BuiltPackage.binary }

    static func repo(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A fresh folder (never reused) holding the store (SQLite) and outputs.
    let directory: String
    let backend: TestBackend
    /// `--db`: the SQLite file, or the PostgreSQL URL.
    let db: String
    /// The sealing key's file: `<store>.key` for SQLite (its default), in the folder for PostgreSQL.
    var keyFile: String { backend == .sqlite ? db + ".key" : directory + "/mrabat.key" }

    init(_ label: String = "e2e", backend: TestBackend = .sqlite) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mrabat-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        directory = url.path
        self.backend = backend
        db = backend == .sqlite ? url.path + "/mrabat.sqlite" : try TestPostgres.freshDatabase(label)
    }

    /// The environment a run gets: the store and, for PostgreSQL, the key file (it has no default).
    var storeEnvironment: [String: String] {
        var env = ["MRABAT_DB": db]
        if backend == .postgres { env["MRABAT_KEY"] = keyFile }
        return env
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `mrabat args…` with the store in this harness's folder.
    ///
    /// Waits without holding a thread: tests run on the cooperative pool (two threads on two cores), and
    /// a blocking wait for a child that takes seconds starved every other test's tasks — timeouts in
    /// the serve tests, which wait on their servers, on a loaded machine. The child writes to files
    /// outside the harness folder (never blocked by a full pipe, never a stray file in listings).
    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment.merging(storeEnvironment) { $1 }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("mrabat-run-\(UUID().uuidString)")
        let outPath = capture.path + ".stdout"
        let errPath = capture.path + ".stderr"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        guard FileManager.default.createFile(atPath: outPath, contents: nil),
            FileManager.default.createFile(atPath: errPath, contents: nil),
            let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath)
        else { throw MRABatError(.io, "cannot create the files for mrabat's output at \(capture.path)") }
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        try await withCheckedThrowingContinuation { (finished: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in finished.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                finished.resume(throwing: error)
            }
        }
        func text(_ path: String) -> String {
            String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data(), as: UTF8.self)
        }
        return Result(status: process.terminationStatus, stdout: text(outPath), stderr: text(errPath))
    }

    func initSample() async throws {
        let result = try await run(["init", "--cluster", Self.repo("SampleData/cluster.yaml")])
        precondition(result.status == 0, result.stderr)
    }

    func insert(_ csv: String, template: String = "Templates/mra-88xx-5line.yaml", out: String, _ extra: [String] = [])
        async throws -> Result
    {
        try await run(["insert", csv, "--template", Self.repo(template), "--out", directory + "/" + out] + extra)
    }

    func path(_ relative: String) -> String { directory + "/" + relative }

    func write(_ name: String, _ text: String) throws -> String {
        let path = self.path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    func files(in relative: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path(relative)).sorted()
    }

    func mode(_ relative: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path(relative))
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Opens the SQLite store read-only, as a separate connection.
    func query<T>(_ body: (Database) throws -> T) throws -> T {
        precondition(backend == .sqlite, "query(_:) reads an SQLite store; use rows(_:) for any backend")
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: db, configuration: configuration)
        return try queue.read(body)
    }

    /// Every row `sql` selects, each value as text (nil for NULL; a flag as 0 or 1), through a
    /// connection of its own: GRDB for SQLite, psql for PostgreSQL.
    func rows(_ sql: String) throws -> [[String?]] {
        switch backend {
        case .sqlite:
            return try query { db in
                try Row.fetchAll(db, sql: sql).map { row in
                    row.databaseValues.map { value in
                        switch value.storage {
                        case .null: nil
                        case .int64(let number): String(number)
                        case .double(let number): String(number)
                        case .string(let text): text
                        case .blob(let data): data.map { String(format: "%02x", $0) }.joined()
                        }
                    }
                }
            }
        case .postgres:
            // As SQLite's: flags 0 or 1, BYTEA as plain hex.
            return try TestPostgres.query(db, sql).map { row in
                row.map { value in
                    guard let value else { return nil }
                    if value == "t" { return "1" }
                    if value == "f" { return "0" }
                    return value.hasPrefix("\\x") ? String(value.dropFirst(2)) : value
                }
            }
        }
    }

    /// Bytes the store has written so far, committed or not: SQLite's WAL file, PostgreSQL's device
    /// and code tables (whose pages grow with uncommitted rows too).
    func storeBytesWritten() -> Int {
        switch backend {
        case .sqlite:
            return ((try? FileManager.default.attributesOfItem(atPath: db + "-wal"))?[.size] as? NSNumber)?.intValue
                ?? 0
        case .postgres:
            let sql = "SELECT pg_relation_size('device') + pg_relation_size('activation_code')"
            return (try? count(sql)) ?? 0
        }
    }

    /// Every byte the store holds: its files (SQLite: the database, WAL and shared memory, not the
    /// key), or every row of every table as text (PostgreSQL).
    func storeContents() throws -> Data {
        switch backend {
        case .sqlite:
            var bytes = Data()
            for file in try files(in: ".") where file.hasPrefix("mrabat.sqlite") && !file.hasSuffix(".key") {
                bytes.append(try Data(contentsOf: URL(fileURLWithPath: path(file))))
            }
            return bytes
        case .postgres:
            var bytes = Data()
            let tables = try strings(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            for table in tables {
                for row in try rows("SELECT t::text FROM \(table) t ORDER BY t::text") {
                    bytes.append(Data((row.first.flatMap { $0 } ?? "").utf8))
                }
            }
            return bytes
        }
    }

    /// The first column of each row `sql` selects.
    func strings(_ sql: String) throws -> [String] { try rows(sql).compactMap { $0.first ?? nil } }

    func count(_ sql: String) throws -> Int {
        try rows(sql).first?.first.flatMap { $0 }.flatMap { Int($0) } ?? -1
    }
}

/// Parses a CSV file mrabat wrote (no embedded line breaks in these tests' values).
func csvRows(_ text: String) -> [[String]] {
    text.split(separator: "\r\n", omittingEmptySubsequences: true).map { line in
        var fields: [String] = []
        var field = ""
        var quoted = false
        var previousQuote = false
        for character in line {
            if quoted {
                if character == "\"" { quoted = false; previousQuote = true; continue }
                field.append(character)
            } else if character == "\"" {
                if previousQuote { field.append("\"") }
                quoted = true
            } else if character == "," {
                fields.append(field); field = ""
            } else {
                field.append(character)
            }
            previousQuote = false
        }
        fields.append(field)
        return fields
    }
}
