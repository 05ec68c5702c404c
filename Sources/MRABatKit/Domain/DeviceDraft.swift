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
}

/// A row merged with its template and checked: everything needed to create one device.
@dynamicMemberLookup
public struct DeviceDraft: Sendable, Equatable {
    /// The CSV line the row started on.
    public var sourceLine: Int
    public var mac: MACAddress?
    /// Assigned by naming: `SEP<MAC>` or `BAT…`.
    public var name: String = ""
    public var attributes: DeviceAttributes
    public var templateName: String
    /// Things worth a look that do not stop the row (a DN that may have lost its `+`, a typographic quote in a description).
    public var warnings: [RowProblem] = []

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<DeviceAttributes, T>) -> T {
        get { attributes[keyPath: keyPath] }
        set { attributes[keyPath: keyPath] = newValue }
    }

    /// What identifies "the same phone" across runs, so a re-run does not create it twice.
    ///
    /// A row with a MAC is that MAC. A row without one is its owner, model and first line
    /// (DN and partition): a user does not get two phones of one model on one first line
    /// by accident, while a second phone of another model, or on another line, is a new device.
    public var naturalKey: String {
        if let mac { return "mac:\(mac.hex)" }
        let first = attributes.lines.first
        let owner = attributes.ownerUserID.lowercased()
        return "row:\(owner)|\(attributes.model)|\(first?.directoryNumber ?? "")|\(first?.partition ?? "")"
    }

    /// Every attribute that a re-run must find unchanged; names and codes excluded.
    public var fingerprint: String {
        // Built by appending: this runs for every accepted row. The separator cannot occur in CSV
        // text that passed validation (control characters are rejected), but is stripped to be sure.
        var text = ""
        text.reserveCapacity(256)
        func add(_ part: String) {
            if part.utf8.contains(0x1F) {
                text += String(part.unicodeScalars.filter { $0 != "\u{1F}" })
            } else {
                text += part
            }
            text += "\u{1F}"
        }
        let a = attributes
        for part in [
            mac?.hex ?? "", a.model, a.devicePool, a.serviceDomain ?? "", a.ownerUserID, a.description ?? "",
            a.location ?? "", a.css ?? "", a.deviceProtocol, a.phoneButtonTemplate, a.softkeyTemplate,
            a.securityProfile, a.sipProfile, a.userLocale, a.requiresActivationCodeOnboarding ? "true" : "false",
            a.allowActivationCodeViaMRA ? "true" : "false",
        ] {
            add(part)
        }
        for line in attributes.lines {
            add(String(line.index))
            add(line.directoryNumber)
            add(line.display ?? "")
            add(line.label ?? "")
            add(line.partition ?? "")
        }
        text.removeLast()
        return text
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
}
