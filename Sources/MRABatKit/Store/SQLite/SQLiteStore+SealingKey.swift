import Foundation
import GRDB

extension SQLiteStore {
    package func sealingKeyFingerprint() async throws -> String? {
        try await read("read the sealing key's fingerprint") { db in try SealingKeyRecord.fetchOne(db)?.fingerprint }
    }

    package func recordSealingKey(fingerprint: String, now: Date) async throws -> String {
        try await write("record the sealing key's fingerprint") { db in
            if let recorded = try SealingKeyRecord.fetchOne(db) { return recorded.fingerprint }
            try SealingKeyRecord(fingerprint: fingerprint, recordedAt: Self.seconds(now)).insert(db)
            return fingerprint
        }
    }

    package func anySealedCode() async throws -> (identity: String, sealed: [UInt8])? {
        try await read("read a sealed activation code") { db in
            guard
                let code = try ActivationCodeRecord.filter(ActivationCodeRecord.Columns.sealed != nil).fetchOne(db),
                let sealed = code.sealed
            else { return nil }
            return (code.identity, [UInt8](sealed))
        }
    }

    package func replaceLostSealingKey(fingerprint: String, now: Date) async throws -> Int {
        try await write("replace the sealing key") { db in
            let erased = try ActivationCodeRecord.filter(ActivationCodeRecord.Columns.sealed != nil)
                .updateAll(db, ActivationCodeRecord.Columns.sealed.set(to: nil))
            try SealingKeyRecord(fingerprint: fingerprint, recordedAt: Self.seconds(now)).upsert(db)
            return erased
        }
    }
}
