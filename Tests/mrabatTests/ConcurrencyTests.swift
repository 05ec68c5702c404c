import Foundation
import GRDB
import MRABatKit
import Testing

/// Two `mrabat insert` processes on one store at the same time (issue 3): both finish correctly —
/// one waits for the other's transaction, or fails cleanly with the retryable status 3 — and the
/// store never holds a duplicate device, name or code.
@Suite("two inserts at once, end to end")
struct ConcurrencyTests {
    static let template = Harness.repo("Templates/mra-88xx-5line.yaml")

    /// What one finished run reported.
    struct Outcome {
        var status: Int32
        var stderr: String
        var counts: (rows: Int, accepted: Int, unchanged: Int, rejected: Int)?

        init(_ result: (status: Int32, killed: Bool, stdout: String, stderr: String)) {
            status = result.status
            stderr = result.stderr
            // "rows: 60  accepted: 60  unchanged: 0  rejected: 0"
            if let line = result.stdout.split(separator: "\n").first(where: { $0.hasPrefix("rows: ") }) {
                let numbers = line.split(separator: " ").compactMap { Int($0) }
                if numbers.count == 4 { counts = (numbers[0], numbers[1], numbers[2], numbers[3]) }
            }
        }

        var finished: Bool { status <= 1 && counts != nil }
        /// Exit 3 with the message that says to try again.
        var failedRetryably: Bool {
            status == 3 && stderr.contains("another mrabat process holds the store") && stderr.contains("try again")
        }
    }

    /// Starts both runs together and waits for both.
    func runTogether(_ h: Harness, _ runs: [(csv: String, out: String)]) throws -> [Outcome] {
        let children = try runs.enumerated().map { index, run in
            try RunningMRABat(
                h, ["insert", run.csv, "--template", Self.template, "--out", h.path(run.out)], label: "run\(index)")
        }
        return children.map { Outcome($0.wait()) }
    }

    /// Outstanding codes per device name, decrypted from an export file.
    func exportedCodes(_ h: Harness, _ out: String) throws -> [String: String] {
        let rows = csvRows(try h.read(out + "/activation-codes.csv")).dropFirst()
        return Dictionary(rows.map { ($0[0], $0[4]) }, uniquingKeysWith: { a, b in a == b ? a : "conflict \(a) \(b)" })
    }

    @Test("the same file twice", arguments: [false, true])
    func sameFile(sharedOutputFolder: Bool) throws {
        let h = try Harness("twice")
        try h.initSample()
        // No insert before: both processes also race to create the code key file.
        #expect(!h.exists("mrabat.sqlite.key"))
        let file = try GeneratedBATFile.write(to: h.path("phones.csv"), rows: 0..<2500)
        let outs = sharedOutputFolder ? ["out", "out"] : ["out0", "out1"]
        var outcomes = try runTogether(h, [(file.path, outs[0]), (file.path, outs[1])])

        for (index, outcome) in outcomes.enumerated() {
            #expect(outcome.finished || outcome.failedRetryably, "run \(index): \(outcome.status) \(outcome.stderr)")
        }
        #expect(outcomes.contains { $0.finished }, "neither run finished")
        // A run that gave up is retried, as its message says; then it must find everything in place.
        for index in outcomes.indices where outcomes[index].failedRetryably {
            let retry = try h.insert(file.path, out: outs[index])
            outcomes[index] = Outcome((retry.status, false, retry.stdout, retry.stderr))
        }

        // One run provisioned every phone, the other found every one unchanged.
        let counts = outcomes.compactMap(\.counts)
        #expect(counts.count == 2)
        #expect(counts.map(\.accepted).sorted() == [0, file.accepted], "\(counts)")
        #expect(counts.map(\.unchanged).sorted() == [0, file.accepted], "\(counts)")
        #expect(counts.allSatisfy { $0.rejected == file.rejectedLines.count }, "\(counts)")
        #expect(outcomes.allSatisfy { $0.status == 1 })

        #expect(try h.checkStoreInvariants() == [])
        #expect(try h.count("SELECT COUNT(*) FROM device") == file.accepted)
        #expect(try h.count("SELECT COUNT(*) FROM activation_code") == file.accepted, "a code issued twice")
        #expect(try h.count("SELECT COUNT(*) FROM job WHERE finished_at IS NOT NULL") == 2)

        // Both exports hand out the same, distinct codes: the store's, one per device.
        let names = Set(try h.query { try String.fetchAll($0, sql: "SELECT name FROM device") })
        for out in Set(outs) {
            #expect(try h.checkOutputs(out, expectedCodes: file.accepted) == [])
            #expect(Set(try h.files(in: out + "/tftp")) == Set(names.map { "\($0).cnf.xml" }))
            #expect(h.temporaryFiles(in: out) + h.temporaryFiles(in: out + "/tftp") == [])
        }
        let exports = try Set(outs).map { try exportedCodes(h, $0) }
        #expect(Set(exports[0].keys) == names)
        #expect(Set(exports[0].values).count == names.count, "two devices share a code")
        if exports.count == 2 { #expect(exports[0] == exports[1], "the two runs exported different codes") }
    }

    @Test("overlapping files")
    func overlappingFiles() throws {
        let h = try Harness("overlap")
        try h.initSample()
        let a = try GeneratedBATFile.write(to: h.path("a.csv"), rows: 0..<3000)
        let b = try GeneratedBATFile.write(to: h.path("b.csv"), rows: 1500..<4500)
        let union = try GeneratedBATFile.write(to: h.path("union.csv"), rows: 0..<4500)
        let overlap = try GeneratedBATFile.write(to: h.path("overlap.csv"), rows: 1500..<3000)
        var outcomes = try runTogether(h, [(a.path, "outA"), (b.path, "outB")])
        for (index, outcome) in outcomes.enumerated() {
            #expect(outcome.finished || outcome.failedRetryably, "run \(index): \(outcome.status) \(outcome.stderr)")
        }
        for (index, csv) in [a.path, b.path].enumerated() where outcomes[index].failedRetryably {
            let retry = try h.insert(csv, out: ["outA", "outB"][index])
            outcomes[index] = Outcome((retry.status, false, retry.stdout, retry.stderr))
        }
        let counts = outcomes.compactMap(\.counts)
        try #require(counts.count == 2)

        // Whichever committed second found the shared phones unchanged and provisioned only its own.
        #expect(counts[0].accepted + counts[1].accepted == union.accepted, "\(counts)")
        #expect(counts.map(\.unchanged).sorted() == [0, overlap.accepted], "\(counts)")
        #expect(counts[0].accepted + counts[0].unchanged == a.accepted)
        #expect(counts[1].accepted + counts[1].unchanged == b.accepted)

        #expect(try h.checkStoreInvariants() == [])
        #expect(try h.count("SELECT COUNT(*) FROM device") == union.accepted)
        #expect(try h.count("SELECT COUNT(*) FROM activation_code") == union.accepted, "a code issued twice")
        let codesA = try exportedCodes(h, "outA")
        let codesB = try exportedCodes(h, "outB")
        let common = Set(codesA.keys).intersection(codesB.keys)
        #expect(common.count == overlap.accepted)
        #expect(common.allSatisfy { codesA[$0] == codesB[$0] }, "a shared phone got two codes")
        #expect(Set(codesA.values).union(codesB.values).count == union.accepted, "two devices share a code")
        for out in ["outA", "outB"] {
            #expect(try h.checkOutputs(out) == [])
        }
    }

    /// A connection that holds the store's write lock (an open `BEGIN IMMEDIATE`) until rolled back.
    func holdWriteLock(_ h: Harness) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let queue = try DatabaseQueue(path: h.db, configuration: configuration)
        try queue.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        return queue
    }

