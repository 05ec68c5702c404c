/// What a device is, whether it is being created from a row (``DeviceDraft``) or read back from
/// the store (``StoredDevice``): one list of fields, so the two cannot drift apart.
public struct DeviceAttributes: Sendable, Equatable {
    public var model: String
    public var devicePool: String
    /// The device's own MRA service domain override, if the row or template sets one.
    public var serviceDomain: String?
    public var ownerUserID: String
    public var description: String?
    public var location: String?
    public var css: String?
    public var deviceProtocol: String
    public var phoneButtonTemplate: String
    public var softkeyTemplate: String
    public var securityProfile: String
    public var sipProfile: String
    public var userLocale: String
    public var requiresActivationCodeOnboarding: Bool
    public var allowActivationCodeViaMRA: Bool
    public var lines: [LineDraft]

    public init(
        model: String, devicePool: String, serviceDomain: String?, ownerUserID: String, description: String?,
        location: String?, css: String?, deviceProtocol: String, phoneButtonTemplate: String, softkeyTemplate: String,
        securityProfile: String, sipProfile: String, userLocale: String, requiresActivationCodeOnboarding: Bool,
        allowActivationCodeViaMRA: Bool, lines: [LineDraft]
    ) {
        self.model = model
        self.devicePool = devicePool
        self.serviceDomain = serviceDomain
        self.ownerUserID = ownerUserID
        self.description = description
        self.location = location
        self.css = css
        self.deviceProtocol = deviceProtocol
        self.phoneButtonTemplate = phoneButtonTemplate
        self.softkeyTemplate = softkeyTemplate
        self.securityProfile = securityProfile
        self.sipProfile = sipProfile
        self.userLocale = userLocale
        self.requiresActivationCodeOnboarding = requiresActivationCodeOnboarding
        self.allowActivationCodeViaMRA = allowActivationCodeViaMRA
        self.lines = lines
    }
}

/// One line (directory number) of a device.
public struct LineDraft: Sendable, Equatable {
    /// 1-based button index.
    public var index: Int
    public var directoryNumber: String
    public var display: String?
    public var label: String?
    public var partition: String?

    public init(index: Int, directoryNumber: String, display: String?, label: String?, partition: String?) {
        self.index = index
        self.directoryNumber = directoryNumber
        self.display = display
        self.label = label
        self.partition = partition
    }
}

/// One field whose value differs between a device as stored and as a row now describes it.
public struct FieldChange: Sendable, Equatable, Codable {
    /// The BAT column (`DEVICE POOL`, `DIRECTORY NUMBER 2`) or template setting (`softkey template`) it is.
    public var field: String
    public var old: String?
    public var new: String?

    public init(field: String, old: String?, new: String?) {
        self.field = field
        self.old = old
        self.new = new
    }
}

extension DeviceAttributes {
    /// Every compared device-level field, by the name a user knows it by, in the order reasons name them.
    ///
    /// One table, so that a field added to ``DeviceAttributes`` is added here once and every
    /// comparison (re-run detection, conflict reasons, `plan`) sees it.
    static let fields: [(name: String, value: @Sendable (DeviceAttributes) -> String?)] = [
        ("DEVICE TYPE", { $0.model }),
        ("DEVICE POOL", { $0.devicePool }),
        ("MRA SERVICE DOMAIN", { $0.serviceDomain }),
        ("OWNER USER ID", { $0.ownerUserID }),
        ("DESCRIPTION", { $0.description }),
        ("LOCATION", { $0.location }),
        ("CSS", { $0.css }),
        ("protocol", { $0.deviceProtocol }),
        ("phone button template", { $0.phoneButtonTemplate }),
        ("softkey template", { $0.softkeyTemplate }),
        ("security profile", { $0.securityProfile }),
        ("SIP profile", { $0.sipProfile }),
        ("user locale", { $0.userLocale }),
        ("requiresActivationCodeOnboarding", { String($0.requiresActivationCodeOnboarding) }),
        ("allowActivationCodeViaMRA", { String($0.allowActivationCodeViaMRA) }),
    ]

    /// Every per-line field, by its BAT column name without the line number.
    static let lineFields: [(name: String, value: @Sendable (LineDraft) -> String?)] = [
        ("DIRECTORY NUMBER", { $0.directoryNumber }),
        ("DISPLAY", { $0.display }),
        ("LINE TEXT LABEL", { $0.label }),
        ("PARTITION", { $0.partition }),
    ]

    /// The fields in which `new` differs from `self`, device fields first, then lines by index.
    ///
    /// A line only one side has shows up as its fields going from or to nil.
    public func changes(to new: DeviceAttributes) -> [FieldChange] {
        var changes: [FieldChange] = []
        for field in Self.fields {
            let (old, now) = (field.value(self), field.value(new))
            if old != now { changes.append(FieldChange(field: field.name, old: old, new: now)) }
        }
        guard lines != new.lines else { return changes }
        let oldLines = Dictionary(lines.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        let newLines = Dictionary(new.lines.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        for index in Set(oldLines.keys).union(newLines.keys).sorted() {
            for field in Self.lineFields {
                let old = oldLines[index].flatMap(field.value)
                let now = newLines[index].flatMap(field.value)
                if old != now { changes.append(FieldChange(field: "\(field.name) \(index)", old: old, new: now)) }
            }
        }
        return changes
    }
}
