import GRDB

/// The one row of `cluster`: the configuration as loaded, whole, as JSON.
struct ClusterRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "cluster"

    var id: Int64 = 1
    var name: String
    var configJSON: String
    var loadedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, name
        case configJSON = "config_json"
        case loadedAt = "loaded_at"
    }
}

/// A row of `service_domain`; devices and pools reference it by name.
struct ServiceDomainRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "service_domain"

    var name: String
    var domain: String
    var isDefault: Bool
    var isActivation: Bool
    var srvTarget: String?
    var srvPort: Int

    enum CodingKeys: String, CodingKey {
        case name, domain
        case isDefault = "is_default"
        case isActivation = "is_activation"
        case srvTarget = "srv_target"
        case srvPort = "srv_port"
    }
}

/// A row of `call_manager_group`.
struct CallManagerGroupRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "call_manager_group"
    var name: String
}

/// A row of `call_manager_node`: one member of a group, by priority.
struct CallManagerNodeRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "call_manager_node"

    var groupName: String
    var priority: Int
    var name: String
    var processNodeName: String
    var sipPort: Int
    var securedSipPort: Int

    enum CodingKeys: String, CodingKey {
        case priority, name
        case groupName = "group_name"
        case processNodeName = "process_node_name"
        case sipPort = "sip_port"
        case securedSipPort = "secured_sip_port"
    }

    enum Columns {
        static let groupName = Column(CodingKeys.groupName)
    }
}

/// A row of `device_pool`.
struct DevicePoolRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "device_pool"

    var name: String
    var callManagerGroup: String
    var serviceDomain: String?

    enum CodingKeys: String, CodingKey {
        case name
        case callManagerGroup = "call_manager_group"
        case serviceDomain = "service_domain"
    }
}

/// A row of `model`: catalogue data devices reference.
struct ModelRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "model"

    var name: String
    var lines: Int
    var enhancedLines: Int?
    var loadInformation: String
    var phoneButtonTemplate: String

    enum CodingKeys: String, CodingKey {
        case name, lines
        case enhancedLines = "enhanced_lines"
        case loadInformation = "load_information"
        case phoneButtonTemplate = "phone_button_template"
    }
}

/// The one row of `sealing_key`: the fingerprint of the key that seals the store's codes.
struct SealingKeyRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "sealing_key"

    var id: Int64 = 1
    var fingerprint: String
    var recordedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, fingerprint
        case recordedAt = "recorded_at"
    }
}
