import Foundation
import GRDB

extension SQLiteStore {
    /// The lifecycle state of the first device `request` selects, or nil.
    static func lifecycleState(_ db: Database, _ request: QueryInterfaceRequest<DeviceRecord>) throws
        -> DeviceLifecycleState?
    {
        guard let record = try request.fetchOne(db) else { return nil }
        return try lifecycleState(db, record: record)
    }

    /// The lifecycle state of the device `record`, from cached statements (the activation service's
    /// hot path: every `start` and every commit reads one device).
    static func lifecycleState(_ db: Database, record: DeviceRecord) throws -> DeviceLifecycleState? {
        guard let id = record.id else { return nil }
        let device = record.stored(lines: try lines(db, deviceID: id))
        let code = try ActivationCodeRecord.fetchOne(
            db.cachedStatement(
                sql: "SELECT * FROM activation_code WHERE device_id = ? AND status = 'outstanding' LIMIT 1"),
            arguments: [id])
        return DeviceLifecycleState(
            device: device, activatedAt: record.activatedAt.map(date), failedAttempts: record.failedAttempts,
            throttled: record.throttled, outstandingCode: code?.state)
    }

    static func lifecycleState(_ db: Database, deviceID: Int64) throws -> DeviceLifecycleState? {
        guard let record = try device(db, id: deviceID) else { return nil }
        return try lifecycleState(db, record: record)
    }

    /// The device row with `id`, by a cached statement.
    static func device(_ db: Database, id: Int64) throws -> DeviceRecord? {
        try DeviceRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM device WHERE id = ?"), arguments: [id])
    }

    /// One device's lines in index order, by a cached statement (``devices(_:_:)`` for many).
    static func lines(_ db: Database, deviceID: Int64) throws -> [LineRecord] {
        try LineRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM line WHERE device_id = ? ORDER BY idx"), arguments: [deviceID])
    }

    package func lifecycleState(deviceNamed name: String) async throws -> DeviceLifecycleState? {
        try await read("read a device") { db in
            try Self.lifecycleState(db, DeviceRecord.filter(DeviceRecord.Columns.name == name))
        }
    }

    package func lifecycleState(mac: MACAddress) async throws -> DeviceLifecycleState? {
        try await read("read a device") { db in
            try Self.lifecycleState(db, DeviceRecord.filter(DeviceRecord.Columns.mac == mac.hex))
        }
    }

    /// The code with identity `?1`: the outstanding one, else the one that ended last. Each half is
    /// one search of its partial index (schema v6); `rank` orders them.
    static let activationRecordSQL = """
        SELECT * FROM (SELECT *, 0 AS rank FROM activation_code WHERE identity = ?1 AND status = 'outstanding')
        UNION ALL
        SELECT * FROM (
            SELECT *, 1 AS rank FROM activation_code WHERE identity = ?1 AND status <> 'outstanding'
            ORDER BY id DESC LIMIT 1)
        ORDER BY rank LIMIT 1
        """

    package func activationRecord(identity: String) async throws -> (code: CodeState, device: DeviceLifecycleState)? {
        try await read("look up an activation code") { db in
            // Outstanding first, else the most recent; a cached statement (every `start` runs it).
            guard
                let code = try ActivationCodeRecord.fetchOne(
                    db.cachedStatement(sql: Self.activationRecordSQL), arguments: [identity]),
                let device = try Self.lifecycleState(db, deviceID: code.deviceID)
            else { return nil }
            return (code.state, device)
        }
    }

    package func recordFailedAttempt(deviceID: Int64, limit: Int, event: AuditEvent) async throws -> FailedAttemptCount
    {
        try await write("count a failed activation attempt") { db in
            try Self.recordFailedAttempt(db, deviceID: deviceID, limit: limit, event: event)
        }
    }