    @Test("a run waits while another holds the store, and proceeds when it lets go")
    func waitsForTheWriteLock() throws {
        let h = try Harness("wait")
        try h.initSample()
        let file = try GeneratedBATFile.write(to: h.path("phones.csv"), rows: 0..<200)
        // This test plays the other job: it holds the write lock for a while.
        let other = try holdWriteLock(h)
        let started = Date()
        let child = try RunningMRABat(
            h, ["insert", file.path, "--template", Self.template, "--out", h.path("out")], label: "waiting")
        usleep(1_500_000)
        #expect(child.isRunning, "the run did not wait for the write lock")
        try other.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        let outcome = Outcome(child.wait())
        #expect(Date().timeIntervalSince(started) >= 1.5)
        #expect(outcome.status == (file.rejectedLines.isEmpty ? 0 : 1), "\(outcome.stderr)")
        #expect(outcome.counts?.accepted == file.accepted)
        #expect(try h.checkStoreInvariants() == [])
    }

    @Test("a store held past the busy timeout is a retryable error")
    func busyStoreIsRetryable() async throws {
        let h = try Harness("busy")
        try h.initSample()
        let other = try holdWriteLock(h)
        defer { try? other.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") } }
        // The binary waits 60 s; the library with a short timeout shows what it then reports.
        do {
            let store = try SQLiteStore(path: h.db, busyTimeout: 0.2)
            _ = try await store.beginJob(kind: "insert", input: "x.csv", template: "t", now: Date())
            Issue.record("a job started while another held the store")
        } catch let error as MRABatError {
            #expect(error.code == .storeBusy, "\(error)")
            #expect("\(error)".contains("another mrabat process holds the store; try again"), "\(error)")
        }
    }

    @Test("a job killed while another waits for it does not block or spoil the waiting one")
    func killedHolderReleasesTheWaitingRun() throws {
        let h = try Harness("killed-holder")
        try h.initSample()
        let file = try GeneratedBATFile.write(to: h.path("phones.csv"), rows: 0..<4000)
        let args = ["insert", file.path, "--template", Self.template, "--out", h.path("out")]
        let holder = try RunningMRABat(h, args, label: "holder")
        // Its rejects file is opened just before its transaction starts; codes for 4000 rows take
        // seconds, so 0.5 s later it holds the lock with nothing committed.
        let started = holder.wait(until: { h.temporaryFiles(in: "out").contains { $0.hasPrefix(".rejects.csv.tmp.") } })
        #expect(started, "the first run ended before it started writing")
        usleep(200_000)
        let waiting = try RunningMRABat(h, args, label: "waiting")
        usleep(300_000)
        holder.kill()
        #expect(holder.wait().killed)
        let outcome = Outcome(waiting.wait())
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.counts?.accepted == file.accepted, "\(String(describing: outcome.counts))")
        #expect(try h.checkStoreInvariants() == [])
        #expect(try h.count("SELECT COUNT(*) FROM device") == file.accepted)
        #expect(try h.count("SELECT COUNT(*) FROM job") == 1, "the killed run committed")
        #expect(try h.checkOutputs("out", expectedCodes: file.accepted) == [])
        // The killed run's temporary files stay while the other run uses the folder (it cannot
        // tell them from live ones); the next run that has the folder to itself removes them.
        let again = try h.insert(file.path, out: "out")
        #expect(
            again.status == 1 && again.stdout.contains("accepted: 0  unchanged: \(file.accepted)"), "\(again.stdout)")
        #expect(h.temporaryFiles(in: "out") + h.temporaryFiles(in: "out/tftp") == [])
    }
}
