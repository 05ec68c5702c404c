import GRDB

/// A row of `device`: the one place its columns are named in Swift.
struct DeviceRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, BulkInsertable {
    static let databaseTableName = "device"

    var id: Int64?
    var name: String
    var mac: String?
    /// ``NaturalKey/stored``; unique.
    var naturalKey: String
    var model: String
    var devicePool: String
    var serviceDomain: String?
    var ownerUserID: String
    /// The associated end user (BAT's `USER ID`); v4.
    var userID: String?
    var description: String?
    var location: String?
    var css: String?
    var deviceProtocol: String
    var phoneButtonTemplate: String
    var softkeyTemplate: String
    var securityProfile: String
    var sipProfile: String
    var userLocale: String
    var requiresActivationCode: Bool
    var allowActivationCodeViaMRA: Bool
    var templateName: String
    var jobID: Int64
    var createdAt: Int64
    var activatedAt: Int64?
    var failedAttempts: Int
    var throttled: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, mac, model, description, location, css, throttled
        case naturalKey = "natural_key"
        case devicePool = "device_pool"
        case serviceDomain = "service_domain"
        case ownerUserID = "owner_user_id"
        case userID = "user_id"
        case deviceProtocol = "protocol"
        case phoneButtonTemplate = "phone_button_template"
        case softkeyTemplate = "softkey_template"
        case securityProfile = "security_profile"
        case sipProfile = "sip_profile"
        case userLocale = "user_locale"
        case requiresActivationCode = "requires_activation_code"
        case allowActivationCodeViaMRA = "allow_activation_code_via_mra"
        case templateName = "template_name"
        case jobID = "job_id"
        case createdAt = "created_at"
        case activatedAt = "activated_at"
        case failedAttempts = "failed_attempts"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let name = Column(CodingKeys.name)
        static let mac = Column(CodingKeys.mac)
        static let naturalKey = Column(CodingKeys.naturalKey)
        static let ownerUserID = Column(CodingKeys.ownerUserID)
        static let jobID = Column(CodingKeys.jobID)
        static let activatedAt = Column(CodingKeys.activatedAt)
        static let failedAttempts = Column(CodingKeys.failedAttempts)
        static let throttled = Column(CodingKeys.throttled)
    }

    static let lines = hasMany(LineRecord.self, using: ForeignKey([LineRecord.Columns.deviceID]))

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Decodes by column name rather than through `Decodable`: reconciling a 100k-row re-run reads
    /// every matched device, and GRDB's `Decodable` path took 26 % of `validate`'s time there
    /// (3.8 s in all, this machine); named lookups keep the `CodingKeys` as the only column list.
    init(row: Row) throws {
        id = row[CodingKeys.id.rawValue]
        name = row[CodingKeys.name.rawValue]
        mac = row[CodingKeys.mac.rawValue]
        naturalKey = row[CodingKeys.naturalKey.rawValue]
        model = row[CodingKeys.model.rawValue]
        devicePool = row[CodingKeys.devicePool.rawValue]
        serviceDomain = row[CodingKeys.serviceDomain.rawValue]
        ownerUserID = row[CodingKeys.ownerUserID.rawValue]
        userID = row[CodingKeys.userID.rawValue]
        description = row[CodingKeys.description.rawValue]
        location = row[CodingKeys.location.rawValue]
        css = row[CodingKeys.css.rawValue]
        deviceProtocol = row[CodingKeys.deviceProtocol.rawValue]
        phoneButtonTemplate = row[CodingKeys.phoneButtonTemplate.rawValue]
        softkeyTemplate = row[CodingKeys.softkeyTemplate.rawValue]
        securityProfile = row[CodingKeys.securityProfile.rawValue]
        sipProfile = row[CodingKeys.sipProfile.rawValue]
        userLocale = row[CodingKeys.userLocale.rawValue]
        requiresActivationCode = row[CodingKeys.requiresActivationCode.rawValue]
        allowActivationCodeViaMRA = row[CodingKeys.allowActivationCodeViaMRA.rawValue]
        templateName = row[CodingKeys.templateName.rawValue]
        jobID = row[CodingKeys.jobID.rawValue]
        createdAt = row[CodingKeys.createdAt.rawValue]
        activatedAt = row[CodingKeys.activatedAt.rawValue]
        failedAttempts = row[CodingKeys.failedAttempts.rawValue]
        throttled = row[CodingKeys.throttled.rawValue]
    }

    /// Every column, qualified (`device."id", …`), in `CodingKeys` order: the rows ``init(selected:from:)`` reads.
    static let selection = CodingKeys.allCases.map { "device.\"\($0.rawValue)\"" }.joined(separator: ", ")

    /// Decodes a row that has ``selection``'s columns from index `offset` on, by position.
    ///
    /// The reconciler reads a device for every row of a re-run, and the config files a device each:
    /// finding each column by name (``init(row:)``) was a tenth of looking up 100k existing devices,
    /// and a table of positions by key another sixth. So the columns are read one after another, in
    /// `CodingKeys` declaration order (`allCases`, which ``selection`` lists).
    init(selected row: Row, from offset: Int = 0) throws {
        var column = offset
        func next() -> Int {
            defer { column += 1 }
            return column
        }
        id = row[next()]
        name = row[next()]
        mac = row[next()]
        model = row[next()]
        description = row[next()]
        location = row[next()]
        css = row[next()]
        throttled = row[next()]
        naturalKey = row[next()]
        devicePool = row[next()]
        serviceDomain = row[next()]
        ownerUserID = row[next()]
        userID = row[next()]
        deviceProtocol = row[next()]
        phoneButtonTemplate = row[next()]
        softkeyTemplate = row[next()]
        securityProfile = row[next()]
        sipProfile = row[next()]
        userLocale = row[next()]
        requiresActivationCode = row[next()]
        allowActivationCodeViaMRA = row[next()]
        templateName = row[next()]
        jobID = row[next()]
        createdAt = row[next()]
        activatedAt = row[next()]
        failedAttempts = row[next()]
        assert(column - offset == CodingKeys.allCases.count, "init(selected:) must read every column of `selection`")
    }

    var bulkRow: KeyValuePairs<CodingKeys, (any DatabaseValueConvertible)?> {
        [
            .id: id, .name: name, .mac: mac, .naturalKey: naturalKey, .model: model, .devicePool: devicePool,
            .serviceDomain: serviceDomain, .ownerUserID: ownerUserID, .userID: userID, .description: description,
            .location: location,
            .css: css, .deviceProtocol: deviceProtocol, .phoneButtonTemplate: phoneButtonTemplate,
            .softkeyTemplate: softkeyTemplate, .securityProfile: securityProfile, .sipProfile: sipProfile,
            .userLocale: userLocale, .requiresActivationCode: requiresActivationCode,
            .allowActivationCodeViaMRA: allowActivationCodeViaMRA, .templateName: templateName, .jobID: jobID,
            .createdAt: createdAt, .activatedAt: activatedAt, .failedAttempts: failedAttempts, .throttled: throttled,
        ]
    }

    /// The record for a draft a job creates.
    init(draft: DeviceDraft, jobID: Int64, createdAt: Int64) {
        self.init(
            id: nil, name: draft.name, mac: draft.mac?.hex, naturalKey: draft.naturalKey.stored,
            attributes: draft.attributes, templateName: draft.templateName, jobID: jobID, createdAt: createdAt,
            activatedAt: nil, failedAttempts: 0, throttled: false)
    }

    /// The one place that maps ``DeviceAttributes`` to its columns (the lines are rows of their own):
    /// creating and updating a device both go through it, so a new column cannot be set by one and
    /// forgotten by the other.
    private init(
        id: Int64?, name: String, mac: String?, naturalKey: String, attributes a: DeviceAttributes,
        templateName: String, jobID: Int64, createdAt: Int64, activatedAt: Int64?, failedAttempts: Int,
        throttled: Bool
    ) {
        self.id = id
        self.name = name
        self.mac = mac
        self.naturalKey = naturalKey
        model = a.model
        devicePool = a.devicePool
        serviceDomain = a.serviceDomain
        ownerUserID = a.ownerUserID
        userID = a.userID
        description = a.description
        location = a.location
        css = a.css
        deviceProtocol = a.deviceProtocol
        phoneButtonTemplate = a.phoneButtonTemplate
        softkeyTemplate = a.softkeyTemplate
        securityProfile = a.securityProfile
        sipProfile = a.sipProfile
        userLocale = a.userLocale
        requiresActivationCode = a.requiresActivationCodeOnboarding
        allowActivationCodeViaMRA = a.allowActivationCodeViaMRA
        self.templateName = templateName
        self.jobID = jobID
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.failedAttempts = failedAttempts
        self.throttled = throttled
    }

    /// Sets the columns that hold `attributes`; every other column keeps its value.
    mutating func setAttributes(_ a: DeviceAttributes) {
        self = DeviceRecord(
            id: id, name: name, mac: mac, naturalKey: naturalKey, attributes: a, templateName: templateName,
            jobID: jobID, createdAt: createdAt, activatedAt: activatedAt, failedAttempts: failedAttempts,
            throttled: throttled)
    }

    /// The domain value, with `lines` (the device's ``LineRecord``s in index order).
    func stored(lines: [LineRecord]) -> StoredDevice {
        StoredDevice(
            id: id ?? 0, name: name, mac: mac,
            attributes: DeviceAttributes(
                model: model, devicePool: devicePool, serviceDomain: serviceDomain, ownerUserID: ownerUserID,
                description: description, location: location, css: css, deviceProtocol: deviceProtocol,
                phoneButtonTemplate: phoneButtonTemplate, softkeyTemplate: softkeyTemplate,
                securityProfile: securityProfile, sipProfile: sipProfile, userLocale: userLocale,
                requiresActivationCodeOnboarding: requiresActivationCode,
                allowActivationCodeViaMRA: allowActivationCodeViaMRA, lines: lines.map(\.line), userID: userID))
    }

    /// The key the device was created under: its MAC if it was provisioned with one, else from its
    /// attributes (an activated device keeps the row key it was created with).
    func key(of device: StoredDevice) -> NaturalKey { NaturalKey(stored: naturalKey, device: device) }
}
