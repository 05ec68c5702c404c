import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat validate`: every check of `insert`, nothing written to the store.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every check of insert without writing to the store; exit 1 if any row would be rejected.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var input: InputOptions

    @Option(name: .long, help: ArgumentHelp("Write rejects.csv and summary.json here.", valueName: "dir"))
    var out: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Validate against this cluster configuration instead of the store's (nothing is loaded).",
            valueName: "file"))
    var cluster: String?

    func run() async throws {
        var options = try input.jobOptions(outDirectory: out)
        options.dryRun = true
        options.cluster = try cluster.map { try ClusterConfig.load(path: $0) }
        // With --cluster and no store yet, rows are checked without looking for existing devices.
        let haveStore = StoreLocation.isURL(store.path) || FileManager.default.fileExists(atPath: store.path)
        let summary = try await InsertJob.run(
            store: options.cluster != nil && !haveStore ? nil : try await store.open(.readOnly), options: options)
        try input.finish(summary)
    }
}
