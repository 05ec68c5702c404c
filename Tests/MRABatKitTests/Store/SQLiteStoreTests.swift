import Foundation
import GRDB
import Testing

@testable import MRABatKit

@Suite("SQLite store")
struct SQLiteStoreTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require((attributes[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test func aNewStoreAndItsWALFilesAreOwnerOnly() async throws {
        let directory = try TestFiles.makeTemporaryDirectory("store-mode")
        let path = directory + "/s.sqlite"
        let store = try SQLiteStore(path: path)
        try await store.saveCluster(try ClusterConfig.load(path: TestFiles.sampleCluster), now: Date())
        #expect(try Self.mode(path) == 0o600)
        // SQLite gives the WAL files the main file's mode; they exist while a connection is open.
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            #expect(try Self.mode(path + suffix) == 0o600, "\(suffix)")
        }
        #expect(FileManager.default.fileExists(atPath: path + "-wal"), "WAL mode")
    }

    /// A new code goes into one identity index (outstanding codes'); `start`'s lookup searches that
    /// one and the ended codes' index, and never scans the codes, in a store made new or upgraded.
    @Test func theActivationLookupSearchesBothPartialIdentityIndexes() throws {
        let directory = try TestFiles.makeTemporaryDirectory("store-identity-plan")
        let upgraded = directory + "/v5.sqlite"
        let old = try DatabaseQueue(path: upgraded)
        try SQLiteStore.migrator.migrate(old, upTo: "v5: update, delete and undo; device ids never reused")
        #expect(try old.read { try $0.indexes(on: "activation_code").map(\.name) }.contains("activation_code_identity"))
        try old.close()
        for path in [directory + "/new.sqlite", upgraded] {
            _ = try SQLiteStore(path: path)
            try Self.expectPartialIdentityIndexes(path)
        }
    }

    static func expectPartialIdentityIndexes(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        let (indexes, plan) = try queue.read { db in
            (
                try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activation_code'"),
                try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN " + SQLiteStore.activationRecordSQL, arguments: ["ac1-x"]
                ).map { $0["detail"] as String }
            )
        }
        #expect(!indexes.contains("activation_code_identity"), "\(indexes)")
        #expect(indexes.contains("activation_code_outstanding_identity"), "\(indexes)")
        #expect(indexes.contains("activation_code_ended_identity"), "\(indexes)")
        #expect(plan.contains { $0.contains("USING INDEX activation_code_outstanding_identity") }, "\(plan)")
        #expect(plan.contains { $0.contains("USING INDEX activation_code_ended_identity") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN activation_code") }, "\(plan)")
    }

    @Test func aStoreLeftWorldReadableIsNarrowedOnOpen() throws {
        let directory = try TestFiles.makeTemporaryDirectory("store-narrow")
        let path = directory + "/s.sqlite"
        _ = try SQLiteStore(path: path)
        #expect(chmod(path, 0o644) == 0)
        _ = try SQLiteStore(path: path)
        #expect(try Self.mode(path) == 0o600)
    }

    @Test func aV2StoreMigratesWithItsDevicesAndLosesTheFingerprintColumn() async throws {
        let directory = try TestFiles.makeTemporaryDirectory("store-v2")
        let path = directory + "/s.sqlite"
        // A store as version 0.1 left it: migrated to v2, one device with its fingerprint.
        let old = try DatabaseQueue(path: path)
        try SQLiteStore.migrator.migrate(old, upTo: "v2: activation lifecycle indexes")
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO call_manager_group (name) VALUES ('G');
                    INSERT INTO device_pool (name, call_manager_group) VALUES ('DP', 'G');
                    INSERT INTO model (name, lines, load_information, phone_button_template) VALUES ('Cisco 8845', 5, 'L', 'T');
                    INSERT INTO job (kind, input_path, template_name, started_at) VALUES ('insert', 'x.csv', 't', 0);
                    INSERT INTO device (name, natural_key, fingerprint, model, device_pool, owner_user_id, protocol,
                        phone_button_template, softkey_template, security_profile, sip_profile, user_locale,
                        requires_activation_code, allow_activation_code_via_mra, template_name, job_id, created_at)
                    VALUES ('BAT0123456789AB', 'row:ann|Cisco 8845|4001|', 'x', 'Cisco 8845', 'DP', 'ann', 'SIP', 'T',
                        'S', 'P', 'SP', 'en', 1, 1, 't', 1, 0);
                    INSERT INTO line (device_id, idx, dn) VALUES (1, 1, '4001');
                    """)
        }
        try old.close()
        let store = try SQLiteStore(path: path)
        let device = try #require(try await store.device(named: "BAT0123456789AB"))
        #expect(device.ownerUserID == "ann" && device.lines.map(\.directoryNumber) == ["4001"])
        let columns = try await store.queue.read { db in try db.columns(in: "device").map(\.name) }
        #expect(!columns.contains("fingerprint"))
        // v4: the BAT columns, unset for the old device.
        #expect(columns.contains("user_id") && device.userID == nil)
        let lineColumns = try await store.queue.read { db in try db.columns(in: "line").map(\.name) }
        #expect(
            Set(lineColumns).isSuperset(of: [
                "max_num_calls", "busy_trigger", "external_phone_number_mask", "ascii_display", "ascii_label",
                "ring_setting_idle", "ring_setting_active",
            ]))
        #expect(device.lines.first?.maxNumCalls == nil && device.lines.first?.ringSettingIdle == nil)
        #expect(try await store.queue.read { db in try db.tableExists("sealing_key") })
        // Its natural key still finds it, so a re-run of its row is recognised.
        let found = try await store.existingDevices(
            keys: [.row(owner: "ann", model: "Cisco 8845", directoryNumber: "4001", partition: "")], macs: [],
            names: [])
        #expect(found.map(\.device.name) == ["BAT0123456789AB"])
    }
}

@Suite("Bulk inserts")
struct BulkInsertTests {
    /// A bulk row that forgot a column would silently store its default: each must name every column once.
    @Test func everyBulkRowNamesEachColumnOfItsTableOnce() async throws {
        let f = try await LifecycleFixture.make()
        func columns<Record: BulkInsertable>(_ record: Record) -> [String] { record.bulkRow.map(\.key.stringValue) }
        let draft = try RowValidatorTests.validator().validate(fields: RowValidatorTests.good, line: 2).get()
        let secrets = IssuedCodeSecrets(identity: "i", salt: [1], verifier: [2], sealed: [3])
        let rows: [(String, [String])] = [
            ("device", columns(DeviceRecord(draft: draft, jobID: 1, createdAt: 0))),
            ("line", columns(LineRecord(deviceID: 1, line: draft.lines[0]))),
            (
                "activation_code",
                columns(
                    ActivationCodeRecord(
                        deviceID: 1, secrets: secrets, boundMAC: nil, issuedAt: 0, expiresAt: 0, jobID: 1))
            ),
            ("job_row", columns(JobRowRecord(jobID: 1, line: 2, outcome: "accepted", deviceID: 1))),
            ("audit", columns(AuditRecord(AuditEvent(at: Date(), deviceID: 1, deviceName: "x", event: "issue")))),
        ]
        for (table, bulk) in rows {
            let schema = try await sqlite(f).queue.read { db in try db.columns(in: table).map(\.name) }
            #expect(bulk.sorted() == schema.sorted(), "\(table)")
            #expect(Set(bulk).count == bulk.count, "\(table) names a column twice")
        }
    }
}

/// The fixture's store as the SQLite store it is.
func sqlite(_ f: LifecycleFixture) throws -> SQLiteStore { try #require(f.store as? SQLiteStore) }
