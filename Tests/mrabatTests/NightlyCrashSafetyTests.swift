import Foundation
import GRDB
import MRABatKit
import TestSupport
import Testing

/// SIGKILL the real `mrabat update`, `delete` and `undo`: inside the transaction (uncommitted pages
/// in the WAL) the store and the files are exactly as before; after the commit (while the config
/// files are being brought in line) the store holds all of the job, and the same command run again
/// finishes the files (SPEC §3 and §8: one transaction per job, outputs after the commit).
@Suite("killed nightly jobs, end to end", .serialized)
struct NightlyCrashSafetyTests {
    static let phones = 5000
    static let removed = 2500

    /// Runs `arguments`, killing it at `point`; returns whether the kill ended it.
    func runKilled(_ h: Harness, _ arguments: [String], at point: Point, label: String) throws -> Bool {
        if point == .walBytes && h.backend == .sqlite {
            // Emptied first, so that what the WAL holds is this job's uncommitted pages.
            try DatabaseQueue(path: h.db).writeWithoutTransaction {
                try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
        // SQLite: the WAL's size; PostgreSQL: the device and code tables', which grow with uncommitted rows.
        let startSize = h.storeBytesWritten()
        let committed = try h.count("SELECT COUNT(*) FROM job")
        let child = try RunningMRABat(h, arguments, label: label)
        let reached: Bool
        switch point {
        case .walBytes:
            reached = child.wait(until: { h.storeBytesWritten() - startSize >= 1 << 20 })
        case .committed:
            reached = child.wait(until: { ((try? h.count("SELECT COUNT(*) FROM job")) ?? 0) > committed })
        }
        child.kill()
        let result = child.wait()
        if !result.killed {
            #expect(result.status == 0, "run \(label) failed instead of being killed: \(result.stderr)")
        }
        if !reached { print("kill point \(point) not reached: run \(label) ended first") }
        return result.killed
    }

    enum Point { case walBytes, committed }

    @Test(
        "killed in its transaction, update, delete and undo leave everything as it was; killed after, a re-run finishes",
        arguments: TestBackend.allCases)
    func killedNightlyJobs(backend: TestBackend) async throws {
        let h = try Harness("nightly-kill", backend: backend)
        // On PostgreSQL, delete and undo write their rows in a few bulk statements just before they commit,
        // so no point inside their transactions can be caught from outside; update changes device after
        // device, and is killed inside its transaction there too (CrashSafetyTests kill inserts so).
        let killsInside = backend == .sqlite ? ["update", "delete", "undo"] : ["update"]
        try await h.initSample()
        let phones = (0..<Self.phones).map(NightlyPhone.number)
        try NightlyPhone.write(phones, to: h.path("night1.csv"))
        #expect(try await h.insert(h.path("night1.csv"), out: "out").status == 0)
        let template = Harness.repo(Harness.nightlyTemplate)

        // update: every phone's first display name (which the config file carries) changes.
        var changed = phones
        for index in changed.indices { changed[index].display1 = "Desk \(index), after the move" }
        try NightlyPhone.write(changed, to: h.path("night2.csv"))
        let update = ["update", h.path("night2.csv"), "--template", template, "--out", h.path("out")]
        if killsInside.contains("update") { try expectKilledInTransactionChangesNothing(h, update, label: "update") }
        let updated = try await finishAfterKillAtCommit(h, update, label: "update")
        #expect(updated.stdout.contains("updated: 0  unchanged: \(Self.phones)"), "\(updated.stdout)")
        let files = try h.fileBytes("out/tftp")
        #expect(files.count == Self.phones)
        #expect(
            files.allSatisfy { String(decoding: $0.value, as: UTF8.self).contains(", after the move</displayName>") },
            "a config file the killed update left stale was not rewritten")
        let afterUpdate = try h.fullStoreRows()

        // delete: half the phones.
        try NightlyPhone.write(Array(phones.prefix(Self.removed)), to: h.path("removed.csv"))
        let delete = ["delete", h.path("removed.csv"), "--out", h.path("out")]
        if killsInside.contains("delete") { try expectKilledInTransactionChangesNothing(h, delete, label: "delete") }
        let deleted = try await finishAfterKillAtCommit(h, delete, label: "delete")
        #expect(deleted.stdout.contains("deleted: 0  unchanged: \(Self.removed)"), "\(deleted.stdout)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == Self.phones - Self.removed)
        #expect(try h.files(in: "out/tftp").count == Self.phones - Self.removed, "a removed device's file is left")
        let deleteJob = try h.count("SELECT id FROM job WHERE kind = 'delete' AND deleted > 0")

        // undo of the delete: everything comes back exactly.
        let undo = ["undo", String(deleteJob), "--out", h.path("out")]
        if killsInside.contains("undo") { try expectKilledInTransactionChangesNothing(h, undo, label: "undo") }
        let undone = try await finishAfterKillAtCommit(h, undo, label: "undo")
        #expect(undone.stderr.contains("undone by job"), "\(undone.stderr)")
        #expect(try h.fullStoreRows() == afterUpdate, "the undo did not bring the devices back exactly")
        #expect(try h.fileBytes("out/tftp") == files, "the undo did not bring the config files back exactly")
        #expect(try h.checkStoreInvariants() == [])
        #expect(h.temporaryFiles(in: "out/tftp") == [])
    }

    /// Killed with uncommitted pages in the WAL: the store's rows and the config files are as before.
    func expectKilledInTransactionChangesNothing(_ h: Harness, _ arguments: [String], label: String) throws {
        let store = try h.fullStoreRows()
        let jobs = try h.count("SELECT COUNT(*) FROM job")
        let files = try h.fileBytes("out/tftp")
        #expect(try runKilled(h, arguments, at: .walBytes, label: "\(label)-wal"), "\(label) ended before its WAL grew")
        #expect(try h.fullStoreRows() == store, "a killed \(label) left some of its writes")
        #expect(try h.count("SELECT COUNT(*) FROM job") == jobs)
        #expect(try h.fileBytes("out/tftp") == files, "a killed \(label) changed config files before its commit")
        #expect(try h.checkStoreInvariants() == [])
    }

    /// Killed just after its commit, then run again to the end: returns the re-run's result.
    func finishAfterKillAtCommit(_ h: Harness, _ arguments: [String], label: String) async throws -> Harness.Result {
        let jobs = try h.count("SELECT COUNT(*) FROM job")
        _ = try runKilled(h, arguments, at: .committed, label: "\(label)-committed")
        #expect(try h.count("SELECT COUNT(*) FROM job") == jobs + 1, "\(label) did not commit")
        #expect(try h.checkStoreInvariants() == [])
        let again = try await h.run(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        let problems = try h.checkOutputs("out")
        #expect(problems == [], "\(label): \(problems.prefix(3))")
        return again
    }
}
