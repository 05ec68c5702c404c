import ArgumentParser
import Foundation
import Glibc
import MRABatKit

/// What the commands print besides their results: warnings, errors and progress on stderr.
enum Console {
    /// Writes `text` and a line break to stderr.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// The summary's warnings on stderr, then (unless `quiet`) its lines on stdout.
    static func printSummary(_ summary: JobSummary, quiet: Bool = false) {
        for warning in summary.warnings { error("mrabat: warning: \(warning)") }
        guard !quiet else { return }
        for line in summary.lines { print(line) }
    }

    /// A one-line progress report on stderr, only when stderr is a terminal.
    static func progressReporter() -> (@Sendable (JobSummary) -> Void)? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        return { summary in
            FileHandle.standardError.write(
                Data(
                    ("\r\(summary.rows) rows: \(summary.accepted) accepted, \(summary.unchanged) unchanged, "
                        + "\(summary.rejected) rejected  ").utf8))
        }
    }

    /// The end of a job command: prints the summary (unless quiet), writes `--summary-json`, and
    /// turns what happened into the exit status (see ``InputOptions/finish(_:)``).
    static func finish(_ summary: JobSummary, quiet: Bool, summaryJson: String?) throws {
        printSummary(summary, quiet: quiet)
        if let summaryJson { try OutputDirectory.writeSummary(summary, to: summaryJson) }
        if let failure = summary.outputFailure {
            let job = summary.jobID.map { "job \($0)" } ?? "the job"
            throw MRABatError(
                .outputAfterCommit,
                "\(job) is committed, but its outputs are incomplete: \(failure); fix that and run the same "
                    + "command again to finish them")
        }
        if summary.rejected > 0 { throw ExitCode(ExitStatus.someRejected) }
    }
}
