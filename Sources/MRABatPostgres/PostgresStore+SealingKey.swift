import Foundation
import MRABatKit
import PostgresNIO

extension PostgresStore {
    package func sealingKeyFingerprint() async throws -> String? {
        try await read("read the sealing key's fingerprint") { db in
            try await db.value("SELECT fingerprint FROM sealing_key WHERE id = 1", as: String.self)
        }
    }

    package func recordSealingKey(fingerprint: String, now: Date) async throws -> String {
        let recordedAt = Self.seconds(now)
        return try await write("record the sealing key's fingerprint") { db in
            // A racing worker's insert makes this one wait, then do nothing; the next statement sees its row.
            try await db.run(
                """
                INSERT INTO sealing_key (id, fingerprint, recorded_at) VALUES (1, \(fingerprint), \(recordedAt))
                ON CONFLICT (id) DO NOTHING
                """)
            guard let recorded = try await db.value("SELECT fingerprint FROM sealing_key WHERE id = 1", as: String.self)
            else { throw MRABatError(.internal, "the sealing key's fingerprint vanished as it was recorded") }
            return recorded
        }
    }

    package func anySealedCode() async throws -> (identity: String, sealed: [UInt8])? {
        let row = try await read("read a sealed activation code") { db in
            try await db.rows("SELECT identity, sealed FROM activation_code WHERE sealed IS NOT NULL LIMIT 1").first
                .map { (try $0.get("identity", as: String.self), try $0.get("sealed", as: Data.self)) }
        }
        return row.map { ($0.0, [UInt8]($0.1)) }
    }

    package func replaceLostSealingKey(fingerprint: String, now: Date) async throws -> Int {
        let recordedAt = Self.seconds(now)
        return try await write("replace the sealing key") { db in
            let erased =
                try await db.value(
                    """
                    WITH erased AS (UPDATE activation_code SET sealed = NULL WHERE sealed IS NOT NULL RETURNING 1)
                    SELECT count(*) FROM erased
                    """, as: Int.self) ?? 0
            try await db.run(
                """
                INSERT INTO sealing_key (id, fingerprint, recorded_at) VALUES (1, \(fingerprint), \(recordedAt))
                ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, recorded_at = EXCLUDED.recorded_at
                """)
            return erased
        }
    }
}
