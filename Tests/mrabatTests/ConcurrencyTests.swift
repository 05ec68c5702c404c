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
}
