/// What a device is, whether it is being created from a row (``DeviceDraft``) or read back from
/// the store (``StoredDevice``): one list of fields, so the two cannot drift apart.
package struct DeviceAttributes: Sendable, Equatable, Codable {
    package var model: String
    package var devicePool: String
    /// The device's own MRA service domain override, if the row or template sets one.
    package var serviceDomain: String?
    package var ownerUserID: String
    package var description: String?
    package var location: String?
    package var css: String?
    package var deviceProtocol: String
    package var phoneButtonTemplate: String
    package var softkeyTemplate: String
    package var securityProfile: String
    package var sipProfile: String
    package var userLocale: String
    package var requiresActivationCodeOnboarding: Bool
    package var allowActivationCodeViaMRA: Bool
    package var lines: [LineDraft]
    /// The device's associated end user (BAT's `USER ID`), distinct from its owner.
    package var userID: String?

    package init(
        model: String, devicePool: String, serviceDomain: String?, ownerUserID: String, description: String?,
        location: String?, css: String?, deviceProtocol: String, phoneButtonTemplate: String, softkeyTemplate: String,
        securityProfile: String, sipProfile: String, userLocale: String, requiresActivationCodeOnboarding: Bool,
        allowActivationCodeViaMRA: Bool, lines: [LineDraft], userID: String? = nil
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
        self.userID = userID
    }
}

/// One line (directory number) of a device.
///
/// ``index`` is the BAT line number *n* of the row's `DIRECTORY NUMBER n`, kept as given: a row may
/// leave lines empty (lines 1 and 3), as BAT allows, and line 3 stays line 3 (button 3, `lineIndex` 3)
/// with button 2 left without a line. The optional fields are nil when neither the row nor the template
/// sets them; the config file then carries the phone's default.
package struct LineDraft: Sendable, Equatable, Codable {
    /// 1-based line number: the button and the `lineIndex` of the config file.
    package var index: Int
    package var directoryNumber: String
    package var display: String?
    package var label: String?
    package var partition: String?
    /// `MAXIMUM NUMBER OF CALLS n` (1–200), set together with ``busyTrigger``; nil takes the model
    /// catalogue's (``PhoneModel/maxNumCalls``).
    package var maxNumCalls: Int?
    /// `BUSY TRIGGER n` (1–``maxNumCalls``).
    package var busyTrigger: Int?
    /// `EXTERNAL PHONE NUMBER MASK n`: up to 24 of `0-9 X * # +`.
    package var externalPhoneNumberMask: String?
    /// `ASCII DISPLAY n`: the caller-ID name for devices that cannot show Unicode (printable ASCII).
    package var asciiDisplay: String?
    /// `ASCII LINE TEXT LABEL n` (printable ASCII).
    package var asciiLabel: String?
    /// `RING SETTING (PHONE IDLE) n`.
    package var ringSettingIdle: RingSetting?
    /// `RING SETTING (PHONE ACTIVE) n`.
    package var ringSettingActive: RingSetting?

    package init(
        index: Int, directoryNumber: String, display: String?, label: String?, partition: String?,
        maxNumCalls: Int? = nil, busyTrigger: Int? = nil, externalPhoneNumberMask: String? = nil,
        asciiDisplay: String? = nil, asciiLabel: String? = nil, ringSettingIdle: RingSetting? = nil,
        ringSettingActive: RingSetting? = nil
    ) {
        self.index = index
        self.directoryNumber = directoryNumber
        self.display = display
        self.label = label
        self.partition = partition
        self.maxNumCalls = maxNumCalls
        self.busyTrigger = busyTrigger
        self.externalPhoneNumberMask = externalPhoneNumberMask
        self.asciiDisplay = asciiDisplay
        self.asciiLabel = asciiLabel
        self.ringSettingIdle = ringSettingIdle
        self.ringSettingActive = ringSettingActive
    }
}

/// One field whose value differs between a device as stored and as a row now describes it.
package struct FieldChange: Sendable, Equatable, Codable {
    /// The BAT column (`DEVICE POOL`, `DIRECTORY NUMBER 2`) or template setting (`softkey template`) it is.
    package var field: String
    package var old: String?
    package var new: String?

    package init(field: String, old: String?, new: String?) {
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
        ("USER ID", { $0.userID }),
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
        ("MAXIMUM NUMBER OF CALLS", { $0.maxNumCalls.map(String.init) }),
        ("BUSY TRIGGER", { $0.busyTrigger.map(String.init) }),
        ("EXTERNAL PHONE NUMBER MASK", { $0.externalPhoneNumberMask }),
        ("ASCII DISPLAY", { $0.asciiDisplay }),
        ("ASCII LINE TEXT LABEL", { $0.asciiLabel }),
        ("RING SETTING (PHONE IDLE)", { $0.ringSettingIdle?.rawValue }),
        ("RING SETTING (PHONE ACTIVE)", { $0.ringSettingActive?.rawValue }),
    ]

    /// The fields in which `new` differs from `self`, device fields first, then lines by index.
    ///
    /// A line only one side has shows up as its fields going from or to nil.
    package func changes(to new: DeviceAttributes) -> [FieldChange] {
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
