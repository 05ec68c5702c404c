import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat job N`: one job's rows and their outcomes.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Show job N: its counts, then each row's outcome (changes, reasons).")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The job (see `mrabat jobs`).")
    var job: Int64

    @Flag(name: .long, help: "Print {\"job\": {...}, \"rows\": [...]} as JSON.")
    var json = false

    func run() async throws {
        let store = try await store.open(.readOnly)
        guard let info = try await store.job(id: job) else {
            throw MRABatError(.notFound, "there is no job \(job); `mrabat jobs` lists them", value: String(job))
        }
        if json {
            // Streamed a page at a time: a job may have a million rows.
            let head = try JobJSON.encode(JobJSON(info)).replacingOccurrences(of: "\n", with: "\n  ")
            print("{\n  \"job\": \(head),\n  \"rows\": [", terminator: "")
            var first = true
            try await forEachPage(store) { page in
                for row in page {
                    print((first ? "\n    " : ",\n    ") + (try JobJSON.encodeLine(Row(row))), terminator: "")
                    first = false
                }
            }
            print((first ? "" : "\n  ") + "]\n}")
            return
        }
        print(
            "job \(info.id): \(info.kind) \(info.input), started \(AuditTime.format(info.started))"
                + (info.finished.map { ", finished \(AuditTime.format($0))" } ?? ""))
        print(
            "accepted: \(info.accepted)  updated: \(info.updated)  unchanged: \(info.unchanged)  "
                + "deleted: \(info.deleted)  rejected: \(info.rejected)"
                + (info.undoneBy.map { "  (undone by job \($0))" } ?? "")
                + (info.undoes.map { "  (undoes job \($0))" } ?? ""))
        try await forEachPage(store) { page in
            for row in page {
                var text = "line \(row.line): \(row.outcome.rawValue)"
                if let name = row.deviceName { text += " \(name)" }
                if !row.changes.isEmpty { text += ": " + row.changes.map(PlanPrinter.change).joined(separator: "; ") }
                if let reason = row.reason { text += ": \(reason)" }
                print(text)
            }
        }
    }

    /// The job's rows, a page at a time, in line order.
    func forEachPage(_ store: any Store, _ body: ([JobRowInfo]) throws -> Void) async throws {
        var after = 0
        while true {
            let page = try await store.jobRows(jobID: job, afterLine: after, limit: 4096)
            guard let last = page.last else { return }
            after = last.line
            try body(page)
        }
    }

    /// `{"line", "outcome", "device", "changes": {FIELD: [OLD, NEW]}, "reason"}`.
    struct Row: Encodable {
        var row: JobRowInfo
        init(_ row: JobRowInfo) { self.row = row }

        enum Keys: String, CodingKey { case line, outcome, device, changes, reason }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(row.line, forKey: .line)
            try container.encode(row.outcome.rawValue, forKey: .outcome)
            try container.encode(row.deviceName, forKey: .device)
            try container.encode(
                Dictionary(row.changes.map { ($0.field, [$0.old, $0.new]) }, uniquingKeysWith: { first, _ in first }),
                forKey: .changes)
            try container.encode(row.reason, forKey: .reason)
        }
    }
}
