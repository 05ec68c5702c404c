import Foundation
import Testing

@Suite("the store, end to end")
struct StoreEndToEndTests {
    static let phones = Harness.repo("SampleData/phones.csv")

    @Test("an output that fails after the commit exits 6, says the job is committed, and a re-run finishes it")
    func outputFailureAfterTheCommit() async throws {
        let h = try Harness("output-after-commit")
        try await h.initSample()
        // A directory where one phone's config file goes (the sample's SEP00017E07FC10): renaming the
        // finished file onto it fails after the commit (even as root, unlike a read-only mode).
        let blocker = "out/tftp/SEP00017E07FC10.cnf.xml"
        try FileManager.default.createDirectory(atPath: h.path(blocker), withIntermediateDirectories: true)
        let first = try await h.insert(Self.phones, out: "out")
        #expect(first.status == 6, "\(first.stderr)")
        #expect(
            first.stderr.contains("is committed (60 accepted, 0 unchanged), but its outputs are incomplete"),
            "\(first.stderr)")
        #expect(first.stderr.contains("run the same command again"), "\(first.stderr)")
        #expect(first.stdout.contains("accepted: 60"), "the summary is printed: \(first.stdout)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 60)
        #expect(try h.count("SELECT COUNT(*) FROM job WHERE finished_at IS NOT NULL") == 1)
        let summary =
            try JSONSerialization.jsonObject(with: Data(try h.read("out/summary.json").utf8)) as? [String: Any]
        #expect(
            (summary?["outputFailure"] as? String)?.contains("SEP00017E07FC10") == true,
            "\(String(describing: summary))")

        try FileManager.default.removeItem(atPath: h.path(blocker))
        let again = try await h.insert(Self.phones, out: "out")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("accepted: 0  unchanged: 60"), "\(again.stdout)")
        #expect(csvRows(try h.read("out/activation-codes.csv")).count == 61, "every code exported by the re-run")
        #expect(try h.files(in: "out/tftp").count == 60)
        #expect(try h.count("SELECT COUNT(*) FROM activation_code") == 60, "no code changed")
    }

    @Test("a store the user cannot write exits 2 (not the retryable 3) and names the cause")
    func readOnlyStoreIsNotRetryable() async throws {
        let h = try Harness("read-only")
        try await h.initSample()
        #expect(chmod(h.directory, 0o755) == 0 && chmod(h.db, 0o644) == 0)
        // Permission bits do not bind root: run the binary as an unprivileged user when we are root.
        let asUser = geteuid() == 0 ? ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] : []
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            asUser + [
                Harness.binary, "insert", Self.phones, "--template", Harness.repo("Templates/mra-88xx-5line.yaml"),
                "--out", FileManager.default.temporaryDirectory.appendingPathComponent("ro-\(UUID().uuidString)").path,
                "--db", h.db,
            ]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2, "\(stderr)")
        #expect(stderr.contains("read-only") && stderr.contains("fix its permissions"), "\(stderr)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
    }

    @Test("a new store file is 0600")
    func newStoreIsOwnerOnly() async throws {
        let h = try Harness("store-mode")
        try await h.initSample()
        #expect(try h.mode("mrabat.sqlite") == 0o600)
        #expect(try await h.insert(Self.phones, out: "out").status == 0)
        #expect(try h.mode("mrabat.sqlite") == 0o600)
        #expect(try h.mode("mrabat.sqlite.key") == 0o600)
    }

    @Test("a deleted key file is refused with how to recover; no second key appears")
    func deletedKeyFileIsRefused() async throws {
        let h = try Harness("lost-key")
        try await h.initSample()
        #expect(try await h.insert(Self.phones, out: "out").status == 0)
        try FileManager.default.removeItem(atPath: h.path("mrabat.sqlite.key"))
        let export = try await h.run(["export-codes", "--out", h.path("codes.csv")])
        #expect(export.status == 2, "\(export.stderr)")
        #expect(
            export.stderr.contains("is missing") && export.stderr.contains("restore it from a backup"),
            "\(export.stderr)")
        #expect(!h.exists("mrabat.sqlite.key") && !h.exists("codes.csv"))
        let insert = try await h.insert(Harness.repo("SampleData/phones-with-errors.csv"), out: "out2")
        #expect(insert.status == 2, "\(insert.stderr)")
        #expect(try h.count("SELECT COUNT(*) FROM job") == 1, "nothing more committed")
    }
}
