import Foundation
import MRABatKit
import TestSupport
import Testing

@testable import MRABatPostgres

@Suite("PostgreSQL store: URL, password, schema", .timeLimit(.minutes(15)))
struct PostgresStoreTests {
    @Test func urlFormsAndDefaults() throws {
        let full = try PostgresEndpoint(
            "postgres://ann@db.example:6543/prov?sslmode=verify-full&connect_timeout=3", environment: [:])
        #expect(full.user == "ann" && full.host == "db.example" && full.port == 6543 && full.database == "prov")
        #expect(full.tls == .verifyFull && full.connectTimeout == 3)
        #expect(full.description == "postgres://ann@db.example:6543/prov")
        let short = try PostgresEndpoint("postgresql://bob@[::1]", environment: [:])
        #expect(short.host == "::1" && short.port == 5432 && short.database == "bob" && short.tls == .prefer)
        #expect(short.description == "postgres://bob@[::1]:5432/bob")
        let socket = try PostgresEndpoint("postgres://carl@%2Fvar%2Frun%2Fpostgresql/x", environment: [:])
        #expect(socket.isUnixSocket && socket.socketPath == "/var/run/postgresql/.s.PGSQL.5432")
        let fromEnvironment = try PostgresEndpoint("postgres://host/db", environment: ["PGUSER": "dora"])
        #expect(fromEnvironment.user == "dora")
    }

    @Test(arguments: [
        ("postgres://ann:s3cret@db/x", "a password in the URL"),
        ("postgres://ann@db/x?password=s3cret", "a password in the URL"),
        ("postgres://ann@db:99999/x", "is not a number from 1 to 65535"),
        ("postgres://ann@db/x?sslmode=maybe", "is not one of disable, prefer, require, verify-ca, verify-full"),
        ("postgres://ann@db/x?colour=blue", "unknown parameter \"colour\""),
    ])
    func badURLsAreRefusedWithoutEchoingAPassword(url: String, message: String) throws {
        let error = #expect(throws: MRABatError.self) { try PostgresEndpoint(url, environment: [:]) }
        #expect(error?.code == .config)
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        #expect(error?.description.contains("s3cret") == false, "the password was echoed")
    }

