import Foundation

/// What a job did: counts per outcome and per reason, what was detected, and stage timings.
package struct JobSummary: Sendable, Codable, Equatable {
    package var jobID: Int64?
    /// What ran: a ``JobKind`` raw value, or `plan` (which writes nothing).
    package var kind: String = JobKind.insert.rawValue
    package var input: String
    package var template: String
    package var encoding: String
    package var delimiter: String
    /// The workbook sheet read; absent for a CSV file.
    package var sheet: String?
    package var rows: Int = 0
    package var accepted: Int = 0
    package var unchanged: Int = 0
    /// Devices whose fields changed (`update`; `undo`: restored).
    package var updated: Int = 0
    /// Devices removed (`delete`; `undo`: the ones a job had created).
    package var deleted: Int = 0
    package var rejected: Int = 0
    /// For `undo`: the job it reversed.
    package var undoes: Int64?
    /// Rejected rows per stable reason tag of their first problem (`description.too-long`; README's table).
    package var rejectedByReason: [String: Int] = [:]
    /// The first ``warningLimit`` warnings; ``rowWarnings`` counts all row warnings.
    package var warnings: [String] = []
    package var rowWarnings: Int = 0
    package static let warningLimit = 100
    /// How many of the known BAT columns a file has but mrabat does not use the summary line names.
    static let acknowledgedShown = 4
    /// Seconds per stage: read+validate, naming, codes, store, tftp, export.
    package var stageSeconds: [String: Double] = [:]
    package var totalSeconds: Double = 0
    package var committed: Bool = false
    package var codesExported: Int = 0
    package var configFilesWritten: Int = 0
    /// Config files of removed (or renamed) devices that the job took away.
    package var configFilesRemoved: Int = 0
    /// Set when the job committed but an output could not be written: what failed. A re-run of the
    /// same input finds every row unchanged and writes the outputs again.
    package var outputFailure: String?

    package init(input: String, template: String, encoding: String, delimiter: String) {
        self.input = input
        self.template = template
        self.encoding = encoding
        self.delimiter = delimiter
    }

    /// A summary for the input `input` was opened as.
    init(opened input: borrowing BATInput, options: InsertOptions) {
        self.init(
            input: options.csvPath, template: options.templatePath, encoding: input.encoding.rawValue,
            delimiter: String(UnicodeScalar(input.delimiter)))
        sheet = input.sheet
        for (index, name) in input.header.unknown {
            let hint = BATHeader.suggestion(for: name).map { " (did you mean \"\($0)\"?)" } ?? ""
            warnings.append(
                "\(input.location(line: input.headerLine, column: index + 1)): unknown column \"\(name)\" ignored\(hint)"
            )
        }
        let known = input.header.acknowledged
        if !known.isEmpty {
            let shown = known.prefix(Self.acknowledgedShown).map { "\"\($0.name)\"" }.joined(separator: ", ")
            warnings.append(
                "\(input.location(line: input.headerLine)): ignored \(known.count) known BAT column"
                    + "\(known.count == 1 ? "" : "s") that mrabat does not use (\(shown)"
                    + "\(known.count > Self.acknowledgedShown ? ", …" : ""))")
        }
    }

    /// Counts a chunk's rows by outcome and its rejections by reason.
    mutating func count(_ chunk: StoreReconciler.Outcome, rejected: [RowRejection]) {
        accepted += chunk.fresh.count
        unchanged += chunk.unchanged.count
        updated += chunk.updated.count
        self.rejected += rejected.count
        for rejection in rejected {
            rejectedByReason[rejection.tag.rawValue, default: 0] += 1
        }
    }

    /// Keeps the first ``warningLimit`` row warnings and counts them all.
    mutating func note(warnings rowWarnings: [String]) {
        self.rowWarnings += rowWarnings.count
        for warning in rowWarnings where warnings.count < Self.warningLimit {
            warnings.append(warning)
        }
    }

    /// `rows: 60  accepted: 58  unchanged: 0  rejected: 2`, with `updated` and `deleted` for the
    /// commands that change and remove devices (an `insert` line reads as it always has).
    package var countsLine: String {
        switch kind {
        case JobKind.insert.rawValue:
            "rows: \(rows)  accepted: \(accepted)  unchanged: \(unchanged)  rejected: \(rejected)"
        case JobKind.delete.rawValue:
            "rows: \(rows)  deleted: \(deleted)  unchanged: \(unchanged)  rejected: \(rejected)"
        case JobKind.undo.rawValue:
            "undo of job \(undoes.map(String.init) ?? "?"): removed: \(deleted)  restored: \(updated)  "
                + "brought back: \(accepted)"
        default:
            "rows: \(rows)  accepted: \(accepted)  updated: \(updated)  unchanged: \(unchanged)  rejected: \(rejected)"
        }
    }

    /// Human-readable lines for stdout.
    package var lines: [String] {
        var out: [String] = []
        if encoding == DeleteOptions.argumentsEncoding {
            out.append("input: \(input)")
        } else if let sheet {
            out.append("input: \(input), sheet \"\(sheet)\"")
        } else if kind != JobKind.undo.rawValue {
            out.append("input: \(input) (\(encoding), delimiter \(delimiter == "\t" ? "TAB" : delimiter))")
        }
        out.append(countsLine)
        for (reason, count) in rejectedByReason.sorted(by: {
            $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key)
        }) {
            out.append("  rejected \(count)× \(reason)")
        }
        if rowWarnings > 0 {
            out.append(
                "warnings: \(rowWarnings) row(s)\(rowWarnings > JobSummary.warningLimit ? ", first \(JobSummary.warningLimit) shown" : "")"
            )
        }
        if let jobID { out.append("job: \(jobID)\(committed ? "" : " (nothing committed)")") }
        if configFilesWritten > 0 || codesExported > 0 || configFilesRemoved > 0 {
            out.append(
                "config files: \(configFilesWritten)"
                    + (configFilesRemoved > 0 ? "  config files removed: \(configFilesRemoved)" : "")
                    + "  codes exported: \(codesExported)")
        }
        let timings = JobStage.allCases.compactMap { stage in
            stageSeconds[stage.rawValue].map { "\(stage.rawValue) \(String(format: "%.2f", $0))s" }
        }
        out.append("time: \(String(format: "%.2f", totalSeconds))s (\(timings.joined(separator: ", ")))")
        return out
    }
}
