import Foundation
import GRDB

extension Store {
    /// Loads `config` into the store, replacing the previous configuration; idempotent.
    ///
    /// Domains, pools and models stay rows of their own so devices reference them with foreign
    /// keys: removing a pool that devices still use fails with a message naming it.
    public func saveCluster(_ config: ClusterConfig, now: Date = Date()) throws {
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        try write("load the cluster configuration") { db in
            try db.execute(
                sql: """
                    INSERT INTO cluster (id, name, config_json, loaded_at) VALUES (1, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, config_json = excluded.config_json,
                        loaded_at = excluded.loaded_at
                    """, arguments: [config.name, json, Int64(now.timeIntervalSince1970)])
            // Clear the flags first so the "exactly one" partial indexes hold at every step.
            try db.execute(sql: "UPDATE service_domain SET is_default = 0, is_activation = 0")
            for domain in config.serviceDomains {
                try db.execute(
                    sql: """
                        INSERT INTO service_domain (name, domain, is_default, is_activation, srv_target, srv_port)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET domain = excluded.domain, is_default = excluded.is_default,
                            is_activation = excluded.is_activation, srv_target = excluded.srv_target,
                            srv_port = excluded.srv_port
                        """,
                    arguments: [
                        domain.name, domain.domain, domain.isDefault, domain.name == config.activationDomain,
                        domain.srvTarget, domain.srvPort,
                    ])
            }
            for group in config.callManagerGroups {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO call_manager_group (name) VALUES (?)", arguments: [group.name])
                try db.execute(sql: "DELETE FROM call_manager_node WHERE group_name = ?", arguments: [group.name])
                for (priority, node) in group.members.enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO call_manager_node (group_name, priority, name, process_node_name, sip_port,
                                secured_sip_port) VALUES (?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            group.name, priority, node.name, node.processNodeName, node.sipPort, node.securedSipPort,
                        ])
                }
            }
            for pool in config.devicePools {
                try db.execute(
                    sql: """
                        INSERT INTO device_pool (name, call_manager_group, service_domain) VALUES (?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET call_manager_group = excluded.call_manager_group,
                            service_domain = excluded.service_domain
                        """, arguments: [pool.name, pool.callManagerGroup, pool.serviceDomain])
            }
            for model in config.models {
                try db.execute(
                    sql: """
                        INSERT INTO model (name, lines, enhanced_lines, load_information, phone_button_template)
                        VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET lines = excluded.lines, enhanced_lines = excluded.enhanced_lines,
                            load_information = excluded.load_information,
                            phone_button_template = excluded.phone_button_template
                        """,
                    arguments: [
                        model.name, model.lines, model.enhancedLines, model.loadInformation, model.phoneButtonTemplate,
                    ])
            }
            try removeStale(
                db, table: "device_pool", kind: "device pool", keep: config.devicePools.map(\.name),
                usedBy: "SELECT COUNT(*) FROM device WHERE device_pool = ?")
            try removeStale(
                db, table: "model", kind: "model", keep: config.models.map(\.name),
                usedBy: "SELECT COUNT(*) FROM device WHERE model = ?")
            try removeStale(
                db, table: "service_domain", kind: "MRA service domain", keep: config.serviceDomains.map(\.name),
                usedBy: "SELECT COUNT(*) FROM device WHERE service_domain = ?")
            try removeStale(
                db, table: "call_manager_group", kind: "Unified CM group",
                keep: config.callManagerGroups.map(\.name), usedBy: nil)
        }
    }

    /// Deletes rows the new configuration no longer names, refusing while devices use them.
    private func removeStale(_ db: Database, table: String, kind: String, keep: [String], usedBy: String?) throws {
        let kept = Set(keep.map { $0.lowercased() })
        for name in try String.fetchAll(db, sql: "SELECT name FROM \(table)") where !kept.contains(name.lowercased()) {
            if let usedBy, let count = try Int.fetchOne(db, sql: usedBy, arguments: [name]), count > 0 {
                throw MRABatError(
                    .config,
                    "\(kind) \"\(name)\" is no longer in the configuration but \(count) device(s) use it; keep it or move them first",
                    value: name)
            }
            try db.execute(sql: "DELETE FROM \(table) WHERE name = ?", arguments: [name])
        }
    }

    /// The configuration last loaded by `mrabat init`.
    ///
    /// - Throws: `.config` when the store has none yet, telling the user to run `init`.
    public func loadCluster() throws -> ClusterConfig {
        let json = try read("read the cluster configuration") { db in
            try String.fetchOne(db, sql: "SELECT config_json FROM cluster WHERE id = 1")
        }
        guard let json else {
            throw MRABatError(
                .config, "the store \(path) holds no cluster configuration; run `mrabat init --cluster FILE` first")
        }
        do {
            return try JSONDecoder().decode(ClusterConfig.self, from: Data(json.utf8))
        } catch {
            throw MRABatError(.store, "the cluster configuration in \(path) is unreadable", cause: "\(error)")
        }
    }
}
