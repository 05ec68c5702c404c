import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat plan`: what `update` would do with each row, writing nothing.
struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what update would do with each row — create, update (old → new), unchanged, reject — "
            + "writing nothing; exit 1 if any row would be rejected.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var input: InputOptions

    @Flag(name: .long, help: "Print {\"rows\": [...], \"totals\": {...}} as JSON instead of text.")
    var json = false

    @Flag(name: .long, help: "As update --existing-only: rows that match no device are rejected.")
    var existingOnly = false

    @Option(name: .long, help: ArgumentHelp("Write rejects.csv and summary.json here.", valueName: "dir"))
    var out: String?

    func run() async throws {
        var options = try input.jobOptions(outDirectory: out)
        options.dryRun = true
        options.kind = .update
        options.existingOnly = existingOnly
        let printer = PlanPrinter(json: json)
        let summary = try await InsertJob.run(
            store: try await store.open(.readOnly), options: options, plan: { try printer.print($0) })
        try printer.finish()
        for warning in summary.warnings { Console.error("mrabat: warning: \(warning)") }
        if let summaryJson = input.summaryJson { try OutputDirectory.writeSummary(summary, to: summaryJson) }
        if summary.rejected > 0 { throw ExitCode(ExitStatus.someRejected) }
    }
}

/// Prints `plan`'s rows as they are decided, then the totals: text, or one JSON object.
final class PlanPrinter {
    private let json: Bool
    private var totals: [PlanRow.Action: Int] = [:]
    private var first = true
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    init(json: Bool) {
        self.json = json
        if json { Swift.print("{\"rows\": [", terminator: "") }
    }

    func print(_ rows: [PlanRow]) throws {
        for row in rows {
            totals[row.action, default: 0] += 1
            if json {
                let text = String(decoding: try encoder.encode(JSONRow(row)), as: UTF8.self)
                Swift.print((first ? "\n  " : ",\n  ") + text, terminator: "")
                first = false
            } else {
                Swift.print(Self.text(row))
            }
        }
    }

    func finish() throws {
        let counts = PlanRow.Action.allCases.map { ($0.rawValue, totals[$0] ?? 0) }
        if json {
            let totals = counts.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
            Swift.print((first ? "" : "\n") + "], \"totals\": {\(totals)}}")
        } else {
            Swift.print("totals: " + counts.map { "\($0.0) \($0.1)" }.joined(separator: "  "))
        }
    }

    /// `line 7: update BAT1A2B3C4D5E6F: DEVICE POOL "DP-Frankfurt" → "DP-Munich"`
    static func text(_ row: PlanRow) -> String {
        var text = "line \(row.line): \(row.action.rawValue)"
        if let device = row.device { text += " \(device)" }
        if !row.changes.isEmpty { text += ": " + row.changes.map(Self.change).joined(separator: "; ") }
        if let reason = row.reason { text += ": \(reason)" }
        return text
    }

    static func change(_ change: FieldChange) -> String {
        func shown(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "none" }
        return "\(change.field) \(shown(change.old)) → \(shown(change.new))"
    }

    /// `{"line", "action", "device", "changes": {FIELD: [OLD, NEW]}, "reason"}` (SPEC §8).
    struct JSONRow: Encodable {
        var row: PlanRow
        init(_ row: PlanRow) { self.row = row }

        enum Keys: String, CodingKey { case line, action, device, changes, reason }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(row.line, forKey: .line)
            try container.encode(row.action.rawValue, forKey: .action)
            try container.encode(row.device, forKey: .device)
            try container.encode(
                Dictionary(row.changes.map { ($0.field, [$0.old, $0.new]) }, uniquingKeysWith: { first, _ in first }),
                forKey: .changes)
            try container.encode(row.reason, forKey: .reason)
        }
    }
}
