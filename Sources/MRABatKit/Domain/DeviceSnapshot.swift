import Foundation

/// Everything the store holds of one device, enough to put it back exactly as it was.
///
/// A job records one before it changes a device (`update`) or removes it (`delete`), so that
/// `undo` can restore the fields or bring the device back with its id, lifecycle and codes. The
/// outstanding code travels with its secrets (salt, verifier, sealed copy — never the code), as
/// the store's own code table holds them.
package struct DeviceSnapshot: Sendable, Equatable, Codable {
    package var id: Int64
    package var name: String
    package var mac: String?
    /// The device's ``NaturalKey/stored`` text as the store held it.
    package var naturalKey: String
    package var attributes: DeviceAttributes
    package var templateName: String
    /// The job that created the device.
    package var createdByJob: Int64
    package var createdAt: Date
    package var activatedAt: Date?
    package var failedAttempts: Int
    package var throttled: Bool
    /// Its codes, oldest first. Only a snapshot of a removed device carries them; an update keeps
    /// the device's codes, so its snapshot has none.
    package var codes: [CodeSnapshot]

    package init(
        id: Int64, name: String, mac: String?, naturalKey: String, attributes: DeviceAttributes,
        templateName: String, createdByJob: Int64, createdAt: Date, activatedAt: Date?, failedAttempts: Int,
        throttled: Bool, codes: [CodeSnapshot]
    ) {
        self.id = id
        self.name = name
        self.mac = mac
        self.naturalKey = naturalKey
        self.attributes = attributes
        self.templateName = templateName
        self.createdByJob = createdByJob
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.failedAttempts = failedAttempts
        self.throttled = throttled
        self.codes = codes
    }

    /// The device as the rest of mrabat sees it.
    package var device: StoredDevice { StoredDevice(id: id, name: name, mac: mac, attributes: attributes) }

    /// The outstanding code, if the device had one.
    package var outstandingCode: CodeSnapshot? { codes.last { $0.status == .outstanding } }
}

/// One activation code of a ``DeviceSnapshot``: its record, secrets only while outstanding.
package struct CodeSnapshot: Sendable, Equatable, Codable {
    package var status: ActivationCodeStatus
    package var identity: String
    package var salt: [UInt8]?
    package var verifier: [UInt8]?
    package var sealed: [UInt8]?
    package var boundMAC: String?
    package var issuedAt: Date
    package var expiresAt: Date
    package var endedAt: Date?
    package var jobID: Int64?

    package init(
        status: ActivationCodeStatus, identity: String, salt: [UInt8]?, verifier: [UInt8]?, sealed: [UInt8]?,
        boundMAC: String?, issuedAt: Date, expiresAt: Date, endedAt: Date?, jobID: Int64?
    ) {
        self.status = status
        self.identity = identity
        self.salt = salt
        self.verifier = verifier
        self.sealed = sealed
        self.boundMAC = boundMAC
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.endedAt = endedAt
        self.jobID = jobID
    }
}

/// A change a job makes to one provisioned device: what it becomes, and what differs.
///
/// The device keeps its id, lifecycle and codes. When ``mac`` differs from the device's (a `BAT…`
/// device given its MAC, or an undo taking it back) the store renames it to ``name`` and binds its
/// outstanding code to the new MAC, as `insert` binds the code of a device provisioned with one;
/// a change of model re-ties a `BAT…` device's code to the new model by itself, since activation
/// compares the phone with the device's model.
package struct DeviceUpdate: Sendable, Equatable {
    /// The input line (or, for `undo`, the position) the change comes from.
    package var line: Int
    package var deviceID: Int64
    /// The device's name before the change.
    package var previousName: String
    package var name: String
    package var mac: String?
    /// The ``NaturalKey/stored`` text the device is known by after the change.
    package var naturalKey: String
    package var attributes: DeviceAttributes
    package var templateName: String
    /// What differs, for the audit log and the job's rows (identity changes included: `MAC ADDRESS`, `DEVICE NAME`).
    package var changes: [FieldChange]
    /// Said in each audit record (`undo of job 7`), if anything.
    package var note: String?

    package init(
        line: Int, deviceID: Int64, previousName: String, name: String, mac: String?, naturalKey: String,
        attributes: DeviceAttributes, templateName: String, changes: [FieldChange], note: String? = nil
    ) {
        self.line = line
        self.deviceID = deviceID
        self.previousName = previousName
        self.name = name
        self.mac = mac
        self.naturalKey = naturalKey
        self.attributes = attributes
        self.templateName = templateName
        self.changes = changes
        self.note = note
    }
}
