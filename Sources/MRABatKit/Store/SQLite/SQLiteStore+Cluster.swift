import Foundation
import GRDB

extension SQLiteStore {
    package func saveCluster(_ config: ClusterConfig, now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        try await write("load the cluster configuration") { db in
            // Domains, pools and models stay rows of their own so devices reference them with foreign
            // keys: removing a pool that devices still use fails with a message naming it.
            try ClusterRecord(name: config.name, configJSON: json, loadedAt: Self.seconds(now)).upsert(db)
            // Clear the flags first so the "exactly one" partial indexes hold at every step.
            try db.execute(sql: "UPDATE service_domain SET is_default = 0, is_activation = 0")
            for domain in config.serviceDomains {
                try ServiceDomainRecord(
                    name: domain.name, domain: domain.domain, isDefault: domain.isDefault,
                    isActivation: domain.name == config.activationDomain, srvTarget: domain.srvTarget,
                    srvPort: domain.srvPort
                ).upsert(db)
            }
            for group in config.callManagerGroups {
                try CallManagerGroupRecord(name: group.name).upsert(db)
                try CallManagerNodeRecord.filter(CallManagerNodeRecord.Columns.groupName == group.name).deleteAll(db)
                for (priority, node) in group.members.enumerated() {
                    try CallManagerNodeRecord(
                        groupName: group.name, priority: priority, name: node.name,
                        processNodeName: node.processNodeName, sipPort: node.sipPort,
                        securedSipPort: node.securedSipPort
                    ).insert(db)
                }
            }
            for pool in config.devicePools {
                try DevicePoolRecord(
                    name: pool.name, callManagerGroup: pool.callManagerGroup, serviceDomain: pool.serviceDomain
                ).upsert(db)
            }
            for model in config.models {
                try ModelRecord(
                    name: model.name, lines: model.lines, enhancedLines: model.enhancedLines,
                    loadInformation: model.loadInformation, phoneButtonTemplate: model.phoneButtonTemplate
                ).upsert(db)
            }
            try Self.removeStale(
                db, DevicePoolRecord.self, kind: "device pool", keep: config.devicePools.map(\.name),
                usedBy: Column("device_pool"))
            try Self.removeStale(
                db, ModelRecord.self, kind: "model", keep: config.models.map(\.name), usedBy: Column("model"))
            try Self.removeStale(
                db, ServiceDomainRecord.self, kind: "MRA service domain", keep: config.serviceDomains.map(\.name),
                usedBy: Column("service_domain"))
            try Self.removeStale(
                db, CallManagerGroupRecord.self, kind: "Unified CM group", keep: config.callManagerGroups.map(\.name),
                usedBy: nil)
        }
    }

    /// Deletes rows the new configuration no longer names, refusing while devices use them.
    private static func removeStale<Record: TableRecord>(
        _ db: Database, _ record: Record.Type, kind: String, keep: [String], usedBy deviceColumn: Column?
    ) throws {
        let kept = Set(keep.map { $0.lowercased() })
        let names = try Record.select(Column("name"), as: String.self).fetchAll(db)
        for name in names where !kept.contains(name.lowercased()) {
            if let deviceColumn {
                let count = try DeviceRecord.filter(deviceColumn == name).fetchCount(db)
                if count > 0 {
                    throw MRABatError(
                        .config,
                        "\(kind) \"\(name)\" is no longer in the configuration but \(count) device(s) use it; "
                            + "keep it or move them first", value: name)
                }
            }
            try Record.filter(Column("name") == name).deleteAll(db)
        }
    }

    package func loadCluster() async throws -> ClusterConfig {
        let record = try await read("read the cluster configuration") { db in try ClusterRecord.fetchOne(db) }
        guard let record else {
            throw MRABatError(
                .config, "the store \(path) holds no cluster configuration; run `mrabat init --cluster FILE` first")
        }
        do {
            return try JSONDecoder().decode(ClusterConfig.self, from: Data(record.configJSON.utf8))
        } catch {
            throw MRABatError(.store, "the cluster configuration in \(path) is unreadable", cause: "\(error)")
        }
    }
}
