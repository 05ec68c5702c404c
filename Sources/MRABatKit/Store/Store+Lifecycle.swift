import Foundation
import GRDB

/// A device's lifecycle state: what activation and the code commands decide on.
public struct DeviceLifecycleState: Sendable {
    public var device: StoredDevice
    public var activatedAt: Date?
    public var failedAttempts: Int
    public var throttled: Bool
    /// The device's outstanding code, if it has one.
    public var outstandingCode: CodeState?
}

/// One activation code's record, never the code: its status, secrets while outstanding, and dates.
public struct CodeState: Sendable {
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

/// What a committed activation changed.
public struct ActivationCommit: Sendable {
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

extension Store {
    /// One `BEGIN IMMEDIATE` transaction like ``write(_:_:)``, except that an ``ActivationRefusal``
    /// (and errors `passing` accepts) leave it unchanged for the caller.
    private func transact<T>(
        _ action: String, passing: (Error) -> Bool = { _ in false }, _ body: (Database) throws -> T
    ) throws -> T {
        do {
            return try immediateTransaction(body)
        } catch let refusal as ActivationRefusal {
            throw refusal
        } catch let error where passing(error) {
            throw error
        } catch {
            throw Store.map(error, doing: action)
        }
    }

    private static let codeColumns =
        "c.id AS code_id, c.device_id, c.status, c.salt, c.verifier, c.bound_mac, c.issued_at, c.expires_at, c.ended_at"

    private static func date(_ row: Row, _ column: String) -> Date? {
        let seconds: Int64? = row[column]
        return seconds.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    private static func code(_ row: Row) -> CodeState {
        let salt: Data? = row["salt"]
        let verifier: Data? = row["verifier"]
        let status: String = row["status"]
        return CodeState(
            id: row["code_id"], deviceID: row["device_id"], status: ActivationCodeStatus(rawValue: status) ?? .released,
            salt: salt.map { [UInt8]($0) }, verifier: verifier.map { [UInt8]($0) }, boundMAC: row["bound_mac"],
            issuedAt: date(row, "issued_at")!, expiresAt: date(row, "expires_at")!, endedAt: date(row, "ended_at"))
    }

    static func lifecycleState(_ db: Database, where condition: String, _ arguments: StatementArguments) throws
        -> DeviceLifecycleState?
    {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT \(deviceColumns), d.activated_at, d.failed_attempts, d.throttled FROM device d WHERE \(condition)
                    """, arguments: arguments)
        else { return nil }
        let id: Int64 = row["id"]
        let outstanding = try Row.fetchOne(
            db, sql: "SELECT \(codeColumns) FROM activation_code c WHERE c.device_id = ? AND c.status = 'outstanding'",
            arguments: [id])
        return DeviceLifecycleState(
            device: device(row, lines: try lines(db, deviceIDs: [id])[id] ?? []),
            activatedAt: date(row, "activated_at"),
            failedAttempts: row["failed_attempts"], throttled: row["throttled"], outstandingCode: outstanding.map(code))
    }

    /// The lifecycle state of the device named `name`, or nil.
    public func lifecycleState(deviceNamed name: String) throws -> DeviceLifecycleState? {
        try read("read a device") { db in try Store.lifecycleState(db, where: "d.name = ?", [name]) }
    }

    /// The lifecycle state of the device that has MAC `mac` (provisioned with it, or activated as it), or nil.
    public func lifecycleState(mac: MACAddress) throws -> DeviceLifecycleState? {
        try read("read a device") { db in try Store.lifecycleState(db, where: "d.mac = ?", [mac.hex]) }
    }

    /// The code with SRP identity `identity` and its device: the outstanding one if there is one,
    /// else the most recent that had this identity (so a used or released code is reported as such).
    public func activationRecord(identity: String) throws -> (code: CodeState, device: DeviceLifecycleState)? {
        try read("look up an activation code") { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT \(Store.codeColumns) FROM activation_code c WHERE c.identity = ?
                        ORDER BY c.status = 'outstanding' DESC, c.id DESC LIMIT 1
                        """, arguments: [identity])
            else { return nil }
            let code = Store.code(row)
            guard let device = try Store.lifecycleState(db, where: "d.id = ?", [code.deviceID]) else { return nil }
            return (code, device)
        }
    }

