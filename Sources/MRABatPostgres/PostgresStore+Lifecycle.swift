import Foundation
import MRABatKit
import PostgresNIO

extension PostgresStore {
    /// The columns of a code, qualified by `c`.
    static let codeStateColumns = """
        c.id, c.device_id, c.status, c.salt, c.verifier, c.bound_mac, c.issued_at, c.expires_at, c.ended_at
        """

    static func codeState(_ row: PostgresRandomAccessRow) throws -> CodeState {
        let status: String = try row.get("status")
        return CodeState(
            id: try row.get("id"), deviceID: try row.get("device_id"),
            // The column's CHECK constraint admits only the four statuses.
            status: ActivationCodeStatus(rawValue: status) ?? .released,
            salt: try row.get("salt", as: Data?.self).map { [UInt8]($0) },
            verifier: try row.get("verifier", as: Data?.self).map { [UInt8]($0) }, boundMAC: try row.get("bound_mac"),
            issuedAt: date(try row.get("issued_at")), expiresAt: date(try row.get("expires_at")),
            endedAt: try row.get("ended_at", as: Int64?.self).map(date))
    }

    /// The lifecycle state of the device `condition` selects (a `WHERE` clause on `device d`), or nil.
    ///
    /// - Parameter lock: lock the device row (`FOR UPDATE`) until the transaction ends, so that what
    ///   is read is what the caller's writes change: a racing writer waits, then sees this one's result.
    static func lifecycleState(_ db: PostgresConnection, where condition: PostgresQuery, lock: Bool = false)
        async throws -> DeviceLifecycleState?
    {
        let query = PostgresQuery(
            unsafeSQL: "SELECT \(DeviceRow.columns) FROM device d WHERE \(condition.sql)\(lock ? " FOR UPDATE" : "")",
            binds: condition.binds)
        guard let row = try await devices(db, query).first else { return nil }
        let code = try await db.rows(
            """
            SELECT \(unescaped: codeStateColumns) FROM activation_code c
            WHERE c.device_id = \(row.device.id) AND c.status = 'outstanding'
            """
        ).first.map(codeState)
        return DeviceLifecycleState(
            device: row.device, activatedAt: row.activatedAt.map(date), failedAttempts: row.failedAttempts,
            throttled: row.throttled, outstandingCode: code)
    }

    package func lifecycleState(deviceNamed name: String) async throws -> DeviceLifecycleState? {
        try await read("read a device") { db in try await Self.lifecycleState(db, where: "d.name = \(name)") }
    }

    package func lifecycleState(mac: MACAddress) async throws -> DeviceLifecycleState? {
        let hex = mac.hex
        return try await read("read a device") { db in try await Self.lifecycleState(db, where: "d.mac = \(hex)") }
    }

    package func activationRecord(identity: String) async throws -> (code: CodeState, device: DeviceLifecycleState)? {
        try await read("look up an activation code") { db in
            guard
                // Outstanding first, else the one that ended last: each half one search of its partial index.
                let code = try await db.rows(
                    """
                    (SELECT \(unescaped: Self.codeStateColumns), 0 AS rank FROM activation_code c
                        WHERE c.identity = \(identity) AND c.status = 'outstanding')
                    UNION ALL
                    (SELECT \(unescaped: Self.codeStateColumns), 1 AS rank FROM activation_code c
                        WHERE c.identity = \(identity) AND c.status <> 'outstanding' ORDER BY c.id DESC LIMIT 1)
                    ORDER BY rank LIMIT 1
                    """
                ).first.map(Self.codeState),
                let device = try await Self.lifecycleState(db, where: "d.id = \(code.deviceID)")
            else { return nil }
            return (code, device)
        }
    }

    package func recordFailedAttempt(deviceID: Int64, limit: Int, event: AuditEvent) async throws -> FailedAttemptCount
    {
        try await write("count a failed activation attempt") { db in
            try await Self.recordFailedAttempt(db, deviceID: deviceID, limit: limit, event: event)
        }
    }

    /// A wrong attempt inside the caller's transaction; the device row stays locked until it ends,
    /// so attempts racing on other nodes count one after the other.
    static func recordFailedAttempt(_ db: PostgresConnection, deviceID: Int64, limit: Int, event: AuditEvent)
        async throws -> FailedAttemptCount
    {
        guard
            let row = try await db.rows(
                "SELECT name, failed_attempts, throttled FROM device WHERE id = \(deviceID) FOR UPDATE"
            ).first
        else { throw MRABatError(.notFound, "no device with id \(deviceID)") }
        let name: String = try row.get("name")
        let wasThrottled: Bool = try row.get("throttled")
        let count = try row.get("failed_attempts", as: Int.self) + 1
        let throttled = wasThrottled || count >= limit
        try await db.run(
            "UPDATE device SET failed_attempts = \(count), throttled = \(throttled) WHERE id = \(deviceID)")
        var events = [
            StoreEvents.failedAttempt(event, deviceName: name, count: count, limit: limit, wasThrottled: wasThrottled)
        ]
        if throttled && !wasThrottled {
            events.append(StoreEvents.throttled(at: event.at, deviceID: deviceID, deviceName: name, count: count))
        }
        try await db.appendAudit(events)
        return FailedAttemptCount(attempts: count, throttled: throttled)
    }

