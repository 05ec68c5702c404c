import Foundation
import GRDB
import MRABatKit
import TestSupport
import Testing

/// SIGKILL the real `mrabat insert` at several points of a large job, check what it leaves, then
/// run the same command again and check that it finishes the job (SPEC §3: all of a job or none of
/// it, never a half-written output, a re-run after a crash finishes the job).
///
/// Kill points are found by watching the process's effects, not by timing alone, so they land in
/// the phase they name however loaded the machine is: uncommitted frames in the WAL, the first
/// config file (outputs start only after the commit is durable), the code export's temporary file.
// Each test runs several jobs of thousands of rows, killed and re-run: longer than most on a loaded 2-core machine.
@Suite("killed jobs, end to end", .serialized, .timeLimit(.minutes(8)))
struct CrashSafetyTests {
    /// Large enough that each phase lasts seconds in a debug build, small enough for CI.
    static let rows = 8000

    /// Where a run is killed.
    enum KillPoint: CustomStringConvertible {
        /// A fixed time after start: before the store is opened, or somewhere in the transaction.
        case after(seconds: Double)
        /// The store has grown by at least this many bytes since the run started, of the job's
        /// uncommitted pages (SQLite's WAL; PostgreSQL's device and code tables).
        case uncommittedBytes(Int)
        /// The first `tftp/*.cnf.xml` has appeared: the job has committed and is writing outputs.
        case firstConfigFile
        /// `activation-codes.csv` is being written (its temporary file exists).
        case codeExport

        var description: String {
            switch self {
            case .after(let seconds): "\(seconds) s after start"
            case .uncommittedBytes(let bytes): "store grown by \(bytes) bytes"
            case .firstConfigFile: "first config file written"
            case .codeExport: "writing activation-codes.csv"
            }
        }
    }

    /// Starts the job, kills it at `point`; returns whether the kill ended it (false: it finished first).
    func runKilled(_ h: Harness, _ file: GeneratedBATFile, at point: KillPoint, label: String) throws -> Bool {
        let startSize = h.storeBytesWritten()
        let child = try RunningMRABat(
            h,
            ["insert", file.path, "--template", Harness.repo("Templates/mra-88xx-5line.yaml"), "--out", h.path("out")],
            label: label)
        let reached: Bool
        switch point {
        case .after(let seconds):
            let deadline = Date().addingTimeInterval(seconds)
            reached = child.wait(until: { Date() >= deadline })
        case .uncommittedBytes(let bytes):
            reached = child.wait(until: { h.storeBytesWritten() - startSize >= bytes })
        case .firstConfigFile:
            reached = child.wait(until: {
                ((try? FileManager.default.contentsOfDirectory(atPath: h.path("out/tftp"))) ?? []).contains {
                    $0.hasSuffix(".cnf.xml") && !$0.hasPrefix(".")
                }
            })
        case .codeExport:
            reached = child.wait(until: {
                h.temporaryFiles(in: "out").contains { $0.hasPrefix(".activation-codes.csv.tmp.") }
            })
        }
        child.kill()
        let result = child.wait()
        if !result.killed {
            #expect(result.status <= 1, "run \(label) failed instead of being killed: \(result.stderr)")
        }
        if !reached { print("kill point \(point) not reached: run \(label) ended first") }
        return result.killed
    }

