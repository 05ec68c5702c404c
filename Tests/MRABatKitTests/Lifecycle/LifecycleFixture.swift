import Foundation
import GRDB

@testable import MRABatKit

/// A real store holding the sample cluster and three provisioned phones, with their codes in hand.
///
/// - `BAT…` of alice in DP-Dallas (service domain US-MRA: redirected),
/// - `BAT…` of alice in DP-NewYork (the activation domain: no redirect),
/// - `SEP001A2B3C4D5E` of bob in DP-Frankfurt (Option 1, EU-MRA: redirected).
struct LifecycleFixture {
    static let optionOneMAC = "001A2B3C4D5E"
    static let csv = """
        MAC ADDRESS,DESCRIPTION,DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1
        ,Alice desk,Cisco 8845,DP-Dallas,alice,5001
        ,Alice home,Cisco 8845,DP-NewYork,alice,5002
        \(optionOneMAC),Bob desk,Cisco 8845,DP-Frankfurt,bob,5003

        """

    let directory: String
    let store: SQLiteStore
    let cluster: ClusterConfig
    let vault: CodeVault
    /// The code of each device, by device name.
    let codes: [String: ActivationCode]
    let issuedAt: Date

    /// - Parameter configure: changes to the sample cluster before it is loaded.
    static func make(_ configure: (inout ClusterConfig) -> Void = { _ in }) async throws -> LifecycleFixture {
        let directory = try TestFiles.makeTemporaryDirectory("lifecycle")
        let store = try SQLiteStore(path: directory + "/mrabat.sqlite")
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
        let summary = try await InsertJob.run(store: store, options: options)
        precondition(summary.accepted == 3, "fixture insert: \(summary.lines)")
        let vault = try CodeVault.openOrCreate(keyFile: store.path + ".key")
        var codes: [String: ActivationCode] = [:]
        for stored in try await store.outstandingCodes(jobID: nil, now: issuedAt, after: 0, limit: 100) {
            codes[stored.deviceName] = try vault.open(stored.sealed, associatedData: Array(stored.identity.utf8))
        }
        return LifecycleFixture(
            directory: directory, store: store, cluster: cluster, vault: vault, codes: codes, issuedAt: issuedAt)
    }

    var out: String { directory + "/out" }

    /// The name of alice's device in `pool`.
    func name(pool: String) throws -> String {
        try store.queue.read { db in
            try String.fetchOne(db, sql: "SELECT name FROM device WHERE device_pool = ?", arguments: [pool])!
        }
    }

    func code(pool: String) throws -> ActivationCode { codes[try name(pool: pool)]! }

    /// A service whose clock reads `offset` seconds after the codes were issued.
    func service(after offset: TimeInterval = 60) -> ActivationService {
        let at = issuedAt.addingTimeInterval(offset)
        return ActivationService(store: store, cluster: cluster, now: { at })
    }

    func value<T: DatabaseValueConvertible>(_ sql: String, _ arguments: StatementArguments = []) throws -> T? {
        try store.queue.read { db in try T.fetchOne(db, sql: sql, arguments: arguments) }
    }

    func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try value(sql, arguments) ?? -1
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