    /// Ends an outstanding code inside the caller's transaction: status set, secrets erased.
    ///
    /// A racing transaction that ended it first makes this one wait for its commit, then find the
    /// code no longer outstanding (READ COMMITTED re-reads the row): exactly one of them ends it.
    /// - Returns: whether it was still outstanding.
    static func endCode(_ db: PostgresConnection, id: Int64, status: ActivationCodeStatus, now: Date) async throws
        -> Bool
    {
        let ended = try await db.rows(
            """
            UPDATE activation_code SET status = \(status.rawValue), salt = NULL, verifier = NULL, sealed = NULL,
                ended_at = \(seconds(now))
            WHERE id = \(id) AND status = 'outstanding' RETURNING id
            """)
        return ended.count == 1
    }

    package func endCode(id: Int64, status: ActivationCodeStatus, event: AuditEvent) async throws -> Bool {
        try await write("end an activation code") { db in
            let ended = try await Self.endCode(db, id: id, status: status, now: event.at)
            try await db.appendAudit([event])
            return ended
        }
    }

    package func commitActivation(code: CodeState, mac: MACAddress, event: AuditEvent) async throws -> ActivationCommit
    {
        try await write("record the activation") { db in
            try await Self.commitActivation(db, code: code, mac: mac, event: event)
        }
    }

    /// One activation inside the caller's transaction (see ``Store/commitActivation(code:mac:event:)``).
    static func commitActivation(_ db: PostgresConnection, code: CodeState, mac: MACAddress, event: AuditEvent)
        async throws -> ActivationCommit
    {
        guard
            let before = try await devices(
                db, "SELECT \(unescaped: DeviceRow.columns) FROM device d WHERE d.id = \(code.deviceID) FOR UPDATE"
            ).first?.device
        else {
            throw MRABatError(.store, "the device of activation code \(code.id) disappeared")
        }
        guard try await endCode(db, id: code.id, status: .used, now: event.at) else {
            throw StoreEvents.alreadyUsed(deviceName: before.name)
        }
        if let other = try await db.value(
            "SELECT name FROM device WHERE mac = \(mac.hex) AND id <> \(code.deviceID)", as: String.self)
        {
            throw StoreEvents.macInUse(mac, otherDevice: other, deviceName: before.name)
        }
        // Another node may be giving this MAC to another device right now: the unique index makes
        // this update wait for it, then fail if it committed. That is the same refusal.
        try await db.run("SAVEPOINT activation_rename")
        do {
            try await db.run(
                """
                UPDATE device SET name = \(mac.deviceName), mac = \(mac.hex), activated_at = \(seconds(event.at)),
                    failed_attempts = 0, throttled = false
                WHERE id = \(code.deviceID)
                """)
            try await db.run("RELEASE SAVEPOINT activation_rename")
        } catch  where sqlState(error) == "23505" {
            try await db.run("ROLLBACK TO SAVEPOINT activation_rename")
            let other =
                try await db.value(
                    "SELECT name FROM device WHERE (mac = \(mac.hex) OR name = \(mac.deviceName)) AND id <> \(code.deviceID)",
                    as: String.self) ?? mac.deviceName
            throw StoreEvents.macInUse(mac, otherDevice: other, deviceName: before.name)
        }
        try await db.appendAudit([
            StoreEvents.activated(event, deviceID: code.deviceID, previousName: before.name, mac: mac)
        ])
        var device = before
        device.name = mac.deviceName
        device.mac = mac.hex
        return ActivationCommit(device: device, previousName: before.name)
    }

    package func releaseCode(deviceNamed name: String, now: Date) async throws -> EndedCode {
        try await write("release an activation code") { db in
            guard let state = try await Self.lifecycleState(db, where: "d.name = \(name)", lock: true) else {
                throw MRABatError(.notFound, "no device named \(name)", value: name)
            }
            guard let code = state.outstandingCode else {
                throw MRABatError(
                    .notFound, "device \(name) has no outstanding activation code to release", value: name)
            }
            _ = try await Self.endCode(db, id: code.id, status: .released, now: now)
            try await db.appendAudit([
                StoreEvents.released(at: now, deviceID: state.device.id, deviceName: name, issuedAt: code.issuedAt)
            ])
            return EndedCode(deviceName: name, expiresAt: code.expiresAt)
        }
    }

