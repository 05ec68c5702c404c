import Foundation
import GRDB
import Testing

@testable import MRABatKit

/// Migration v4: a store with devices, jobs and audit records comes through whole, and from then on
/// a removed device's id is never given to another and its history stays.
@Suite("Store schema v4")
struct SchemaV4Tests {
    @Test func aV3StoreKeepsItsDevicesRowsAndAuditAndNeverReusesARemovedId() async throws {
        let directory = try TestFiles.makeTemporaryDirectory("store-v3")
        let path = directory + "/s.sqlite"
        let old = try DatabaseQueue(path: path)
        try SQLiteStore.migrator.migrate(old, upTo: "v3: sealing-key fingerprint; devices compared field by field")
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO call_manager_group (name) VALUES ('G');
                    INSERT INTO device_pool (name, call_manager_group) VALUES ('DP', 'G');
                    INSERT INTO model (name, lines, load_information, phone_button_template) VALUES ('Cisco 8845', 5, 'L', 'T');
                    INSERT INTO job (kind, input_path, template_name, started_at, finished_at, accepted)
                        VALUES ('insert', 'x.csv', 't', 0, 1, 2);
                    INSERT INTO device (id, name, natural_key, model, device_pool, owner_user_id, protocol,
                        phone_button_template, softkey_template, security_profile, sip_profile, user_locale,
                        requires_activation_code, allow_activation_code_via_mra, template_name, job_id, created_at)
                    VALUES
                        (1, 'BAT0123456789AB', 'row:ann|Cisco 8845|4001|', 'Cisco 8845', 'DP', 'ann', 'SIP', 'T',
                            'S', 'P', 'SP', 'en', 1, 1, 't', 1, 0),
                        (2, 'BAT0123456789AC', 'row:bob|Cisco 8845|4002|', 'Cisco 8845', 'DP', 'bob', 'SIP', 'T',
                            'S', 'P', 'SP', 'en', 1, 1, 't', 1, 0);
                    INSERT INTO line (device_id, idx, dn) VALUES (1, 1, '4001'), (2, 1, '4002');
                    INSERT INTO job_row (job_id, line, outcome, device_id) VALUES (1, 2, 'accepted', 1), (1, 3, 'accepted', 2);
                    INSERT INTO audit (at, device_id, device_name, event, outcome) VALUES (0, 2, 'BAT0123456789AC', 'issue', 'ok');
                    """)
        }
        try old.close()
        let store = try SQLiteStore(path: path)
        #expect(try await store.device(named: "BAT0123456789AC")?.id == 2)
        let rows = try await store.jobRows(jobID: 1, afterLine: 0, limit: 10)
        #expect(rows.map(\.deviceName) == ["BAT0123456789AB", "BAT0123456789AC"])
        #expect(try await store.jobs().map(\.accepted) == [2])

        // Remove the device with the highest id, in a job: its history stays, and the next device gets a new id.
        let writer = try await store.beginJob(kind: "delete", input: "--name x", template: "", now: Date())
        try await writer.delete([(line: 1, deviceID: 2)], note: nil, now: Date())
        var summary = JobSummary(input: "--name x", template: "", encoding: "", delimiter: "")
        summary.deleted = 1
        try await writer.commit(summary: summary, now: Date())
        let history = try await store.history(device: "BAT0123456789AC")
        #expect(history.map(\.event) == ["issue", "delete"])
        let next = try await store.queue.write { db -> Int64 in
            try db.execute(
                sql: """
                    INSERT INTO device (name, natural_key, model, device_pool, owner_user_id, protocol,
                        phone_button_template, softkey_template, security_profile, sip_profile, user_locale,
                        requires_activation_code, allow_activation_code_via_mra, template_name, job_id, created_at)
                    VALUES ('BAT0123456789AD', 'row:cy|Cisco 8845|4003|', 'Cisco 8845', 'DP', 'cy', 'SIP', 'T',
                        'S', 'P', 'SP', 'en', 1, 1, 't', 1, 0)
                    """)
            return db.lastInsertedRowID
        }
        #expect(next == 3, "a removed device's id was given to a new one")
        let snapshot = try await store.queue.read { db in
            try String.fetchOne(db, sql: "SELECT before_json FROM job_row WHERE outcome = 'deleted'")
        }
        let before = try #require(try StoreJSON.value(DeviceSnapshot.self, snapshot))
        #expect(before.id == 2 && before.name == "BAT0123456789AC" && before.attributes.lines.count == 1)
    }
}
