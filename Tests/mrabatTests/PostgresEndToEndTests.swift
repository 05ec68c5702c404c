import Foundation
import MRABatKit
import TestSupport
import Testing

/// `--db postgres://…` from the command line: init on an empty database, TLS, errors that name the
/// server and never the password, exit statuses.
@Suite("mrabat against PostgreSQL, end to end", .timeLimit(.minutes(15)))
struct PostgresEndToEndTests {
    /// `url` with `query` appended.
    func with(_ url: String, _ query: String) -> String { url + (url.contains("?") ? "&" : "?") + query }

    @Test func initOnAnEmptyDatabaseThenEveryCommandOverTLSOrNot() async throws {
        let h = try Harness("pg-cli", backend: .postgres)
        let before = try await h.run(["expire"])
        #expect(before.status == 3, "\(before.stderr)")
        #expect(before.stderr.contains("has no mrabat schema yet; run `mrabat init"), "\(before.stderr)")
        try await h.initSample()
        #expect(try await h.insert(InsertEndToEndTests.phones, out: "out").status == 0)
        // The throwaway server offers TLS (checked below): `require` gets it (PostgresNIO fails the connection
        // otherwise), `disable` does without, and `prefer`, the default, took it above.
        for mode in ["require", "disable"] {
            let result = try await h.run(
                ["export-codes", "--out", h.path("codes-\(mode).csv")],
                environment: ["MRABAT_DB": with(h.db, "sslmode=\(mode)")])
            #expect(result.status == 0, "\(mode): \(result.stderr)")
            #expect(csvRows(try h.read("codes-\(mode).csv")).count == 61)
        }
        // The server does offer it: a libpq client's session on the same URL is encrypted.
        #expect(
            try TestPostgres.query(
                with(h.db, "sslmode=prefer"), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [["t"]])
        let history = try await h.run(["history", try h.strings("SELECT name FROM device ORDER BY id LIMIT 1")[0]])
        #expect(history.status == 0 && history.stdout.contains("issue  ok  job 1 line 2"), "\(history.stdout)")
    }

    @Test func connectionErrorsNameTheServerAndNeverThePassword() async throws {
        let h = try Harness("pg-errors", backend: .postgres)
        let server = URL(string: h.db.replacingOccurrences(of: "postgres://", with: "http://"))!
        let port = server.port ?? 5432
        // Nothing listens on port 1.
        let refused = try await h.run(["expire"], environment: ["MRABAT_DB": "postgres://mrabat@127.0.0.1:1/nowhere"])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("database nowhere on 127.0.0.1 port 1 as user mrabat"), "\(refused.stderr)")
        // A wrong password from PGPASSWORD: named as a refused login, the password nowhere.
        let wrong = try await h.run(["expire"], environment: ["PGPASSWORD": "not-the-Password-42"])
        #expect(wrong.status == 3)
        #expect(
            wrong.stderr.contains("127.0.0.1 port \(port)") && wrong.stderr.contains("refused the login"),
            "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not-the-Password-42"))
        // No password at all.
        let none = try await h.run(["expire"], environment: ["PGPASSFILE": h.path("no-such-file")])
        #expect(none.status == 3 && none.stderr.contains("the server asks for a password"), "\(none.stderr)")
        // A database that does not exist.
        let missing = try await h.run(
            ["expire"], environment: ["MRABAT_DB": TestPostgres.url(h.db, database: "no_such_db")])
        #expect(missing.status == 3 && missing.stderr.contains("the database does not exist"), "\(missing.stderr)")
        // A password in the URL is refused before any connection, and not repeated.
        let inURL = try await h.run(
            ["init", "--cluster", Harness.repo("SampleData/cluster.yaml")],
            environment: ["MRABAT_DB": "postgres://mrabat:hunter2@127.0.0.1:\(port)/x"])
        #expect(inURL.status == 2)
        #expect(inURL.stderr.contains("PGPASSWORD") && !inURL.stderr.contains("hunter2"), "\(inURL.stderr)")
        // The store has no key file of its own: one must be named.
        try await h.initSample()
        let noKey = try await h.run(
            [
                "insert", InsertEndToEndTests.phones, "--template", Harness.repo("Templates/mra-88xx-5line.yaml"),
                "--out",
                h.path("out"),
            ], environment: ["MRABAT_KEY": ""])
        #expect(noKey.status == 2 && noKey.stderr.contains("pass --key FILE or set MRABAT_KEY"), "\(noKey.stderr)")
    }
}