    /// A wrong attempt inside the caller's transaction (see ``Store/recordFailedAttempt(deviceID:limit:event:)``).
    static func recordFailedAttempt(_ db: Database, deviceID: Int64, limit: Int, event: AuditEvent) throws
        -> FailedAttemptCount
    {
        guard var device = try DeviceRecord.fetchOne(db, key: deviceID) else {
            throw MRABatError(.notFound, "no device with id \(deviceID)")
        }
        let wasThrottled = device.throttled
        device.failedAttempts += 1
        device.throttled = device.throttled || device.failedAttempts >= limit
        try device.update(db, columns: [DeviceRecord.Columns.failedAttempts, DeviceRecord.Columns.throttled])
        let count = device.failedAttempts
        var record = AuditRecord(
            StoreEvents.failedAttempt(
                event, deviceName: device.name, count: count, limit: limit, wasThrottled: wasThrottled))
        try record.insert(db)
        if device.throttled && !wasThrottled {
            var throttle = AuditRecord(
                StoreEvents.throttled(at: event.at, deviceID: deviceID, deviceName: device.name, count: count))
            try throttle.insert(db)
        }
        return FailedAttemptCount(attempts: count, throttled: device.throttled)
    }

    /// Ends an outstanding code inside the caller's transaction: status set, secrets erased.
    /// - Returns: whether it was still outstanding (false: another process ended it first).
    static func endCode(_ db: Database, id: Int64, status: ActivationCodeStatus, now: Date) throws -> Bool {
        try db.cachedStatement(
            sql: """
                UPDATE activation_code SET status = ?, salt = NULL, verifier = NULL, sealed = NULL, ended_at = ?
                WHERE id = ? AND status = 'outstanding'
                """
        ).execute(arguments: [status.rawValue, seconds(now), id])
        return db.changesCount == 1
    }

    package func endCode(id: Int64, status: ActivationCodeStatus, event: AuditEvent) async throws -> Bool {
        try await write("end an activation code") { db in
            let ended = try Self.endCode(db, id: id, status: status, now: event.at)
            var record = AuditRecord(event)
            try record.insert(db)
            return ended
        }
    }

    package func commitActivation(code: CodeState, mac: MACAddress, event: AuditEvent) async throws -> ActivationCommit
    {
        try await write("record the activation") { db in
            try Self.commitActivation(db, code: code, mac: mac, event: event)
        }
    }