    /// Counts a wrong activation attempt against a device in its own committed transaction, and
    /// throttles the device when the count reaches `limit`.
    ///
    /// Committed on its own so that a refused attempt is counted even though nothing else changes.
    /// - Returns: the attempts counted so far and whether the device is now throttled.
    @discardableResult
    public func recordFailedAttempt(
        deviceID: Int64, limit: Int, reason: ActivationRefusal.Reason, detail: String, now: Date
    ) throws -> (attempts: Int, throttled: Bool) {
        try write("count a failed activation attempt") { db in
            try db.execute(
                sql: """
                    UPDATE device SET failed_attempts = failed_attempts + 1,
                        throttled = CASE WHEN failed_attempts + 1 >= ? THEN 1 ELSE throttled END
                    WHERE id = ?
                    """, arguments: [limit, deviceID])
            let row = try Row.fetchOne(
                db, sql: "SELECT name, failed_attempts, throttled FROM device WHERE id = ?", arguments: [deviceID])!
            let name: String = row["name"]
            let attempts: Int = row["failed_attempts"]
            let throttled: Bool = row["throttled"]
            try Store.audit(
                db, at: now, deviceID: deviceID, deviceName: name, event: "activate", outcome: reason.rawValue,
                detail: "\(detail); failed attempt \(attempts) of \(limit)")
            if throttled && attempts == limit {
                try Store.audit(
                    db, at: now, deviceID: deviceID, deviceName: name, event: "throttle", outcome: "ok",
                    detail: "\(attempts) failed activation attempts; `mrabat regenerate \(name)` clears it")
            }
            return (attempts, throttled)
        }
    }

    /// Records a refused activation in the audit log (no state changes).
    public func recordRefusal(_ refusal: ActivationRefusal, deviceID: Int64?, detail: String, now: Date) throws {
        try appendAudit(
            at: now, deviceID: deviceID, deviceName: refusal.deviceName, event: "activate",
            outcome: refusal.reason.rawValue, detail: detail)
    }

    /// Marks an outstanding code expired on an activation attempt after its time to live, erasing its secrets.
    public func expireOnAttempt(code: CodeState, deviceName: String, detail: String, now: Date) throws {
        try write("expire an activation code") { db in
            try Store.endCode(db, id: code.id, status: .expired, now: now)
            try Store.audit(
                db, at: now, deviceID: code.deviceID, deviceName: deviceName, event: "activate",
                outcome: ActivationRefusal.Reason.expired.rawValue, detail: detail)
        }
    }

