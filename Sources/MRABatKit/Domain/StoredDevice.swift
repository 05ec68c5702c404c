import Foundation

/// A device as the store holds it, with its lines.
@dynamicMemberLookup
public struct StoredDevice: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var mac: String?
    public var attributes: DeviceAttributes

    public init(id: Int64, name: String, mac: String?, attributes: DeviceAttributes) {
        self.id = id
        self.name = name
        self.mac = mac
        self.attributes = attributes
    }

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<DeviceAttributes, T>) -> T {
        get { attributes[keyPath: keyPath] }
        set { attributes[keyPath: keyPath] = newValue }
    }
}

/// An already-provisioned device that a row may be a re-run of, or conflict with.
public struct ExistingDevice: Sendable, Equatable {
    public var device: StoredDevice
    public var naturalKey: NaturalKey
    /// The job that created it.
    public var jobID: Int64

    public init(device: StoredDevice, naturalKey: NaturalKey, jobID: Int64) {
        self.device = device
        self.naturalKey = naturalKey
        self.jobID = jobID
    }
}

/// An outstanding code as stored: secrets only, never the code itself.
public struct StoredCode: Sendable, Equatable {
    public var id: Int64
    /// Where a paged read continues (see ``Store/outstandingCodes(jobID:now:after:limit:)``).
    public var cursor: Int64
    public var deviceName: String
    public var description: String?
    public var model: String
    public var ownerUserID: String
    public var identity: String
    public var sealed: [UInt8]
    public var expiresAt: Date
}

/// One activation code's record, never the code: its status, secrets while outstanding, and dates.
public struct CodeState: Sendable, Equatable {
    public var id: Int64
    public var deviceID: Int64
    public var status: ActivationCodeStatus
    /// SRP salt and verifier; nil once the code is no longer outstanding.
    public var salt: [UInt8]?
    public var verifier: [UInt8]?
    /// The MAC the code is bound to (a device provisioned with its MAC, or a re-lock); nil for any phone of the model.
    public var boundMAC: String?
    public var issuedAt: Date
    public var expiresAt: Date
    public var endedAt: Date?
}

/// A device's lifecycle state: what activation and the code commands decide on.
public struct DeviceLifecycleState: Sendable, Equatable {
    public var device: StoredDevice
    public var activatedAt: Date?
    public var failedAttempts: Int
    public var throttled: Bool
    /// The device's outstanding code, if it has one.
    public var outstandingCode: CodeState?
}

/// What a committed activation changed.
public struct ActivationCommit: Sendable, Equatable {
    /// The device as it now is (named `SEP<MAC>`).
    public var device: StoredDevice
    /// Its name before activation (`BAT…`, or the same `SEP…` name).
    public var previousName: String
}

/// A code taken out of use by `release`, `expire` or a replacement.
public struct EndedCode: Sendable, Equatable {
    public var deviceName: String
    public var expiresAt: Date
}

/// A wrong activation attempt as counted against a device.
public struct FailedAttemptCount: Sendable, Equatable {
    /// Failed attempts counted since the device's last code was issued or its throttle cleared.
    public var attempts: Int
    /// Whether the device is throttled now.
    public var throttled: Bool
}
