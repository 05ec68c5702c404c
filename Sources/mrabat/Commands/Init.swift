import ArgumentParser
import Foundation
import MRABatKit

/// `mrabat init`: creates or upgrades the store and loads the cluster configuration.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the store and load the cluster configuration (idempotent).")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: ArgumentHelp("The cluster configuration (YAML).", valueName: "file"))
    var cluster: String

    @Flag(
        name: .long,
        help: """
            The key file that sealed the store's codes is lost for good: start a new one. Outstanding codes \
            keep activating phones but can no longer be exported; `mrabat regenerate DEVICE` issues new ones.
            """)
    var replaceLostKey = false

    func run() async throws {
        let config = try ClusterConfig.load(path: cluster)
        let store = try await store.open(.initialise)
        try await store.saveCluster(config, now: Date())
        if replaceLostKey {
            let erased = try await CodeVault.replaceLostKey(for: store, keyFile: self.store.keyFile).erased
            print(
                "started a new sealing key; \(erased) outstanding code(s) can no longer be exported "
                    + "(they still activate phones; `mrabat regenerate DEVICE` issues new ones)")
        }
        print(
            "loaded cluster \(config.name) into \(store.location): \(config.serviceDomains.count) MRA service domains "
                + "(activation domain \(config.activationServiceDomain.domain), "
                + "default \(config.defaultServiceDomain.name)), "
                + "\(config.devicePools.count) device pools, \(config.models.count) models")
    }
}
