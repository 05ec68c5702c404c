import Foundation

/// The audit records activation writes, in the activation service's words.
extension Store {
    /// Counts a wrong attempt (unknown code or wrong proof) against a device and audits it.
    @discardableResult
    func recordFailedAttempt(
        deviceID: Int64, limit: Int, reason: ActivationRefusal.Reason, detail: String, now: Date
    ) async throws -> FailedAttemptCount {
        try await recordFailedAttempt(
            deviceID: deviceID, limit: limit,
            event: AuditEvent(
                at: now, deviceID: deviceID, deviceName: nil, event: "activate", outcome: reason.rawValue,
                detail: detail))
    }

    /// Records a refused activation in the audit log (no state changes).
    func recordRefusal(_ refusal: ActivationRefusal, deviceID: Int64?, detail: String, now: Date) async throws {
        try await appendAudit([
            AuditEvent(
                at: now, deviceID: deviceID, deviceName: refusal.deviceName, event: "activate",
                outcome: refusal.reason.rawValue, detail: detail)
        ])
    }

    /// Marks an outstanding code expired on an activation attempt after its time to live, erasing its secrets.
    func expireOnAttempt(code: CodeState, deviceName: String, detail: String, now: Date) async throws {
        try await endCode(
            id: code.id, status: .expired,
            event: AuditEvent(
                at: now, deviceID: code.deviceID, deviceName: deviceName, event: "activate",
                outcome: ActivationRefusal.Reason.expired.rawValue, detail: detail))
    }

    /// Commits a successful activation, audited with `detail`.
    func commitActivation(code: CodeState, mac: MACAddress, detail: String, now: Date) async throws
        -> ActivationCommit
    {
        try await commitActivation(
            code: code, mac: mac,
            event: AuditEvent(
                at: now, deviceID: code.deviceID, deviceName: mac.deviceName, event: "activate", detail: detail))
    }
}
