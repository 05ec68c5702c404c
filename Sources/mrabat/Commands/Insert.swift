import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat insert`: the pipeline — store, activation codes, TFTP config files, code export.
struct Insert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Provision the phones of a BAT CSV file: store, activation codes, TFTP config files, code export.")

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

    @Option(
        name: .long,
        help: ArgumentHelp("Parallel code-issuance tasks, 1 or more (default: the number of cores).", valueName: "n"))
    var jobs: JobCount?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Load (or refresh) this cluster configuration into the store first, as `init` does.", valueName: "file"))
    var cluster: String?

    func run() async throws {
        var options = try input.jobOptions(outDirectory: out)
        options.allOrNothing = allOrNothing
        options.keyFile = store.keyFile
        if let jobs { options.jobs = jobs.value }
        let store = try await store.open()
        if let cluster { try await store.saveCluster(try ClusterConfig.load(path: cluster), now: Date()) }
        let reporter = input.quiet ? nil : Console.progressReporter()
        let summary = try await InsertJob.run(store: store, options: options, progress: reporter)
        if reporter != nil { FileHandle.standardError.write(Data("\n".utf8)) }
        try input.finish(summary)
    }
}
