import Foundation

/// An audit record to append: one lifecycle event of a device.
package struct AuditEvent: Sendable, Equatable {
    package var at: Date
    package var deviceID: Int64?
    /// The device's name when the event happened (a BAT name before activation, SEP after).
    package var deviceName: String?
    /// What happened: `issue`, `activate`, `release`, `regenerate`, `relock`, `expire`, `throttle`.
    package var event: String
    /// `ok`, or why it was refused (an ``ActivationRefusal/Reason`` raw value).
    package var outcome: String
    package var detail: String?

    package init(
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
package struct AuditEntry: Sendable, Equatable {
    /// Its position in the log: entries are read back in this order.
    package var id: Int64
    package var record: AuditEvent

    package init(id: Int64, record: AuditEvent) {
        self.id = id
        self.record = record
    }

    package subscript<T>(dynamicMember keyPath: KeyPath<AuditEvent, T>) -> T { record[keyPath: keyPath] }
}