    /// Devices with their outstanding code's identity: what a re-run must leave exactly as it is.
    func codeSnapshot(_ h: Harness) throws -> [String: String] {
        let rows = try h.rows(
            """
            SELECT d.name, c.identity FROM device d
            JOIN activation_code c ON c.device_id = d.id AND c.status = 'outstanding'
            """)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] ?? "", $0[1] ?? "") })
    }

    func expectConsistent(_ h: Harness, _ file: GeneratedBATFile, after point: String) throws {
        let problems = try h.checkStoreInvariants() + h.checkOutputs("out", expectedCodes: file.accepted)
        #expect(problems.isEmpty, "after \(point): \(problems)")
        let devices = try h.count("SELECT COUNT(*) FROM device")
        #expect(
            devices == 0 || devices == file.accepted, "after \(point): \(devices) devices, not 0 or \(file.accepted)")
        #expect(!h.exists("out/rejects.csv") || devices == file.accepted, "rejects.csv before the job finished")
    }

    @Test(arguments: TestBackend.allCases) func killedAtEveryPhaseThenReRunFinishesTheJob(backend: TestBackend)
        async throws
    {
        let h = try Harness("kill", backend: backend)
        try await h.initSample()
        let file = try GeneratedBATFile.write(to: h.path("phones.csv"), rows: 0..<Self.rows)
        #expect(file.rejectedLines.count > 0 && file.accepted > 5000)

        // Before the commit: nothing of the job may survive. The growth seen is this job's uncommitted pages.
        #expect(
            try runKilled(h, file, at: .uncommittedBytes(1 << 20), label: "wal"), "the job ended before the store grew")
        try expectConsistent(h, file, after: "a kill with uncommitted pages in the WAL")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0, "uncommitted devices survived a kill")
        #expect(try h.count("SELECT COUNT(*) FROM job") == 0)

        // Fixed times: before the store is open, and somewhere in the transaction (or, on a fast
        // machine, after it: then the later points still check the rest).
        for seconds in [0.2, 1.5] {
            _ = try runKilled(h, file, at: .after(seconds: seconds), label: "t\(seconds)")
            try expectConsistent(h, file, after: "a kill \(seconds) s in")
        }

        // Just after the commit: everything is in the store, the outputs are partial.
        let committedEarlier = try h.count("SELECT COUNT(*) FROM device") > 0
        #expect(
            try runKilled(h, file, at: .firstConfigFile, label: "committed"), "the job ended before its first output")
        try expectConsistent(h, file, after: "a kill while writing config files")
        #expect(
            try h.count("SELECT COUNT(*) FROM device") == file.accepted, "config files were written before the commit")
        if !committedEarlier {
            #expect(try h.files(in: "out/tftp").filter { !$0.hasPrefix(".") }.count < file.accepted)
            #expect(!h.exists("out/activation-codes.csv"))
        }
        let codes = try codeSnapshot(h)
        #expect(codes.count == file.accepted)

        // A re-run killed while it exports the codes: every config file is there, the export is not.
        #expect(try runKilled(h, file, at: .codeExport, label: "export"), "the re-run ended before its code export")
        try expectConsistent(h, file, after: "a kill while exporting codes")
        #expect(!h.exists("out/activation-codes.csv"), "a half-written export under its final name")
        #expect(try h.files(in: "out/tftp").filter { !$0.hasPrefix(".") }.count == file.accepted)
        #expect(try codeSnapshot(h) == codes, "a re-run changed codes")

        // The same command, to the end: the job is complete and nothing is new or duplicated.
        let result = try await h.insert(file.path, out: "out")
        #expect(result.status == 1, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                "rows: \(file.rows)  accepted: 0  unchanged: \(file.accepted)  rejected: \(file.rejectedLines.count)"),
            "\(result.stdout)")
        try expectComplete(h, file, codes: codes)
    }

    @Test(arguments: TestBackend.allCases) func killedJobOnTopOfAnEarlierOneLeavesTheEarlierOneAlone(
        backend: TestBackend
    ) async throws {
        let h = try Harness("kill-over", backend: backend)
        try await h.initSample()
        let first = try GeneratedBATFile.write(to: h.path("first.csv"), rows: 0..<1000)
        #expect(try await h.insert(first.path, out: "out").status == 1)
        let earlier = try codeSnapshot(h)
        #expect(earlier.count == first.accepted)

        // The second file repeats the first and adds 4000 phones; killed with uncommitted pages in the
        // WAL, emptied first so that its size is this job's.
        let second = try GeneratedBATFile.write(to: h.path("second.csv"), rows: 0..<5000)
        if backend == .sqlite {
            try await DatabaseQueue(path: h.db).writeWithoutTransaction {
                try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            #expect(h.storeBytesWritten() == 0)
        }
        #expect(
            try runKilled(h, second, at: .uncommittedBytes(1 << 20), label: "over"),
            "the job ended before the store grew")
        #expect(try h.checkStoreInvariants().isEmpty)
        #expect(try codeSnapshot(h) == earlier, "a killed job changed the earlier job's devices or codes")
        #expect(try h.count("SELECT COUNT(*) FROM job") == 1)

        let result = try await h.insert(second.path, out: "out")
        #expect(result.status == 1, "\(result.stderr)")
        let newRows = second.accepted - first.accepted
        #expect(
            result.stdout.contains(
                "rows: 5000  accepted: \(newRows)  unchanged: \(first.accepted)  "
                    + "rejected: \(second.rejectedLines.count)"
            ),
            "\(result.stdout)")
        let after = try codeSnapshot(h)
        #expect(after.count == second.accepted)
        #expect(earlier.allSatisfy { after[$0.key] == $0.value }, "the re-run changed earlier codes")
        try expectComplete(h, second, codes: nil)
    }

    /// PostgreSQL workers run at once: one killed mid-job leaves nothing of its job, a worker that was
    /// waiting for the rows it had written goes on (and creates them), and another one is untouched.
    @Test func aWorkerKilledMidJobLeavesNothingAndTheOthersComplete() async throws {
        let h = try Harness("kill-worker", backend: .postgres)
        try await h.initSample()
        let victim = try GeneratedBATFile.write(to: h.path("victim.csv"), rows: 0..<Self.rows)
        let waiting = try GeneratedBATFile.write(to: h.path("waiting.csv"), rows: 0..<500)
        let apart = try GeneratedBATFile.write(to: h.path("apart.csv"), rows: Self.rows..<(Self.rows + 1000))
        let template = Harness.repo("Templates/mra-88xx-5line.yaml")
        func start(_ file: GeneratedBATFile, _ label: String) throws -> RunningMRABat {
            try RunningMRABat(h, ["insert", file.path, "--template", template, "--out", h.path(label)], label: label)
        }
        let killed = try start(victim, "victim")
        // Its first chunk (rows 0…4095) is written, not committed.
        #expect(killed.wait(until: { h.storeBytesWritten() >= 1 << 20 }), "the victim ended before writing")
        let others = [try start(waiting, "waiting"), try start(apart, "apart")]
        // The waiting worker's insert waits on the victim's uncommitted rows (a lock wait in the server).
        let lockWaits =
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        #expect(
            killed.wait(until: { ((try? h.count(lockWaits)) ?? 0) >= 1 }, timeout: 60), "nobody waited on the victim")
        #expect(killed.isRunning, "the victim finished before it could be killed")
        killed.kill()
        #expect(killed.wait().killed)
        let results = others.map { $0.wait() }
        for (result, file) in zip(results, [waiting, apart]) {
            #expect(result.status == (file.rejectedLines.isEmpty ? 0 : 1), "\(result.stderr)")
            #expect(
                result.stdout.contains(
                    "rows: \(file.rows)  accepted: \(file.accepted)  unchanged: 0  rejected: \(file.rejectedLines.count)"
                ),
                "\(result.stdout)")
        }
        // Nothing of the victim's job: no job, no device of its own rows, no code.
        #expect(try h.checkStoreInvariants() == [])
        #expect(try h.count("SELECT COUNT(*) FROM job WHERE input_path LIKE '%victim.csv'") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM job") == 2)
        #expect(try h.count("SELECT COUNT(*) FROM device") == waiting.accepted + apart.accepted)
        #expect(try h.count("SELECT COUNT(*) FROM activation_code") == waiting.accepted + apart.accepted)
        #expect(!h.exists("victim/activation-codes.csv"))

        // Run again, the victim's job finishes around what the others made.
        let again = try await h.insert(victim.path, out: "victim")
        #expect(again.status == 1, "\(again.stderr)")
        #expect(
            again.stdout.contains(
                "rows: \(victim.rows)  accepted: \(victim.accepted - waiting.accepted)  unchanged: \(waiting.accepted)"),
            "\(again.stdout)")
        #expect(try h.checkStoreInvariants() == [])
        #expect(try h.count("SELECT COUNT(*) FROM device") == victim.accepted + apart.accepted)
    }

    /// After a run that finished: every accepted device has its config file and its code in the
    /// export (the very code the store holds), rejects are complete, no temporary file is left.
    func expectComplete(_ h: Harness, _ file: GeneratedBATFile, codes: [String: String]?) throws {
        #expect(try h.checkStoreInvariants().isEmpty)
        #expect(try h.checkOutputs("out", expectedCodes: file.accepted).isEmpty)
        let names = try h.strings("SELECT name FROM device").sorted()
        #expect(names.count == file.accepted)
        if let codes { #expect(try codeSnapshot(h) == codes, "the re-run changed codes") }
        #expect(
            try h.files(in: "out/tftp") == names.map { "\($0).cnf.xml" }, "config files are not exactly the devices'")

        // The export holds the codes the store holds (sealed under the key file), one per device.
        let vault = try CodeVault.openOrCreate(keyFile: h.keyFile)
        let sealed = try h.rows(
            """
            SELECT d.name, c.identity, c.sealed FROM device d
            JOIN activation_code c ON c.device_id = d.id AND c.status = 'outstanding'
            """
        ).reduce(into: [String: (String, [UInt8])]()) {
            $0[$1[0] ?? ""] = ($1[1] ?? "", hexBytes($1[2] ?? ""))
        }
        let exported = csvRows(try h.read("out/activation-codes.csv")).dropFirst()
        #expect(Set(exported.map { $0[0] }) == Set(names))
        #expect(exported.count == names.count)
        var mismatches = 0
        for row in exported {
            guard let (identity, box) = sealed[row[0]] else { continue }
            if try vault.open(box, associatedData: Array(identity.utf8)).digits != row[4] { mismatches += 1 }
        }
        #expect(mismatches == 0, "exported codes that are not the store's")

        let rejects = csvRows(try h.read("out/rejects.csv"))
        #expect(rejects.first?.suffix(2) == ["LINE", "REASON"])
        #expect(Set(rejects.dropFirst().compactMap { Int($0[$0.count - 2]) }) == file.rejectedLines)
        #expect(h.temporaryFiles(in: "out") + h.temporaryFiles(in: "out/tftp") == [], "temporary files left behind")
    }
}

/// The bytes of a hex string (as ``Harness/rows(_:)`` gives a blob).
func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex), index < hex.endIndex {
        bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
        index = next
    }
    return bytes
}
