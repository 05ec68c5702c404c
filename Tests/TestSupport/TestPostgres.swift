import Foundation

/// A PostgreSQL server for the tests, and a fresh database on it for each test that asks.
///
/// `$MRABAT_TEST_POSTGRES_URL` names the server when set (`.ci/run` starts one with
/// `Scripts/throwaway-postgres`, and exports `PGPASSFILE` with it). Unset, the first test that needs
/// one starts a throwaway cluster with that script, once per test process, and stops it at exit, so
/// that a plain `swift test` works wherever Debian's `postgresql` is installed. Where neither works,
/// every PostgreSQL test fails, saying why: none is ever skipped.
package enum TestPostgres {
    package struct Unavailable: Error, CustomStringConvertible {
        package var description: String
    }

    /// The server's URL (its `postgres` database), or why there is none.
    private static let server: Result<String, Unavailable> = {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["MRABAT_TEST_POSTGRES_URL"], !url.isEmpty { return .success(url) }
        let script = repositoryRoot + "/Scripts/throwaway-postgres"
        let output: String
        do {
            let result = try run(script, [])
            guard result.status == 0 else {
                return .failure(
                    Unavailable(
                        description: "MRABAT_TEST_POSTGRES_URL is unset and \(script) failed (\(result.status)): "
                            + result.stderr))
            }
            output = result.stdout
        } catch {
            return .failure(Unavailable(description: "cannot run \(script): \(error)"))
        }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        guard let url = values["MRABAT_TEST_POSTGRES_URL"], let passfile = values["PGPASSFILE"],
            let directory = values["MRABAT_TEST_POSTGRES_DIR"]
        else { return .failure(Unavailable(description: "\(script) printed no URL: \(output)")) }
        // The binaries the tests start inherit these: they find the password as any user's client would.
        setenv("PGPASSFILE", passfile, 1)
        setenv("MRABAT_TEST_POSTGRES_OWNED_DIR", directory, 1)
        atexit {
            guard let directory = getenv("MRABAT_TEST_POSTGRES_OWNED_DIR").map({ String(cString: $0) }) else { return }
            _ = try? TestPostgres.run(TestPostgres.repositoryRoot + "/Scripts/throwaway-postgres", ["stop", directory])
        }
        return .success(url)
    }()

    /// The server's URL, its `postgres` database.
    package static func serverURL() throws -> String { try server.get() }

    /// A new, empty database for one test: its URL.
    package static func freshDatabase(_ label: String) throws -> String {
        let base = try serverURL()
        let safe = label.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        let name = "t_" + String(safe.prefix(30)) + "_" + UUID().uuidString.prefix(8).lowercased()
        _ = try query(base, "CREATE DATABASE \(name)")
        return url(base, database: name)
    }

    /// `url` with its database replaced by `database`.
    package static func url(_ url: String, database: String) -> String {
        guard let slash = url.range(of: "/", range: url.range(of: "://")!.upperBound..<url.endIndex) else {
            return url + "/" + database
        }
        let query = url[slash.upperBound...].firstIndex(of: "?").map { String(url[$0...]) } ?? ""
        return String(url[..<slash.upperBound]) + database + query
    }

    /// Runs `sql` with psql against `url` (the password from `PGPASSFILE`, as for any client): the rows,
    /// each a list of its values as text, nil for NULL.
    @discardableResult
    package static func query(_ url: String, _ sql: String) throws -> [[String?]] {
        let null = "\u{1}NULL"
        let result = try run(
            psql,
            [
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t", "-F", "\u{1f}", "-R", "\u{1e}", "-P", "null=\(null)",
                "-d", url, "-c", sql,
            ])
        guard result.status == 0 else {
            throw Unavailable(description: "psql \(sql) failed (\(result.status)): \(result.stderr)")
        }
        var text = result.stdout
        if text.hasSuffix("\n") { text.removeLast() }
        return text.split(separator: "\u{1e}", omittingEmptySubsequences: true).map { record in
            record.split(separator: "\u{1f}", omittingEmptySubsequences: false).map { $0 == null ? nil : String($0) }
        }
    }

    /// The psql of the newest PostgreSQL installed, else the one on the PATH.
    private static let psql: String = {
        let versions =
            (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?
            .compactMap(Int.init).sorted() ?? []
        if let newest = versions.last { return "/usr/lib/postgresql/\(newest)/bin/psql" }
        return "/usr/bin/psql"
    }()

    package static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// Runs `program` to its end. Its output goes through files, not pipes: the script starts a server
    /// that outlives it, and a pipe's end it inherited would keep a reader waiting for good.
    private static func run(_ program: String, _ arguments: [String]) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mrabat-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        // A file that could not be made fails FileHandle(forWritingTo:) below, with its reason.
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return (
            process.terminationStatus, String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        )
    }
}
