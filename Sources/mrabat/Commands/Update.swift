import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat update`: the nightly command — matched rows change their device, new rows are created.
struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a BAT CSV file to the store: changed devices are updated, new rows created, in one job.",
        discussion: """
            A row is matched by DEVICE NAME, else MAC ADDRESS, else its owner, model and first line
            (for a row with a MAC, also the phone provisioned without one). Matched devices whose fields
            differ are updated (their codes are kept); unmatched rows are created as `insert` creates
            them, unless --existing-only. `mrabat plan` shows what this would do, writing nothing.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var input: InputOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Output directory: tftp/, activation-codes.csv, rejects.csv, summary.json.", valueName: "dir")
    )
    var out: String

    @Flag(name: .long, help: "Commit nothing if any row is rejected.")
    var allOrNothing = false

    @Flag(
        name: .long,
        help: "Change provisioned devices only: reject rows that match none (as BAT's Update Phones does).")
    var existingOnly = false

    @Option(
        name: .long,
        help: ArgumentHelp("Parallel code-issuance tasks, 1 or more (default: the number of cores).", valueName: "n"))
    var jobs: JobCount?

    func run() async throws {
        var options = try input.jobOptions(outDirectory: out)
        options.kind = .update
        options.existingOnly = existingOnly
        options.allOrNothing = allOrNothing
        options.keyFile = store.keyFile
        if let jobs { options.jobs = jobs.value }
        let store = try await store.open()
        let reporter = input.quiet ? nil : Console.progressReporter()
        let summary = try await InsertJob.run(store: store, options: options, progress: reporter)
        if reporter != nil { FileHandle.standardError.write(Data("\n".utf8)) }
        try input.finish(summary)
    }
}
