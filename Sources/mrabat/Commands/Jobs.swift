import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat jobs`: the job history.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the jobs run on the store: id, kind, input, when, counts.")

    @OptionGroup var store: StoreOptions

    @Flag(name: .long, help: "Print a JSON array instead of a table.")
    var json = false

    func run() async throws {
        let jobs = try await store.open(.readOnly).jobs()
        if json {
            print(try JobJSON.encode(jobs.map(JobJSON.init)))
            return
        }
        let header = ["ID", "KIND", "STARTED", "FINISHED", "ACCEPTED", "UPDATED", "UNCHANGED", "DELETED", "REJECTED"]
        var rows = [header + ["INPUT"]]
        for job in jobs {
            var input = job.input
            if let undoneBy = job.undoneBy { input += " (undone by job \(undoneBy))" }
            rows.append(
                [
                    String(job.id), job.kind, AuditTime.format(job.started), job.finished.map(AuditTime.format) ?? "-",
                    String(job.accepted), String(job.updated), String(job.unchanged), String(job.deleted),
                    String(job.rejected), input,
                ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = row.indices.map {
                $0 < widths.count ? row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) : row[$0]
            }
            print(padded.joined(separator: "  "))
        }
    }
}

/// A job as `jobs --json` and `job N --json` print it (SPEC §8's keys, plus the undo links).
struct JobJSON: Encodable {
    var id: Int64
    var kind: String
    var input: String
    var started: String
    var finished: String?
    var accepted, unchanged, updated, deleted, rejected: Int
    var committed: Bool
    var undoneBy: Int64?
    var undoes: Int64?

    init(_ job: JobInfo) {
        id = job.id
        kind = job.kind
        input = job.input
        started = AuditTime.format(job.started)
        finished = job.finished.map(AuditTime.format)
        accepted = job.accepted
        unchanged = job.unchanged
        updated = job.updated
        deleted = job.deleted
        rejected = job.rejected
        committed = job.committed
        undoneBy = job.undoneBy
        undoes = job.undoes
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, input, started, finished, accepted, unchanged, updated, deleted, rejected, committed, undoneBy,
            undoes
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(input, forKey: .input)
        try container.encode(started, forKey: .started)
        try container.encode(finished, forKey: .finished)
        try container.encode(accepted, forKey: .accepted)
        try container.encode(unchanged, forKey: .unchanged)
        try container.encode(updated, forKey: .updated)
        try container.encode(deleted, forKey: .deleted)
        try container.encode(rejected, forKey: .rejected)
        try container.encode(committed, forKey: .committed)
        try container.encode(undoneBy, forKey: .undoneBy)
        try container.encode(undoes, forKey: .undoes)
    }

    /// `value` as compact JSON on one line, keys sorted.
    static func encodeLine<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
