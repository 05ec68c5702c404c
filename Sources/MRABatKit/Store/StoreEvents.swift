import Foundation

/// The audit records every backend writes for the same change, worded once: `mrabat history` reads
/// the same whether the store is an SQLite file or a PostgreSQL database.
package enum StoreEvents {
    /// The `issue` records of one job's new devices: a device's history starts with its first code,
    /// under the name it was provisioned as. The expiry is formatted once per chunk, not per device.
    package struct Issue: Sendable {
        let jobID: Int64
        let at: Date
        let expiry: String

        package init(jobID: Int64, at: Date, expiresAt: Date) {
            self.jobID = jobID
            self.at = at
            expiry = "code expires \(AuditTime.format(expiresAt))"
        }

        package func event(deviceID: Int64, draft: DeviceDraft) -> AuditEvent {
            AuditEvent(
                at: at, deviceID: deviceID, deviceName: draft.name, event: "issue",
                detail: "job \(jobID) line \(draft.sourceLine): \(expiry)"
                    + (draft.mac.map { ", bound to MAC \($0.hex)" } ?? ""))
        }
    }

    /// A wrong attempt, `count` of `limit`, against the device named `deviceName`.
    ///
    /// Past the limit the count goes on (the audit log shows every attempt), but "attempt 20 of 5"
    /// reads as nonsense: it says since when the device is throttled instead.
    package static func failedAttempt(
        _ event: AuditEvent, deviceName: String, count: Int, limit: Int, wasThrottled: Bool
    ) -> AuditEvent {
        var audit = event
        audit.deviceName = deviceName
        let note =
            wasThrottled
            ? "failed attempt \(count); throttled since attempt \(limit)" : "failed attempt \(count) of \(limit)"
        audit.detail = [event.detail, note].compactMap { $0 }.joined(separator: "; ")
        return audit
    }

    /// The attempt that throttled a device.
    package static func throttled(at: Date, deviceID: Int64, deviceName: String, count: Int) -> AuditEvent {
        AuditEvent(
            at: at, deviceID: deviceID, deviceName: deviceName, event: "throttle",
            detail: "\(count) failed activation attempts; `mrabat regenerate \(deviceName)` clears it")
    }

    /// A committed activation of the device once named `previousName`, now `SEP<MAC>`.
    package static func activated(_ event: AuditEvent, deviceID: Int64, previousName: String, mac: MACAddress)
        -> AuditEvent
    {
        var audit = event
        audit.deviceID = deviceID
        audit.deviceName = mac.deviceName
        if previousName != mac.deviceName {
            audit.detail = ["renamed \(previousName) → \(mac.deviceName)", event.detail].compactMap { $0 }
                .joined(separator: "; ")
        }
        return audit
    }

    /// An activation that lost its commit (to a racing one, or to a MAC taken meanwhile), in its place.
    package static func activationLost(_ refusal: ActivationRefusal, deviceID: Int64, detail: String, at: Date)
        -> AuditEvent
    {
        AuditEvent(
            at: at, deviceID: deviceID, deviceName: refusal.deviceName, event: "activate",
            outcome: refusal.reason.rawValue, detail: detail)
    }

    /// `mrabat release` of the code issued at `issuedAt`.
    package static func released(at: Date, deviceID: Int64, deviceName: String, issuedAt: Date) -> AuditEvent {
        AuditEvent(
            at: at, deviceID: deviceID, deviceName: deviceName, event: "release",
            detail: "code issued \(AuditTime.format(issuedAt)) released")
    }

    /// A replacement code (`regenerate`, `relock`, …) for the device in state `before`.
    package static func replaced(
        _ event: String, at: Date, before: DeviceLifecycleState, deviceName: String, expiresAt: Date
    ) -> AuditEvent {
        var detail = "new code expires \(AuditTime.format(expiresAt))"
        if let mac = before.device.mac { detail += ", bound to MAC \(mac)" }
        if before.outstandingCode != nil { detail += "; previous code released" }
        if before.throttled { detail += "; throttle cleared" }
        return AuditEvent(at: at, deviceID: before.device.id, deviceName: deviceName, event: event, detail: detail)
    }

    /// `mrabat expire` ending a code whose time to live ended at `expiresAt`.
    package static func expired(at: Date, deviceID: Int64, deviceName: String, expiresAt: Date) -> AuditEvent {
        AuditEvent(
            at: at, deviceID: deviceID, deviceName: deviceName, event: "expire",
            detail: "time to live ended \(AuditTime.format(expiresAt))")
    }

    /// The refusal of a lost commit: another activation used the code a moment ago.
    package static func alreadyUsed(deviceName: String) -> ActivationRefusal {
        ActivationRefusal(
            .alreadyUsed, "the code of \(deviceName) was used by another activation a moment ago",
            deviceName: deviceName)
    }

    /// The refusal of an activation whose MAC another device has.
    package static func macInUse(_ mac: MACAddress, otherDevice: String, deviceName: String) -> ActivationRefusal {
        ActivationRefusal(.macInUse, "MAC \(mac.hex) already belongs to device \(otherDevice)", deviceName: deviceName)
    }
}
