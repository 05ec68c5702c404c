import Foundation
import GRDB
import MRABatKit
import TestSupport
import Testing

/// Two `mrabat insert` processes on one store at the same time (issue 3): both finish correctly —
/// one waits for the other's transaction, or fails cleanly with the retryable status 3 — and the
/// store never holds a duplicate device, name or code.
@Suite("inserts at once, end to end", .timeLimit(.minutes(15)))
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

    @Test("the same file twice", arguments: TestBackend.allCases, [false, true])
    func sameFile(backend: TestBackend, sharedOutputFolder: Bool) async throws {
        let h = try Harness("twice", backend: backend)
        try await h.initSample()
        // No insert before: both processes also race to create the code key file.
        #expect(!FileManager.default.fileExists(atPath: h.keyFile))
        let file = try GeneratedBATFile.write(to: h.path("phones.csv"), rows: 0..<2500)
        let outs = sharedOutputFolder ? ["out", "out"] : ["out0", "out1"]
        var outcomes = try runTogether(h, [(file.path, outs[0]), (file.path, outs[1])])

        for (index, outcome) in outcomes.enumerated() {
            #expect(outcome.finished || outcome.failedRetryably, "run \(index): \(outcome.status) \(outcome.stderr)")
        }
        #expect(outcomes.contains { $0.finished }, "neither run finished")
        // A run that gave up is retried, as its message says; then it must find everything in place.
        for index in outcomes.indices where outcomes[index].failedRetryably {
            let retry = try await h.insert(file.path, out: outs[index])
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
        let names = Set(try h.strings("SELECT name FROM device"))
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

    @Test("overlapping files", arguments: TestBackend.allCases)
    func overlappingFiles(backend: TestBackend) async throws {
        let h = try Harness("overlap", backend: backend)
        try await h.initSample()
        let a = try GeneratedBATFile.write(to: h.path("a.csv"), rows: 0..<3000)
        let b = try GeneratedBATFile.write(to: h.path("b.csv"), rows: 1500..<4500)
        let union = try GeneratedBATFile.write(to: h.path("union.csv"), rows: 0..<4500)
        let overlap = try GeneratedBATFile.write(to: h.path("overlap.csv"), rows: 1500..<3000)
        var outcomes = try runTogether(h, [(a.path, "outA"), (b.path, "outB")])
        for (index, outcome) in outcomes.enumerated() {
            #expect(outcome.finished || outcome.failedRetryably, "run \(index): \(outcome.status) \(outcome.stderr)")
        }
        for (index, csv) in [a.path, b.path].enumerated() where outcomes[index].failedRetryably {
            let retry = try await h.insert(csv, out: ["outA", "outB"][index])
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

    /// Four workers on four overlapping files into one PostgreSQL store, all at once (SPEC §9: PostgreSQL
    /// workers run at once): no device, name, MAC or code twice, and every row of every file accounted
    /// for — accepted by exactly one worker, unchanged for the others, or rejected with its reason.
    @Test("four workers, overlapping files, one PostgreSQL store")
    func fourWorkersIntoPostgreSQL() async throws {
        let h = try Harness("four", backend: .postgres)
        try await h.initSample()
        let ranges = [0..<1600, 800..<2400, 1600..<3200, 400..<2800]
        let files = try ranges.enumerated().map { index, range in
            try GeneratedBATFile.write(to: h.path("w\(index).csv"), rows: range)
        }
        let union = try GeneratedBATFile.write(to: h.path("union.csv"), rows: 0..<3200)
        let outcomes = try runTogether(h, files.enumerated().map { ($1.path, "out\($0)") })
        for (index, outcome) in outcomes.enumerated() {
            #expect(outcome.finished, "worker \(index): \(outcome.status) \(outcome.stderr)")
        }
        let counts = outcomes.compactMap(\.counts)
        try #require(counts.count == 4)
        for (index, (count, file)) in zip(counts, files).enumerated() {
            #expect(count.rows == file.rows, "worker \(index): \(count)")
            #expect(count.accepted + count.unchanged == file.accepted, "worker \(index): \(count)")
            #expect(count.rejected == file.rejectedLines.count, "worker \(index): \(count)")
            let rejects = csvRows(try h.read("out\(index)/rejects.csv")).dropFirst()
            #expect(Set(rejects.compactMap { Int($0[$0.count - 2]) }) == file.rejectedLines, "worker \(index)")
            #expect(rejects.allSatisfy { $0.last?.contains("DP-Atlantis") == true }, "worker \(index): a reason")
        }
        // Each phone was created by exactly one worker; the others found it unchanged.
        #expect(counts.map(\.accepted).reduce(0, +) == union.accepted, "\(counts)")
        #expect(try h.checkStoreInvariants() == [])
        #expect(try h.count("SELECT COUNT(*) FROM device") == union.accepted)
        #expect(try h.count("SELECT COUNT(*) FROM activation_code") == union.accepted, "a code issued twice")
        #expect(try h.count("SELECT COUNT(*) FROM job WHERE finished_at IS NOT NULL") == 4)
        // Every row of every file is a row of its job: accepted, unchanged or rejected.
        let perJob = try h.rows("SELECT job_id, COUNT(*) FROM job_row GROUP BY job_id ORDER BY job_id")
        #expect(perJob.map { Int($0[1] ?? "") ?? -1 }.sorted() == files.map(\.rows).sorted(), "\(perJob)")
        #expect(try h.count("SELECT COUNT(*) FROM job_row WHERE outcome = 'accepted'") == union.accepted)
        // The workers' exports agree: one code per phone, whoever created it.
        var codes: [String: String] = [:]
        for index in files.indices {
            #expect(try h.checkOutputs("out\(index)") == [])
            for (name, code) in try exportedCodes(h, "out\(index)") {
                #expect(codes[name] == nil || codes[name] == code, "\(name) got two codes")
                codes[name] = code
            }
        }
        #expect(codes.count == union.accepted)
        #expect(Set(codes.values).count == codes.count, "two devices share a code")
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
    func waitsForTheWriteLock() async throws {
        let h = try Harness("wait")
        try await h.initSample()
        let file = try GeneratedBATFile.write(to: h.path("phones.csv"), rows: 0..<200)
        // This test plays the other job: it holds the write lock for a while.
        let other = try holdWriteLock(h)
        let started = Date()
        let child = try RunningMRABat(
            h, ["insert", file.path, "--template", Self.template, "--out", h.path("out")], label: "waiting")
        usleep(1_500_000)
        #expect(child.isRunning, "the run did not wait for the write lock")
        try await other.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        let outcome = Outcome(child.wait())
        #expect(Date().timeIntervalSince(started) >= 1.5)
        #expect(outcome.status == (file.rejectedLines.isEmpty ? 0 : 1), "\(outcome.stderr)")
        #expect(outcome.counts?.accepted == file.accepted)
        #expect(try h.checkStoreInvariants() == [])
    }

    @Test("a store held past the busy timeout is a retryable error")
    func busyStoreIsRetryable() async throws {
        let h = try Harness("busy")
        try await h.initSample()
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
    func killedHolderReleasesTheWaitingRun() async throws {
        let h = try Harness("killed-holder")
        try await h.initSample()
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
        let again = try await h.insert(file.path, out: "out")
        #expect(
            again.status == 1 && again.stdout.contains("accepted: 0  unchanged: \(file.accepted)"), "\(again.stdout)")
        #expect(h.temporaryFiles(in: "out") + h.temporaryFiles(in: "out/tftp") == [])
    }
}
