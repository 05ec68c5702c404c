import Foundation
import GRDB

extension SQLiteStore {
    package func commitActivations(_ writes: [ActivationWrite]) async -> [Result<ActivationWriteResult, any Error>] {
        guard !writes.isEmpty else { return [] }
        do {
            return try await write("record \(writes.count) activation attempt(s)") { db in
                var results: [Result<ActivationWriteResult, any Error>] = []
                results.reserveCapacity(writes.count)
                for write in writes {
                    do {
                        var result = ActivationWriteResult()
                        try db.inSavepoint {
                            result = try Self.apply(write, in: db)
                            return .commit
                        }
                        results.append(.success(result))
                    } catch let refusal as ActivationRefusal {
                        // The savepoint rolled the lost commit back; its refusal is audited instead.
                        if case .commit(let code, _, let detail, let at) = write {
                            var audit = AuditRecord(
                                StoreEvents.activationLost(refusal, deviceID: code.deviceID, detail: detail, at: at))
                            try audit.insert(db)
                        }
                        results.append(.failure(refusal))
                    }
                }
                return results
            }
        } catch {
            return writes.map { _ in .failure(error) }
        }
    }

    /// One activation write inside the caller's transaction.
    static func apply(_ write: ActivationWrite, in db: Database) throws -> ActivationWriteResult {
        let event = write.auditEvent
        switch write {
        case .refusal:
            var audit = AuditRecord(event)
            try audit.insert(db)
            return ActivationWriteResult()
        case .failedAttempt(let deviceID, let limit, _, _, _):
            return ActivationWriteResult(
                attempts: try recordFailedAttempt(db, deviceID: deviceID, limit: limit, event: event))
        case .expire(let code, _, _, let at):
            _ = try endCode(db, id: code.id, status: .expired, now: at)
            var audit = AuditRecord(event)
            try audit.insert(db)
            return ActivationWriteResult()
        case .commit(let code, let mac, _, _):
            return ActivationWriteResult(commit: try commitActivation(db, code: code, mac: mac, event: event))
        }
    }

    package func changeMarker() async throws -> Int64 {
        try await read("check the store for changes") { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM audit") ?? 0
        }
    }
}
