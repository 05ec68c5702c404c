import Foundation
import GRDB

extension Store {
    /// Applies the writes of many concurrent activations in one `BEGIN IMMEDIATE` transaction — one
    /// fsync for all of them (group commit) — with a savepoint per write, so one write that fails
    /// leaves the others intact.
    ///
    /// Each write does what its single-purpose method does (``commitActivation(code:mac:detail:now:)``,
    /// ``recordFailedAttempt(deviceID:limit:reason:detail:now:)``, ``recordRefusal(_:deviceID:detail:now:)``,
    /// ``expireOnAttempt(code:deviceName:detail:now:)``): a commit re-checks its code inside the write lock
    /// with a conditional update, so of racing commits — in this batch or another process — exactly one
    /// wins; a loser's savepoint is rolled back and its refusal audited in its place.
    ///
    /// - Returns: one result per write, in order: `.failure(ActivationRefusal)` for a lost commit
    ///   (`already-used`, `mac-in-use`); `.failure(MRABatError)` for every write if the transaction fails
    ///   (nothing of the batch is then written).
    public func commitActivations(_ writes: [ActivationWrite]) -> [Result<ActivationWriteResult, any Error>] {
        guard !writes.isEmpty else { return [] }
        do {
            return try immediateTransaction { db in
                var results: [Result<ActivationWriteResult, any Error>] = []
                results.reserveCapacity(writes.count)
                for write in writes {
                    do {
                        var result = ActivationWriteResult()
                        try db.inSavepoint {
                            result = try Store.apply(write, in: db)
                            return .commit
                        }
                        results.append(.success(result))
                    } catch let refusal as ActivationRefusal {
                        if case .commit(let code, _, let detail, let at) = write {
                            try Store.audit(
                                db, at: at, deviceID: code.deviceID, deviceName: refusal.deviceName, event: "activate",
                                outcome: refusal.reason.rawValue, detail: detail)
                        }
                        results.append(.failure(refusal))
                    }
                }
                return results
            }
        } catch {
            let mapped = Store.map(error, doing: "record \(writes.count) activation attempt(s)")
            return writes.map { _ in .failure(mapped) }
        }
    }

    /// One write inside the caller's transaction.
    private static func apply(_ write: ActivationWrite, in db: Database) throws -> ActivationWriteResult {
        switch write {
        case .refusal(let refusal, let deviceID, let detail, let at):
            try audit(
                db, at: at, deviceID: deviceID, deviceName: refusal.deviceName, event: "activate",
                outcome: refusal.reason.rawValue, detail: detail)
            return ActivationWriteResult()
        case .failedAttempt(let deviceID, let limit, let reason, let detail, let at):
            try db.execute(
                sql: """
                    UPDATE device SET failed_attempts = failed_attempts + 1,
                        throttled = CASE WHEN failed_attempts + 1 >= ? THEN 1 ELSE throttled END
                    WHERE id = ?
                    """, arguments: [limit, deviceID])
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT name, failed_attempts, throttled FROM device WHERE id = ?", arguments: [deviceID])
            else { throw MRABatError(.store, "device \(deviceID) disappeared while counting a failed attempt") }
            let name: String = row["name"]
            let attempts: Int = row["failed_attempts"]
            let throttled: Bool = row["throttled"]
            try audit(
                db, at: at, deviceID: deviceID, deviceName: name, event: "activate", outcome: reason.rawValue,
                detail: "\(detail); failed attempt \(attempts) of \(limit)")
            if throttled && attempts == limit {
                try audit(
                    db, at: at, deviceID: deviceID, deviceName: name, event: "throttle", outcome: "ok",
                    detail: "\(attempts) failed activation attempts; `mrabat regenerate \(name)` clears it")
            }
            return ActivationWriteResult(attempts: (attempts, throttled))
        case .expire(let code, let deviceName, let detail, let at):
            try endCode(db, id: code.id, status: .expired, now: at)
            try audit(
                db, at: at, deviceID: code.deviceID, deviceName: deviceName, event: "activate",
                outcome: ActivationRefusal.Reason.expired.rawValue, detail: detail)
            return ActivationWriteResult()
        case .commit(let code, let mac, let detail, let at):
            guard let before = try lifecycleState(db, where: "d.id = ?", [code.deviceID]) else {
                throw MRABatError(.store, "the device of code \(code.id) disappeared")
            }
            guard try endCode(db, id: code.id, status: .used, now: at) else {
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
                    """, arguments: [mac.deviceName, mac.hex, Int64(at.timeIntervalSince1970), code.deviceID])
            let renamed =
                before.device.name == mac.deviceName ? "" : "renamed \(before.device.name) → \(mac.deviceName); "
            try audit(
                db, at: at, deviceID: code.deviceID, deviceName: mac.deviceName, event: "activate", outcome: "ok",
                detail: renamed + detail)
            var device = before.device
            device.name = mac.deviceName
            device.mac = mac.hex
            return ActivationWriteResult(commit: ActivationCommit(device: device, previousName: before.device.name))
        }
    }

    /// SQLite's `PRAGMA data_version` on the store's connection: it changes whenever another
    /// connection (another `mrabat` process) commits, so a cache of what was read can tell it is stale.
    public func dataVersion() throws -> Int {
        try read("check the store for changes") { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }
}
