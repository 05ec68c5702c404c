import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat undo N`: reverses a job.
struct Undo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reverse job N in one job: remove what it created, restore what it changed, bring back what "
            + "it removed.",
        discussion: """
            Refuses, naming them and changing nothing, when one of the job's devices was activated or
            touched by a later job since (exit 2). Config files follow after the commit. An undo is a
            job too: `mrabat undo` of it reverses it again.
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The job to undo (see `mrabat jobs`).")
    var job: Int64

    @Option(name: .long, help: ArgumentHelp("Output directory: tftp/, summary.json.", valueName: "dir"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Also write the job summary as JSON to this file.", valueName: "file"))
    var summaryJson: String?

    @Flag(name: .long, help: "Print nothing but warnings and errors (for cron).")
    var quiet = false

    func run() async throws {
        let summary = try await UndoJob.run(
            store: try await store.open(), jobID: job, outDirectory: out,
            jobs: ProcessInfo.processInfo.activeProcessorCount, now: Date())
        try Console.finish(summary, quiet: quiet, summaryJson: summaryJson)
    }
}
