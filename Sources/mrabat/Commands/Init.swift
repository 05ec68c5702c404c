import ArgumentParser
import MRABatKit

/// `mrabat init`: creates or upgrades the store and loads the cluster configuration.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the store and load the cluster configuration (idempotent).")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: ArgumentHelp("The cluster configuration (YAML).", valueName: "file"))
    var cluster: String

    func run() async throws {
        let config = try ClusterConfig.load(path: cluster)
        let store = try store.open()
        try store.saveCluster(config)
        print(
            "loaded cluster \(config.name) into \(store.path): \(config.serviceDomains.count) MRA service domains "
                + "(activation domain \(config.activationServiceDomain.domain), "
                + "default \(config.defaultServiceDomain.name)), "
                + "\(config.devicePools.count) device pools, \(config.models.count) models")
    }
}
