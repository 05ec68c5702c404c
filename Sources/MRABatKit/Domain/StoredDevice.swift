import Foundation

/// A device as the store holds it, with its lines.
@dynamicMemberLookup
package struct StoredDevice: Sendable, Equatable {
    package var id: Int64
    package var name: String
    package var mac: String?
    package var attributes: DeviceAttributes

    package init(id: Int64, name: String, mac: String?, attributes: DeviceAttributes) {
        self.id = id
        self.name = name
        self.mac = mac
        self.attributes = attributes
    }

    package subscript<T>(dynamicMember keyPath: WritableKeyPath<DeviceAttributes, T>) -> T {
        get { attributes[keyPath: keyPath] }
        set { attributes[keyPath: keyPath] = newValue }
    }
}

/// An already-provisioned device that a row may be a re-run of, or conflict with.
package struct ExistingDevice: Sendable, Equatable {
    package var device: StoredDevice
    package var naturalKey: NaturalKey
    /// The job that created it.
    package var jobID: Int64
    /// Whether a phone has activated as it (its MAC is then the phone's own, from its certificate).
    package var activated: Bool

    package init(device: StoredDevice, naturalKey: NaturalKey, jobID: Int64, activated: Bool = false) {
        self.device = device
        self.naturalKey = naturalKey
        self.jobID = jobID
        self.activated = activated
    }
}

/// An outstanding code as stored: secrets only, never the code itself.
package struct StoredCode: Sendable, Equatable {
    package var id: Int64
    /// Where a paged read continues (see ``Store/outstandingCodes(jobID:now:after:limit:)``).
    package var cursor: Int64
    package var deviceName: String
    package var description: String?
    package var model: String
    package var ownerUserID: String
    package var identity: String
    package var sealed: [UInt8]
    package var expiresAt: Date

    package init(
        id: Int64, cursor: Int64, deviceName: String, description: String?, model: String, ownerUserID: String,
        identity: String, sealed: [UInt8], expiresAt: Date
    ) {
        self.id = id
        self.cursor = cursor
        self.deviceName = deviceName
        self.description = description
        self.model = model
        self.ownerUserID = ownerUserID
        self.identity = identity
        self.sealed = sealed
        self.expiresAt = expiresAt
    }
}

/// One activation code's record, never the code: its status, secrets while outstanding, and dates.
package struct CodeState: Sendable, Equatable {
    package var id: Int64
    package var deviceID: Int64
    package var status: ActivationCodeStatus
    /// SRP salt and verifier; nil once the code is no longer outstanding.
    package var salt: [UInt8]?
    package var verifier: [UInt8]?
    /// The MAC the code is bound to (a device provisioned with its MAC, or a re-lock); nil for any phone of the model.
    package var boundMAC: String?
    package var issuedAt: Date
    package var expiresAt: Date
    package var endedAt: Date?

    package init(
        id: Int64, deviceID: Int64, status: ActivationCodeStatus, salt: [UInt8]?, verifier: [UInt8]?, boundMAC: String?,
        issuedAt: Date, expiresAt: Date, endedAt: Date?
    ) {
        self.id = id
        self.deviceID = deviceID
        self.status = status
        self.salt = salt
        self.verifier = verifier
        self.boundMAC = boundMAC
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.endedAt = endedAt
    }
}

/// A device's lifecycle state: what activation and the code commands decide on.
package struct DeviceLifecycleState: Sendable, Equatable {
    package var device: StoredDevice
    package var activatedAt: Date?
    package var failedAttempts: Int
    package var throttled: Bool
    /// The device's outstanding code, if it has one.
    package var outstandingCode: CodeState?

    package init(
        device: StoredDevice, activatedAt: Date?, failedAttempts: Int, throttled: Bool, outstandingCode: CodeState?
    ) {
        self.device = device
        self.activatedAt = activatedAt
        self.failedAttempts = failedAttempts
        self.throttled = throttled
        self.outstandingCode = outstandingCode
    }
}

/// What a committed activation changed.
package struct ActivationCommit: Sendable, Equatable {
    /// The device as it now is (named `SEP<MAC>`).
    package var device: StoredDevice
    /// Its name before activation (`BAT…`, or the same `SEP…` name).
    package var previousName: String

    package init(device: StoredDevice, previousName: String) {
        self.device = device
        self.previousName = previousName
    }
}

/// A code taken out of use by `release`, `expire` or a replacement.
package struct EndedCode: Sendable, Equatable {
    package var deviceName: String
    package var expiresAt: Date

    package init(deviceName: String, expiresAt: Date) {
        self.deviceName = deviceName
        self.expiresAt = expiresAt
    }
}

/// A wrong activation attempt as counted against a device.
package struct FailedAttemptCount: Sendable, Equatable {
    /// Failed attempts counted since the device's last code was issued or its throttle cleared.
    package var attempts: Int
    /// Whether the device is throttled now.
    package var throttled: Bool

    package init(attempts: Int, throttled: Bool) {
        self.attempts = attempts
        self.throttled = throttled
    }
}
