import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat check`: the prerequisite checklist for MRA activation-code onboarding.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the prerequisites for MRA activation-code onboarding; exit 1 if any fails.")

    @OptionGroup var store: StoreOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Check this cluster configuration file instead of the one loaded in the store.", valueName: "file"))
    var cluster: String?

    @Flag(name: .long, help: "Look up each domain's _collab-edge._tls SRV record in DNS.")
    var resolve = false

    func run() async throws {
        let config: ClusterConfig
        if let cluster {
            config = try ClusterConfig.load(path: cluster)
        } else {
            config = try await store.open(.readOnly).loadCluster()
        }
        let results = Prerequisites.evaluate(config, now: Date(), resolver: resolve ? SystemSRVResolver() : nil)
        for result in results { print(result.line) }
        let failed = results.filter { !$0.passed }.count
        if failed == 0 {
            print("all \(results.count) prerequisites pass")
        } else {
            print("\(failed) of \(results.count) prerequisites fail")
            throw ExitCode(ExitStatus.someRejected)
        }
    }
}