    package func replaceCode(
        deviceNamed name: String, with secrets: IssuedCodeSecrets, expiresAt: Date, event: String,
        clearsActivation: Bool, now: Date, check: @escaping @Sendable (DeviceLifecycleState) throws -> Void
    ) async throws -> DeviceLifecycleState {
        try await write("replace the activation code of \(name)") { db in
            guard let state = try await Self.lifecycleState(db, where: "d.name = \(name)", lock: true) else {
                throw MRABatError(.notFound, "no device named \(name)", value: name)
            }
            try check(state)
            if let old = state.outstandingCode {
                _ = try await Self.endCode(db, id: old.id, status: .released, now: now)
            }
            // The identity is unique among outstanding codes (a partial unique index): a collision,
            // committed or racing, is the caller's to redraw.
            do {
                try await db.run(
                    """
                    INSERT INTO activation_code (device_id, identity, salt, verifier, sealed, status, bound_mac,
                        issued_at, expires_at)
                    VALUES (\(state.device.id), \(secrets.identity), \(Data(secrets.salt)), \(Data(secrets.verifier)),
                        \(Data(secrets.sealed)), 'outstanding', \(state.device.mac), \(Self.seconds(now)),
                        \(Self.seconds(expiresAt)))
                    """)
            } catch  where Self.constraint(error) == "activation_code_outstanding_identity" {
                throw StoreConflict.codeIdentityTaken
            }
            try await db.run(
                """
                UPDATE device SET failed_attempts = 0, throttled = false,
                    activated_at = CASE WHEN \(clearsActivation) THEN NULL ELSE activated_at END
                WHERE id = \(state.device.id)
                """)
            try await db.appendAudit([
                StoreEvents.replaced(event, at: now, before: state, deviceName: name, expiresAt: expiresAt)
            ])
            guard let replaced = try await Self.lifecycleState(db, where: "d.id = \(state.device.id)") else {
                throw MRABatError(.store, "device \(name) disappeared while its code was replaced")
            }
            return replaced
        }
    }

    package func expireCodes(now: Date) async throws -> [EndedCode] {
        let nowSeconds = Self.seconds(now)
        return try await write("expire activation codes") { db in
            // Locked, and re-checked by READ COMMITTED after any wait: a code another node used or
            // released meanwhile is no longer selected. Names in byte order, as SQLite sorts them.
            let rows = try await db.rows(
                """
                SELECT c.id, c.device_id, c.expires_at, d.name FROM activation_code c JOIN device d ON d.id = c.device_id
                WHERE c.status = 'outstanding' AND c.expires_at <= \(nowSeconds) ORDER BY d.name COLLATE "C" FOR UPDATE OF c
                """)
            var ended: [EndedCode] = []
            var events: [AuditEvent] = []
            let ids = try rows.map { try $0.get("id", as: Int64.self) }
            _ = try await db.rows(
                """
                UPDATE activation_code SET status = 'expired', salt = NULL, verifier = NULL, sealed = NULL,
                    ended_at = \(nowSeconds)
                WHERE id = ANY(\(ids)) AND status = 'outstanding' RETURNING id
                """)
            for row in rows {
                let expires = Self.date(try row.get("expires_at", as: Int64.self))
                let name: String = try row.get("name")
                events.append(
                    StoreEvents.expired(
                        at: now, deviceID: try row.get("device_id"), deviceName: name, expiresAt: expires))
                ended.append(EndedCode(deviceName: name, expiresAt: expires))
            }
            try await db.appendAudit(events)
            return ended
        }
    }

    package func readyToActivate(ownerUserID owner: String, now: Date) async throws -> [StoredCode] {
        let now = Self.seconds(now)
        return try await read("read the user's phones") { db in
            try await db.rows(
                """
                SELECT c.id AS cursor, \(unescaped: Self.codeColumns) FROM activation_code c
                JOIN device d ON d.id = c.device_id
                WHERE d.owner_user_id = \(owner) AND c.status = 'outstanding' AND c.expires_at > \(now)
                    AND NOT d.throttled AND c.sealed IS NOT NULL
                ORDER BY d.name COLLATE "C"
                """
            ).map(Self.storedCode)
        }
    }

    package func deviceCount(ownerUserID owner: String) async throws -> Int {
        try await read("count the user's phones") { db in
            try await db.value("SELECT count(*) FROM device WHERE owner_user_id = \(owner)", as: Int.self) ?? 0
        }
    }
}