    @Test func thePasswordComesFromPGPASSWORDThenThePasswordFile() throws {
        let directory = try TestFiles.makeTemporaryDirectory("pgpass")
        let file = directory + "/pgpass"
        try TestFiles.write(
            """
            # comment
            other.example:5432:*:ann:wrong
            db.example:*:prov:ann:right\\:with\\\\escapes
            *:*:*:*:fallback

            """, to: file)
        #expect(chmod(file, 0o600) == 0)
        let url = "postgres://ann@db.example:6543/prov"
        #expect(try PostgresEndpoint(url, environment: ["PGPASSFILE": file]).password == "right:with\\escapes")
        #expect(try PostgresEndpoint(url, environment: ["PGPASSFILE": file, "PGPASSWORD": "env"]).password == "env")
        #expect(
            try PostgresEndpoint("postgres://zed@else/db", environment: ["PGPASSFILE": file]).password == "fallback")
        #expect(try PostgresEndpoint(url, environment: ["PGPASSFILE": directory + "/none"]).password == nil)
        // A file others can read is refused, as libpq ignores it, but saying so.
        #expect(chmod(file, 0o644) == 0)
        let error = #expect(throws: MRABatError.self) { try PostgresEndpoint(url, environment: ["PGPASSFILE": file]) }
        #expect(error?.description.contains("chmod 600") == true)
    }

    /// A bulk row that forgot a column would silently store its default: each names every column once.
    @Test func theJobWritersColumnListsAreTheTablesColumns() async throws {
        let url = try TestPostgres.freshDatabase("columns")
        let store = try await PostgresStore.open(url, access: .initialise)
        await store.close()
        let lists: [(String, [String], Set<String>)] = [
            ("device", PostgresJobWriter.deviceColumns, []),
            ("line", PostgresJobWriter.lineColumns, []),
            ("activation_code", PostgresJobWriter.codeColumns, ["id"]),
            ("job_row", PostgresJobWriter.jobRowColumns, []),
            ("audit", AuditEvent.auditColumns, ["id"]),
        ]
        for (table, columns, generated) in lists {
            let schema = try TestPostgres.query(
                url, "SELECT column_name FROM information_schema.columns WHERE table_name = '\(table)'"
            ).compactMap { $0.first ?? nil }
            #expect(Set(columns).union(generated) == Set(schema), "\(table)")
            #expect(Set(columns).count == columns.count, "\(table) names a column twice")
        }
    }

    @Test func onlyInitCreatesTheSchemaAndOtherCommandsRefuseADatabaseWithout() async throws {
        let url = try TestPostgres.freshDatabase("schema")
        let error = await #expect(throws: MRABatError.self) { try await PostgresStore.open(url, access: .readWrite) }
        #expect(error?.code == .store)
        #expect(
            error?.message.contains("has no mrabat schema yet; run `mrabat init") == true,
            "\(String(describing: error))")
        #expect(try TestPostgres.query(url, "SELECT to_regclass('device') IS NULL") == [["t"]], "nothing was created")
        // Two inits at once: one creates the schema, the other finds it current.
        async let first = PostgresStore.open(url, access: .initialise)
        async let second = PostgresStore.open(url, access: .initialise)
        let stores = try await [first, second]
        for store in stores { await store.close() }
        #expect(
            try TestPostgres.query(url, "SELECT COUNT(*) FROM mrabat_schema") == [
                ["\(PostgresSchema.migrations.count)"]
            ])
        // A version this build does not know is refused.
        try TestPostgres.query(url, "INSERT INTO mrabat_schema VALUES ('v99: from the future', 0)")
        let newer = await #expect(throws: MRABatError.self) { try await PostgresStore.open(url, access: .readWrite) }
        #expect(newer?.message.contains("newer version of mrabat") == true)
    }

    @Test func aReadOnlyStoreRefusesWritesAndCodeSealedStoresNeedANamedKey() async throws {
        let url = try TestPostgres.freshDatabase("readonly")
        let writable = try await PostgresStore.open(url, access: .initialise)
        try await writable.saveCluster(try ClusterConfig.load(path: TestFiles.sampleCluster), now: Date())
        #expect(writable.defaultKeyFile == nil)
        let missingKey = await #expect(throws: MRABatError.self) {
            try await CodeVault.open(for: writable, keyFile: nil)
        }
        #expect(missingKey?.message.contains("pass --key FILE or set MRABAT_KEY") == true)
        await writable.close()
        let readOnly = try await PostgresStore.open(url, access: .readOnly)
        #expect(try await readOnly.loadCluster().name == "ACME-EAST")
        let refused = await #expect(throws: MRABatError.self) {
            try await readOnly.appendAudit([AuditEvent(at: Date(), deviceID: nil, deviceName: "X", event: "test")])
        }
        #expect(refused?.code == .storeReadOnly)
        await readOnly.close()
    }
    /// Migrations v4 and v5 (as SQLite's): a store at v1 with devices, jobs and audit records comes
    /// through whole under `init`; a removed device's id is never given to another and its history stays.
    @Test func initUpgradesAV1StoreKeepingItsDevicesRowsAndAudit() async throws {
        let url = try TestPostgres.freshDatabase("upgrade")
        let first = try #require(PostgresSchema.migrations.first)
        try TestPostgres.query(
            url,
            """
            CREATE TABLE mrabat_schema (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL);
            \(first.sql);
            INSERT INTO mrabat_schema VALUES ('\(first.version)', 0);
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
                    'S', 'P', 'SP', 'en', true, true, 't', 1, 0),
                (2, 'BAT0123456789AC', 'row:bob|Cisco 8845|4002|', 'Cisco 8845', 'DP', 'bob', 'SIP', 'T',
                    'S', 'P', 'SP', 'en', true, true, 't', 1, 0);
            SELECT setval(pg_get_serial_sequence('device', 'id'), 2);
            INSERT INTO line (device_id, idx, dn) VALUES (1, 1, '4001'), (2, 1, '4002');
            INSERT INTO job_row (job_id, line, outcome, device_id) VALUES (1, 2, 'accepted', 1), (1, 3, 'accepted', 2);
            INSERT INTO audit (at, device_id, device_name, event, outcome) VALUES (0, 2, 'BAT0123456789AC', 'issue', 'ok');
            """)
        let old = await #expect(throws: MRABatError.self) { try await PostgresStore.open(url, access: .readWrite) }
        #expect(old?.message.contains("older version of mrabat; run `mrabat init`") == true)
        let store = try await PostgresStore.open(url, access: .initialise)
        #expect(
            try TestPostgres.query(url, "SELECT version FROM mrabat_schema ORDER BY version").compactMap { $0[0] }
                == PostgresSchema.migrations.map(\.version).sorted())
        #expect(try await store.device(named: "BAT0123456789AC")?.id == 2)
        #expect(try await store.device(named: "BAT0123456789AC")?.attributes.userID == nil)
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
        #expect(try await store.jobs().map(\.deleted) == [0, 1])
        let next = try TestPostgres.query(
            url,
            """
            INSERT INTO device (name, natural_key, model, device_pool, owner_user_id, protocol,
                phone_button_template, softkey_template, security_profile, sip_profile, user_locale,
                requires_activation_code, allow_activation_code_via_mra, template_name, job_id, created_at)
            VALUES ('BAT0123456789AD', 'row:cy|Cisco 8845|4003|', 'Cisco 8845', 'DP', 'cy', 'SIP', 'T',
                'S', 'P', 'SP', 'en', true, true, 't', 1, 0) RETURNING id
            """)
        #expect(next == [["3"]], "a removed device's id was given to a new one")
        let snapshot = try TestPostgres.query(url, "SELECT before_json FROM job_row WHERE outcome = 'deleted'")
        let before = try #require(try StoreJSON.value(DeviceSnapshot.self, snapshot.first?.first ?? nil))
        #expect(before.id == 2 && before.name == "BAT0123456789AC" && before.attributes.lines.count == 1)
        await store.close()
    }
    /// Jobs run at once here: a job that changes or removes a device another job changed or removed
    /// after this one read it starts over (rather than overwrite, or trip over, what it did not see).
    @Test func aJobChangingOrRemovingADeviceAnotherJobChangedMeanwhileStartsOver() async throws {
        let f = try await LifecycleFixture.make(.postgres)
        let name = try f.name(pool: "DP-Dallas")
        let template: String = try #require(try f.value("SELECT template_name FROM device WHERE name = ?", [name]))
        func change(_ seen: ExistingDevice, _ edit: (inout DeviceAttributes) -> Void) -> DeviceUpdate {
            var attributes = seen.device.attributes
            edit(&attributes)
            return DeviceUpdate(
                line: 2, deviceID: seen.device.id, previousName: seen.device.name, name: seen.device.name,
                mac: seen.device.mac, naturalKey: seen.naturalKey.stored, attributes: attributes,
                templateName: template, changes: seen.device.attributes.changes(to: attributes))
        }
        func summary(updated: Int = 0, deleted: Int = 0) -> JobSummary {
            var summary = JobSummary(input: "x.csv", template: template, encoding: "", delimiter: "")
            summary.updated = updated
            summary.deleted = deleted
            return summary
        }
        let a = try await f.store.beginJob(kind: "update", input: "a.csv", template: template, now: Date())
        let seenByA = try #require(try await a.devices(named: [name]).first)
        let b = try await f.store.beginJob(kind: "update", input: "b.csv", template: template, now: Date())
        let seenByB = try #require(try await b.devices(named: [name]).first)
        try await b.update([change(seenByB) { $0.description = "by B" }], now: Date())
        try await b.commit(summary: summary(updated: 1), now: Date())
        // A changes the location from what it read; it would put B's description back.
        await #expect(throws: StoreConflict.concurrentJob) {
            try await a.update([change(seenByA) { $0.location = "by A" }], now: Date())
        }
        try await a.rollback()
        #expect(try await f.store.device(named: name)?.attributes.description == "by B")
        #expect(try f.count("SELECT COUNT(*) FROM audit WHERE event = 'update'") == 1)

        // Started over, A sees B's change, and its own goes through on top of it.
        let again = try await f.store.beginJob(kind: "update", input: "a.csv", template: template, now: Date())
        let seen = try #require(try await again.devices(named: [name]).first)
        try await again.update([change(seen) { $0.location = "by A" }], now: Date())
        try await again.commit(summary: summary(updated: 1), now: Date())
        let device = try #require(try await f.store.device(named: name))
        #expect(device.attributes.description == "by B" && device.attributes.location == "by A")

        // A device removed by another job after this one read it: this one starts over too.
        let c = try await f.store.beginJob(kind: "delete", input: "c.csv", template: "", now: Date())
        #expect(try await c.devices(named: [name]).count == 1)
        let d = try await f.store.beginJob(kind: "delete", input: "d.csv", template: "", now: Date())
        try await d.delete([(line: 2, deviceID: device.id)], note: nil, now: Date())
        try await d.commit(summary: summary(deleted: 1), now: Date())
        await #expect(throws: StoreConflict.concurrentJob) {
            try await c.delete([(line: 2, deviceID: device.id)], note: nil, now: Date())
        }
        try await c.rollback()
        #expect(try await f.store.device(named: name) == nil)
        #expect(try f.count("SELECT COUNT(*) FROM job_row WHERE outcome = 'deleted'") == 1)
        await f.store.close()
    }
}
