import Foundation
import MRABatKit
import PostgresNIO

extension PostgresStore {
    /// `pg_advisory_xact_lock` key of cluster loads: two `init`s at once load one after the other.
    static let clusterLock: Int64 = 0x6d72_6162_6174_0001

    package func saveCluster(_ config: ClusterConfig, now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        let loadedAt = Self.seconds(now)
        try await write("load the cluster configuration") { db in
            try await db.run("SELECT pg_advisory_xact_lock(\(Self.clusterLock))")
            // Domains, pools and models stay rows of their own so devices reference them with foreign
            // keys: removing a pool that devices still use fails with a message naming it.
            try await db.run(
                """
                INSERT INTO cluster (id, name, config_json, loaded_at) VALUES (1, \(config.name), \(json), \(loadedAt))
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, config_json = EXCLUDED.config_json,
                    loaded_at = EXCLUDED.loaded_at
                """)
            // Clear the flags first so the "exactly one" partial indexes hold at every step.
            try await db.run("UPDATE service_domain SET is_default = false, is_activation = false")
            for domain in config.serviceDomains {
                try await db.run(
                    """
                    INSERT INTO service_domain (name, domain, is_default, is_activation, srv_target, srv_port)
                    VALUES (\(domain.name), \(domain.domain), \(domain.isDefault),
                        \(domain.name == config.activationDomain), \(domain.srvTarget), \(domain.srvPort))
                    ON CONFLICT ((lower(name))) DO UPDATE SET name = EXCLUDED.name, domain = EXCLUDED.domain,
                        is_default = EXCLUDED.is_default, is_activation = EXCLUDED.is_activation,
                        srv_target = EXCLUDED.srv_target, srv_port = EXCLUDED.srv_port
                    """)
            }
            for group in config.callManagerGroups {
                try await db.run(
                    """
                    INSERT INTO call_manager_group (name) VALUES (\(group.name))
                    ON CONFLICT ((lower(name))) DO UPDATE SET name = EXCLUDED.name
                    """)
                try await db.run("DELETE FROM call_manager_node WHERE group_name = \(group.name)")
                for (priority, node) in group.members.enumerated() {
                    try await db.run(
                        """
                        INSERT INTO call_manager_node (group_name, priority, name, process_node_name, sip_port,
                            secured_sip_port)
                        VALUES (\(group.name), \(priority), \(node.name), \(node.processNodeName), \(node.sipPort),
                            \(node.securedSipPort))
                        """)
                }
            }
            for pool in config.devicePools {
                try await db.run(
                    """
                    INSERT INTO device_pool (name, call_manager_group, service_domain)
                    VALUES (\(pool.name), \(pool.callManagerGroup), \(pool.serviceDomain))
                    ON CONFLICT ((lower(name))) DO UPDATE SET name = EXCLUDED.name,
                        call_manager_group = EXCLUDED.call_manager_group, service_domain = EXCLUDED.service_domain
                    """)
            }
            for model in config.models {
                try await db.run(
                    """
                    INSERT INTO model (name, lines, enhanced_lines, load_information, phone_button_template)
                    VALUES (\(model.name), \(model.lines), \(model.enhancedLines), \(model.loadInformation),
                        \(model.phoneButtonTemplate))
                    ON CONFLICT (name) DO UPDATE SET lines = EXCLUDED.lines, enhanced_lines = EXCLUDED.enhanced_lines,
                        load_information = EXCLUDED.load_information,
                        phone_button_template = EXCLUDED.phone_button_template
                    """)
            }
            try await Self.removeStale(
                db, table: "device_pool", kind: "device pool", keep: config.devicePools.map(\.name),
                usedBy: "device_pool")
            try await Self.removeStale(
                db, table: "model", kind: "model", keep: config.models.map(\.name), usedBy: "model")
            try await Self.removeStale(
                db, table: "service_domain", kind: "MRA service domain", keep: config.serviceDomains.map(\.name),
                usedBy: "service_domain")
            try await Self.removeStale(
                db, table: "call_manager_group", kind: "Unified CM group", keep: config.callManagerGroups.map(\.name),
                usedBy: nil)
        }
    }

    /// Deletes rows the new configuration no longer names, refusing while devices use them.
    ///
    /// `table` and `deviceColumn` are names from this file, never input.
    private static func removeStale(
        _ db: PostgresConnection, table: String, kind: String, keep: [String], usedBy deviceColumn: String?
    ) async throws {
        let kept = Set(keep.map { $0.lowercased() })
        let names = try await db.rows(PostgresQuery(unsafeSQL: "SELECT name FROM \(table) FOR UPDATE")).map {
            try $0.get("name", as: String.self)
        }
        for name in names where !kept.contains(name.lowercased()) {
            if let deviceColumn {
                var count = PostgresBindings()
                count.append(name)
                let used =
                    try await db.value(
                        PostgresQuery(
                            unsafeSQL: "SELECT count(*) FROM device WHERE \(deviceColumn) = $1", binds: count),
                        as: Int.self) ?? 0
                if used > 0 {
                    throw MRABatError(
                        .config,
                        "\(kind) \"\(name)\" is no longer in the configuration but \(used) device(s) use it; "
                            + "keep it or move them first", value: name)
                }
            }
            var delete = PostgresBindings()
            delete.append(name)
            try await db.run(PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE name = $1", binds: delete))
        }
    }

    package func loadCluster() async throws -> ClusterConfig {
        let json = try await read("read the cluster configuration") { db in
            try await db.value("SELECT config_json FROM cluster WHERE id = 1", as: String.self)
        }
        guard let json else {
            throw MRABatError(
                .config, "the store \(location) holds no cluster configuration; run `mrabat init --cluster FILE` first")
        }
        do {
            return try JSONDecoder().decode(ClusterConfig.self, from: Data(json.utf8))
        } catch {
            throw MRABatError(.store, "the cluster configuration in \(location) is unreadable", cause: "\(error)")
        }
    }
}
