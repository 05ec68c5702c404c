import Foundation
import MRABatKit
import TestSupport
import Testing

@testable import MRABatPostgres

@Suite("PostgreSQL store: URL, password, schema", .timeLimit(.minutes(3)))
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
}
