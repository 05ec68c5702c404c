import Foundation
import GRDB
import MRABatPostgres
import TestSupport

@testable import MRABatKit

/// A real store holding the sample cluster and three provisioned phones, with their codes in hand.
///
/// - `BAT…` of alice in DP-Dallas (service domain US-MRA: redirected),
/// - `BAT…` of alice in DP-NewYork (the activation domain: no redirect),
/// - `SEP001A2B3C4D5E` of bob in DP-Frankfurt (Option 1, EU-MRA: redirected).
///
/// In an SQLite file, or in a fresh PostgreSQL database (``TestPostgres``).
struct LifecycleFixture {
    static let optionOneMAC = "001A2B3C4D5E"
    static let csv = """
        MAC ADDRESS,DESCRIPTION,DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1
        ,Alice desk,Cisco 8845,DP-Dallas,alice,5001
        ,Alice home,Cisco 8845,DP-NewYork,alice,5002
        \(optionOneMAC),Bob desk,Cisco 8845,DP-Frankfurt,bob,5003

        """

    let directory: String
    let backend: TestBackend
    let store: any Store
    /// The SQLite file, or the PostgreSQL URL.
    let location: String
    /// The sealing key's file: next to an SQLite file, in ``directory`` for PostgreSQL.
    let keyFile: String
    /// What to pass as `--key`: nil for SQLite (its default), the file for PostgreSQL (which has none).
    var keyOption: String? { backend == .sqlite ? nil : keyFile }
    let cluster: ClusterConfig
    let vault: CodeVault
    /// The code of each device, by device name.
    let codes: [String: ActivationCode]
    let issuedAt: Date

    /// - Parameter configure: changes to the sample cluster before it is loaded.
    static func make(_ backend: TestBackend = .sqlite, _ configure: (inout ClusterConfig) -> Void = { _ in })
        async throws -> LifecycleFixture
    {
        let directory = try TestFiles.makeTemporaryDirectory("lifecycle")
        let store = try await openStore(backend, directory: directory)
        let location = store.location
        let keyFile = backend == .sqlite ? directory + "/mrabat.sqlite.key" : directory + "/mrabat.key"
        var cluster = try ClusterConfig.load(path: TestFiles.sampleCluster)
        configure(&cluster)
        try await store.saveCluster(cluster, now: Date())
        let csv = directory + "/phones.csv"
        try TestFiles.write(Self.csv, to: csv)
        var options = InsertOptions(
            csvPath: csv, templatePath: TestFiles.path("Templates/mra-88xx-5line.yaml"),
            outDirectory: directory + "/out")
        let issuedAt = Date(timeIntervalSince1970: TimeInterval(Int64(Date().timeIntervalSince1970)))
        options.now = issuedAt
        if backend == .postgres { options.keyFile = keyFile }
        let summary = try await InsertJob.run(store: store, options: options)
        precondition(summary.accepted == 3, "fixture insert: \(summary.lines)")
        let vault = try CodeVault.openOrCreate(keyFile: keyFile)
        var codes: [String: ActivationCode] = [:]
        for stored in try await store.outstandingCodes(jobID: nil, now: issuedAt, after: 0, limit: 100) {
            codes[stored.deviceName] = try vault.open(stored.sealed, associatedData: Array(stored.identity.utf8))
        }
        return LifecycleFixture(
            directory: directory, backend: backend, store: store, location: location, keyFile: keyFile,
            cluster: cluster, vault: vault, codes: codes, issuedAt: issuedAt)
    }

    /// A new, empty store: a file in `directory`, or a fresh PostgreSQL database with its schema.
    static func openStore(_ backend: TestBackend, directory: String) async throws -> any Store {
        switch backend {
        case .sqlite:
            return try SQLiteStore(path: directory + "/mrabat.sqlite")
        case .postgres:
            let url = try TestPostgres.freshDatabase("lifecycle")
            return try await PostgresStore.open(url, access: .initialise)
        }
    }

    var out: String { directory + "/out" }

    /// The name of alice's device in `pool`.
    func name(pool: String) throws -> String {
        guard let name: String = try value("SELECT name FROM device WHERE device_pool = ?", [pool]) else {
            throw MRABatError(.notFound, "the fixture has no device in \(pool)")
        }
        return name
    }

    func code(pool: String) throws -> ActivationCode { codes[try name(pool: pool)]! }

    /// A service whose clock reads `offset` seconds after the codes were issued.
    func service(after offset: TimeInterval = 60) -> ActivationService {
        let at = issuedAt.addingTimeInterval(offset)
        return ActivationService(store: store, cluster: cluster, now: { at })
    }

    /// The first column of the first row `sql` selects, read back from text (a flag as 0 or 1 in
    /// both backends); `?` marks take `arguments` in order.
    func value<T: LosslessStringConvertible>(_ sql: String, _ arguments: [any Sendable] = []) throws -> T? {
        try rows(sql, arguments).first?.first.flatMap { $0 }.flatMap { T($0) }
    }

    func count(_ sql: String, _ arguments: [any Sendable] = []) throws -> Int {
        try value(sql, arguments) ?? -1
    }

    /// Every row `sql` selects, each value as text (nil for NULL), through a connection of its own.
    func rows(_ sql: String, _ arguments: [any Sendable] = []) throws -> [[String?]] {
        switch backend {
        case .sqlite:
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: location, configuration: configuration)
            return try queue.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments.map(Self.databaseValue))).map {
                    row in
                    row.databaseValues.map { value in
                        switch value.storage {
                        case .null: nil
                        case .int64(let number): String(number)
                        case .double(let number): String(number)
                        case .string(let text): text
                        case .blob(let data): data.map { String(format: "%02x", $0) }.joined()
                        }
                    }
                }
            }
        case .postgres:
            return try TestPostgres.query(location, Self.inline(sql, arguments)).map { row in
                row.map { value in value == "t" ? "1" : value == "f" ? "0" : value }
            }
        }
    }

    /// Runs a statement that changes the store behind its back (a state an old version left).
    func execute(_ sql: String) async throws {
        switch backend {
        case .sqlite:
            try await DatabaseQueue(path: location).write { db in try db.execute(sql: sql) }
        case .postgres:
            try TestPostgres.query(location, sql)
        }
    }

    private static func databaseValue(_ value: any Sendable) -> (any DatabaseValueConvertible)? {
        switch value {
        case let text as String: text
        case let number as Int64: number
        case let number as Int: number
        default: "\(value)"
        }
    }

    /// `sql` with each `?` replaced by its argument as a literal (strings quoted).
    private static func inline(_ sql: String, _ arguments: [any Sendable]) -> String {
        var remaining = arguments[...]
        var result = ""
        for character in sql {
            if character == "?", let argument = remaining.popFirst() {
                if let text = argument as? String {
                    result += "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
                } else {
                    result += "\(argument)"
                }
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func mac(_ text: String) -> MACAddress { MACAddress(parsing: text)! }

    /// Activates as a phone would and returns the refusal, or nil when it succeeded.
    func refusal(
        _ code: ActivationCode, mac: String, model: String = "8845", mic: String? = nil,
        service: ActivationService? = nil
    ) async throws -> ActivationRefusal? {
        do {
            _ = try await PhoneActivation.run(
                code: code, phone: PhoneIdentity(mac: Self.mac(mac), model: model, micFile: mic),
                service: service ?? self.service())
            return nil
        } catch let refusal as ActivationRefusal {
            return refusal
        }
    }
}