    /// One activation inside the caller's transaction (see ``Store/commitActivation(code:mac:event:)``).
    static func commitActivation(_ db: Database, code: CodeState, mac: MACAddress, event: AuditEvent) throws
        -> ActivationCommit
    {
        guard var record = try device(db, id: code.deviceID), let id = record.id else {
            throw MRABatError(.store, "the device of activation code \(code.id) disappeared")
        }
        let before = record.stored(lines: try lines(db, deviceID: id))
        guard try endCode(db, id: code.id, status: .used, now: event.at) else {
            throw StoreEvents.alreadyUsed(deviceName: before.name)
        }
        if let other = try DeviceRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM device WHERE mac = ? AND id <> ? LIMIT 1"),
            arguments: [mac.hex, code.deviceID])
        {
            throw StoreEvents.macInUse(mac, otherDevice: other.name, deviceName: before.name)
        }
        record.name = mac.deviceName
        record.mac = mac.hex
        record.activatedAt = seconds(event.at)
        record.failedAttempts = 0
        record.throttled = false
        try record.update(db)
        var auditRecord = AuditRecord(
            StoreEvents.activated(event, deviceID: code.deviceID, previousName: before.name, mac: mac))
        try auditRecord.insert(db)
        var device = before
        device.name = mac.deviceName
        device.mac = mac.hex
        return ActivationCommit(device: device, previousName: before.name)
    }

    package func releaseCode(deviceNamed name: String, now: Date) async throws -> EndedCode {
        try await write("release an activation code") { db in
            guard let state = try Self.lifecycleState(db, DeviceRecord.filter(DeviceRecord.Columns.name == name)) else {
                throw MRABatError(.notFound, "no device named \(name)", value: name)
            }
            guard let code = state.outstandingCode else {
                throw MRABatError(
                    .notFound, "device \(name) has no outstanding activation code to release", value: name)
            }
            _ = try Self.endCode(db, id: code.id, status: .released, now: now)
            var audit = AuditRecord(
                StoreEvents.released(at: now, deviceID: state.device.id, deviceName: name, issuedAt: code.issuedAt))
            try audit.insert(db)
            return EndedCode(deviceName: name, expiresAt: code.expiresAt)
        }
    }

    package func replaceCode(
        deviceNamed name: String, with secrets: IssuedCodeSecrets, expiresAt: Date, event: String,
        clearsActivation: Bool, now: Date, check: @escaping @Sendable (DeviceLifecycleState) throws -> Void
    ) async throws -> DeviceLifecycleState {
        try await write("replace the activation code of \(name)") { db in
            guard let state = try Self.lifecycleState(db, DeviceRecord.filter(DeviceRecord.Columns.name == name)),
                var record = try DeviceRecord.fetchOne(db, key: state.device.id)
            else {
                throw MRABatError(.notFound, "no device named \(name)", value: name)
            }
            try check(state)
            if let old = state.outstandingCode {
                _ = try Self.endCode(db, id: old.id, status: .released, now: now)
            }
            // The identity is unique among outstanding codes; a collision is the caller's to redraw.
            let taken = try ActivationCodeRecord.filter(
                ActivationCodeRecord.Columns.identity == secrets.identity && ActivationCodeRecord.outstanding
            ).fetchCount(db)
            guard taken == 0 else { throw StoreConflict.codeIdentityTaken }
            var code = ActivationCodeRecord(
                deviceID: state.device.id, secrets: secrets, boundMAC: state.device.mac, issuedAt: Self.seconds(now),
                expiresAt: Self.seconds(expiresAt), jobID: nil)
            try code.insert(db)
            record.failedAttempts = 0
            record.throttled = false
            if clearsActivation { record.activatedAt = nil }
            try record.update(db)
            var audit = AuditRecord(
                StoreEvents.replaced(event, at: now, before: state, deviceName: name, expiresAt: expiresAt))
            try audit.insert(db)
            guard let replaced = try Self.lifecycleState(db, deviceID: state.device.id) else {
                throw MRABatError(.store, "device \(name) disappeared while its code was replaced")
            }
            return replaced
        }
    }

    package func expireCodes(now: Date) async throws -> [EndedCode] {
        try await write("expire activation codes") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.device_id, c.expires_at, d.name FROM activation_code c JOIN device d ON d.id = c.device_id
                    WHERE c.status = 'outstanding' AND c.expires_at <= ? ORDER BY d.name
                    """, arguments: [Self.seconds(now)])
            var ended: [EndedCode] = []
            for row in rows {
                let expires = Self.date(row["expires_at"])
                let name: String = row["name"]
                _ = try Self.endCode(db, id: row["id"], status: .expired, now: now)
                var audit = AuditRecord(
                    StoreEvents.expired(at: now, deviceID: row["device_id"], deviceName: name, expiresAt: expires))
                try audit.insert(db)
                ended.append(EndedCode(deviceName: name, expiresAt: expires))
            }
            return ended
        }
    }

    package func readyToActivate(ownerUserID owner: String, now: Date) async throws -> [StoredCode] {
        let now = Self.seconds(now)
        return try await read("read the user's phones") { db in
            let columns = OutstandingCodeRow.columns
            let request: SQLRequest<OutstandingCodeRow> = """
                SELECT c.id AS cursor, \(columns) FROM activation_code c JOIN device d ON d.id = c.device_id
                WHERE d.owner_user_id = \(owner) AND c.status = 'outstanding' AND c.expires_at > \(now)
                    AND d.throttled = 0 AND c.sealed IS NOT NULL
                ORDER BY d.name
                """
            return try request.fetchAll(db).map(\.code)
        }
    }

    package func deviceCount(ownerUserID owner: String) async throws -> Int {
        try await read("count the user's phones") { db in
            try DeviceRecord.filter(DeviceRecord.Columns.ownerUserID == owner).fetchCount(db)
        }
    }
}
