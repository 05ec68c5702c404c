import Foundation

/// An audit record to append: one lifecycle event of a device.
public struct AuditEvent: Sendable, Equatable {
    public var at: Date
    public var deviceID: Int64?
    /// The device's name when the event happened (a BAT name before activation, SEP after).
    public var deviceName: String?
    /// What happened: `issue`, `activate`, `release`, `regenerate`, `relock`, `expire`, `throttle`.
    public var event: String
    /// `ok`, or why it was refused (an ``ActivationRefusal/Reason`` raw value).
    public var outcome: String
    public var detail: String?

    public init(
        at: Date, deviceID: Int64?, deviceName: String?, event: String, outcome: String = "ok", detail: String? = nil
    ) {
        self.at = at
        self.deviceID = deviceID
        self.deviceName = deviceName
        self.event = event
        self.outcome = outcome
        self.detail = detail
    }
}

/// One lifecycle event as the audit log keeps it: the event and its place in the log.
@dynamicMemberLookup
public struct AuditEntry: Sendable, Equatable {
    /// Its position in the log: entries are read back in this order.
    public var id: Int64
    public var record: AuditEvent

    public subscript<T>(dynamicMember keyPath: KeyPath<AuditEvent, T>) -> T { record[keyPath: keyPath] }
}