    /// Ends an outstanding code: sets its status and erases its secrets.
    ///
    /// - Returns: whether it was still outstanding (false: another process ended it first).
    @discardableResult
    static func endCode(_ db: Database, id: Int64, status: ActivationCodeStatus, now: Date) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE activation_code SET status = ?, salt = NULL, verifier = NULL, sealed = NULL, ended_at = ?
                WHERE id = ? AND status = 'outstanding'
                """, arguments: [status.rawValue, Int64(now.timeIntervalSince1970), id])
        return db.changesCount == 1
    }

    /// Commits a successful activation in one transaction: the code becomes `used` with its secrets
    /// erased, the device takes the phone's MAC and the name `SEP<MAC>`, and the audit log records it.
    ///
    /// The code is re-checked inside the write lock (`BEGIN IMMEDIATE`) with a conditional update,
    /// so of two processes that both proved the same code exactly one commits.
    /// - Throws: ``ActivationRefusal`` `.alreadyUsed` if the code was no longer outstanding (lost a
    ///   race), `.macInUse` if another device took the MAC meanwhile; nothing is changed then.
    public func commitActivation(
        code: CodeState, mac: MACAddress, detail: String, now: Date
    ) throws -> ActivationCommit {
        let seconds = Int64(now.timeIntervalSince1970)
        return try transact("record the activation") { db in
            guard let before = try Store.lifecycleState(db, where: "d.id = ?", [code.deviceID]) else {
                throw MRABatError(.store, "the device of code \(code.id) disappeared")
            }
            guard try Store.endCode(db, id: code.id, status: .used, now: now) else {
                throw ActivationRefusal(
                    .alreadyUsed, "the code of \(before.device.name) was used by another activation a moment ago",
                    deviceName: before.device.name)
            }
            if let other = try String.fetchOne(
                db, sql: "SELECT name FROM device WHERE mac = ? AND id != ?", arguments: [mac.hex, code.deviceID])
            {
                throw ActivationRefusal(
                    .macInUse, "MAC \(mac.hex) already belongs to device \(other)", deviceName: before.device.name)
            }
            try db.execute(
                sql: """
                    UPDATE device SET name = ?, mac = ?, activated_at = ?, failed_attempts = 0, throttled = 0 WHERE id = ?
                    """, arguments: [mac.deviceName, mac.hex, seconds, code.deviceID])
            let renamed =
                before.device.name == mac.deviceName ? "" : "renamed \(before.device.name) → \(mac.deviceName); "
            try Store.audit(
                db, at: now, deviceID: code.deviceID, deviceName: mac.deviceName, event: "activate", outcome: "ok",
                detail: renamed + detail)
            var device = before.device
            device.name = mac.deviceName
            device.mac = mac.hex
            return ActivationCommit(device: device, previousName: before.device.name)
        }
    }

    /// Releases the outstanding code of the device named `name`: it can no longer activate a phone.
    ///
    /// - Throws: `.notFound` if there is no such device or it has no outstanding code.
    public func releaseCode(deviceNamed name: String, now: Date) throws -> EndedCode {
        try write("release an activation code") { db in
            guard let state = try Store.lifecycleState(db, where: "d.name = ?", [name]) else {
                throw MRABatError(.notFound, "no device named \(name)", value: name)
            }
            guard let code = state.outstandingCode else {
                throw MRABatError(
                    .notFound, "device \(name) has no outstanding activation code to release", value: name)
            }
            try Store.endCode(db, id: code.id, status: .released, now: now)
            try Store.audit(
                db, at: now, deviceID: state.device.id, deviceName: name, event: "release", outcome: "ok",
                detail: "code issued \(AuditTime.format(code.issuedAt)) released")
            return EndedCode(deviceName: name, expiresAt: code.expiresAt)
        }
    }

    /// What a replacement code is for.
    public enum Replacement: String, Sendable {
        /// A new code for a device not yet activated (or throttled); clears the throttle.
        case regenerate
        /// Option 2: an activated phone must activate again with a new code bound to its MAC.
        case relock
    }

    /// Replaces the device's code with a new one (its secrets computed by the caller), in one transaction.
    ///
    /// Any outstanding code is released; the new code is bound to the device's MAC when it has one;
    /// the throttle and failed-attempt count are cleared. A re-lock also clears `activated_at`, so
    /// the phone counts as waiting for activation again.
    /// - Throws: `.notFound` for an unknown device; `.validation` when `regenerate` meets an activated
    ///   device (use `relock`) or `relock` one that is not activated (use `regenerate`);
    ///   `DatabaseError` `SQLITE_CONSTRAINT` if the new identity collides with an outstanding code
    ///   (the caller draws another code).
    public func replaceCode(
        deviceNamed name: String, with secrets: IssuedCodeSecrets, kind: Replacement, ttlHours: Int, now: Date
    ) throws -> (device: DeviceLifecycleState, expiresAt: Date) {
        let issued = Int64(now.timeIntervalSince1970)
        let expires = issued + Int64(ttlHours) * 3600
        let isCollision = { (error: Error) in (error as? DatabaseError)?.resultCode == .SQLITE_CONSTRAINT }
        return try transact("replace the activation code of \(name)", passing: isCollision) { db in
            guard let state = try Store.lifecycleState(db, where: "d.name = ?", [name]) else {
                throw MRABatError(.notFound, "no device named \(name)", value: name)
            }
            let activated = state.activatedAt != nil
            switch kind {
            case .regenerate where activated:
                throw MRABatError(
                    .validation,
                    "device \(name) is activated; `mrabat relock \(name)` makes it require a new code", value: name)
            case .relock where !activated:
                throw MRABatError(
                    .validation,
                    "device \(name) is not activated, so there is nothing to re-lock; "
                        + "`mrabat regenerate \(name)` gives it a new code", value: name)
            default: break
            }
            if let old = state.outstandingCode {
                try Store.endCode(db, id: old.id, status: .released, now: now)
            }
            try Store.insertCode(
                db, deviceID: state.device.id, secrets: secrets, boundMAC: state.device.mac, issuedAt: issued,
                expiresAt: expires, jobID: nil)
            try db.execute(
                sql: """
                    UPDATE device SET failed_attempts = 0, throttled = 0,
                        activated_at = CASE WHEN ? THEN NULL ELSE activated_at END WHERE id = ?
                    """, arguments: [kind == .relock, state.device.id])
            var detail = "new code expires \(AuditTime.format(Date(timeIntervalSince1970: TimeInterval(expires))))"
            if let mac = state.device.mac { detail += ", bound to MAC \(mac)" }
            if state.outstandingCode != nil { detail += "; previous code released" }
            if state.throttled { detail += "; throttle cleared" }
            try Store.audit(
                db, at: now, deviceID: state.device.id, deviceName: name, event: kind.rawValue, outcome: "ok",
                detail: detail)
            return (
                try Store.lifecycleState(db, where: "d.id = ?", [state.device.id])!,
                Date(timeIntervalSince1970: TimeInterval(expires))
            )
        }
    }

    /// Expires every outstanding code whose time to live has passed at `now`, erasing its secrets.
    ///
    /// - Returns: the codes expired, in device-name order.
    public func expireCodes(now: Date) throws -> [EndedCode] {
        let seconds = Int64(now.timeIntervalSince1970)
        return try write("expire activation codes") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.device_id, c.expires_at, d.name FROM activation_code c JOIN device d ON d.id = c.device_id
                    WHERE c.status = 'outstanding' AND c.expires_at <= ? ORDER BY d.name
                    """, arguments: [seconds])
            var ended: [EndedCode] = []
            for row in rows {
                let expires = Date(timeIntervalSince1970: TimeInterval(row["expires_at"] as Int64))
                let name: String = row["name"]
                try Store.endCode(db, id: row["id"], status: .expired, now: now)
                try Store.audit(
                    db, at: now, deviceID: row["device_id"], deviceName: name, event: "expire", outcome: "ok",
                    detail: "time to live ended \(AuditTime.format(expires))")
                ended.append(EndedCode(deviceName: name, expiresAt: expires))
            }
            return ended
        }
    }

    /// The outstanding, unexpired codes of `owner`'s devices that are not throttled — the phones
    /// Self-Care shows as ready to activate — in device-name order.
    public func readyToActivate(ownerUserID owner: String, now: Date) throws -> [StoredCode] {
        try read("read the user's phones") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, d.name, d.description, d.model, d.owner_user_id, c.identity, c.sealed, c.expires_at
                    FROM activation_code c JOIN device d ON d.id = c.device_id
                    WHERE d.owner_user_id = ? AND c.status = 'outstanding' AND c.expires_at > ? AND d.throttled = 0
                    ORDER BY d.name
                    """, arguments: [owner, Int64(now.timeIntervalSince1970)]
            ).map(Store.storedCode)
        }
    }

    /// How many devices `owner` has at all.
    public func deviceCount(ownerUserID owner: String) throws -> Int {
        try read("count the user's phones") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM device WHERE owner_user_id = ?", arguments: [owner]) ?? 0
        }
    }
}
