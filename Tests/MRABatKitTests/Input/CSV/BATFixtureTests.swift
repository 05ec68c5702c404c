import Foundation
import GRDB
import TestSupport
import Testing

@testable import MRABatKit

/// Real BAT files (Cisco's BAT-guide samples, a real All-Details export, Cisco's All-Details column
/// list; `Fixtures/BAT/README.md` names the sources) load with the expected outcome per row.
@Suite("Real BAT files")
struct BATFixtureTests {
    static func fixture(_ name: String) -> String { TestFiles.path("Tests/MRABatKitTests/Fixtures/BAT/\(name)") }

    struct Expectation: Sendable, CustomStringConvertible {
        var file: String
        var template: String
        var accepted: Int
        var rejectedByReason: [String: Int]
        /// Known BAT columns the file has that mrabat does not use.
        var acknowledged: Int
        var description: String { file }
    }

    static let expectations: [Expectation] = [
        Expectation(
            file: "cisco-default-format.csv", template: "mra-8845-1line", accepted: 1,
            rejectedByReason: ["duplicate.in-file": 1, "row.field-count": 1], acknowledged: 9),
        Expectation(
            file: "cisco-default-format-two-lines.csv", template: "mra-7841-4line", accepted: 1, rejectedByReason: [:],
            acknowledged: 16),
        Expectation(
            file: "cisco-custom-format.csv", template: "mra-8845-1line", accepted: 0,
            rejectedByReason: ["device-pool.unknown": 1], acknowledged: 0),
        Expectation(
            file: "cucm-export-all-details.csv", template: "mra-88xx-5line", accepted: 0,
            rejectedByReason: ["device-type.unsupported": 1], acknowledged: 181),
        Expectation(
            file: "cisco-all-details-format.csv", template: "mra-88xx-5line", accepted: 2,
            rejectedByReason: [
                "max-calls.invalid": 1, "busy-trigger.over-max-calls": 1, "device-name.invalid": 1,
                "device-type.unsupported": 1,
            ], acknowledged: 271 - 8 - 3 * 10),
    ]

    static func options(_ file: String, template: String) throws -> InsertOptions {
        var options = InsertOptions(
            csvPath: fixture(file), templatePath: TestFiles.path("Templates/\(template).yaml"), outDirectory: nil)
        options.dryRun = true
        options.cluster = try ClusterConfig.load(path: TestFiles.sampleCluster)
        return options
    }

    @Test(arguments: expectations)
    func eachFileLoadsWithItsExpectedOutcome(_ expected: Expectation) async throws {
        let summary = try await InsertJob.run(
            store: nil, options: try Self.options(expected.file, template: expected.template))
        #expect(summary.accepted == expected.accepted, "\(summary.lines)")
        #expect(summary.rejectedByReason == expected.rejectedByReason, "\(summary.lines)")
        // One line for the known columns mrabat does not use, and no other column warning: every column
        // of these files is either used or a known BAT column.
        let columnWarnings = summary.warnings.filter { $0.contains("column") }
        #expect(!columnWarnings.contains { $0.contains("unknown column") }, "\(columnWarnings)")
        let known = columnWarnings.filter { $0.contains("known BAT column") }
        #expect(known.count == (expected.acknowledged > 0 ? 1 : 0), "\(columnWarnings)")
        if expected.acknowledged > 0 {
            #expect(known.first?.contains("ignored \(expected.acknowledged) known BAT column") == true, "\(known)")
        }
    }

    @Test func theRealExportHasBothUserColumnsAndNoDuplicate() throws {
        var input = try BATInput(path: Self.fixture("cucm-export-all-details.csv"))
        let header = input.header
        #expect(header.index(of: .userID) == input.headerFields.firstIndex(of: "User ID 1"))
        #expect(header.index(of: .ownerUserID) == input.headerFields.firstIndex(of: "Owner User ID"))
        #expect(header.index(of: .deviceName) == 0)
        #expect(header.index(of: .maxNumCalls(1)) == input.headerFields.firstIndex(of: "Maximum Number of Calls 1"))
        #expect(
            header.index(of: .ringSettingIdle(1)) == input.headerFields.firstIndex(of: "Ring setting (Phone Idle) 1"))
        #expect(header.unknown.isEmpty, "\(header.unknown)")
        #expect(header.acknowledged.count == 200 - 19)
        // "Line Network Hold MOH Audio Source  1" (two spaces) is a known column too.
        #expect(header.acknowledged.contains { $0.name == "Line Network Hold MOH Audio Source  1" })
        #expect(try input.next() != nil)
    }

    /// Every located problem of the constructed All-Details file: line, field number, header name as
    /// written, value and reason.
    @Test func rejectedRowsNameLineColumnAndValue() throws {
        let cluster = try ClusterConfig.load(path: TestFiles.sampleCluster)
        let template = try PhoneTemplate.load(path: TestFiles.path("Templates/mra-88xx-5line.yaml"), cluster: cluster)
        var input = try BATInput(path: Self.fixture("cisco-all-details-format.csv"))
        let validator = RowValidator(
            cluster: cluster, template: template, header: input.header, headerNames: input.headerFields)
        var problems: [Int: RowProblem] = [:]
        while let record = try input.next() {
            if case .failure(let rejection) = validator.validate(fields: record.fields, line: record.line) {
                problems[record.line] = rejection.problems.first
            }
        }
        func field(_ name: String) -> Int? { input.headerFields.firstIndex(of: name).map { $0 + 1 } }
        #expect(problems.keys.sorted() == [4, 5, 6, 7])
        let calls = try #require(problems[4])
        #expect(calls.tag == .maxCallsInvalid)
        #expect(calls.column == field("Maximum Number of Calls 1") && calls.columnName == "Maximum Number of Calls 1")
        #expect(calls.value == "four")
        #expect(calls.reason == "is not a number of calls: a whole number from 1 to 200")
        let busy = try #require(problems[5])
        #expect(busy.tag == .busyTriggerOverMaxCalls && busy.column == field("Busy Trigger 1") && busy.value == "6")
        #expect(busy.reason.contains("is more than MAXIMUM NUMBER OF CALLS 1 (4)"))
        let name = try #require(problems[6])
        #expect(name.tag == .deviceNameInvalid && name.column == 1 && name.value == "SEP00A0C91401")
        #expect(name.description.hasPrefix("Device Name \"SEP00A0C91401\": has 10 characters after SEP"))
        #expect(problems[7]?.tag == .deviceTypeUnsupported && problems[7]?.value == "Cisco 7960")
    }
}

/// Real BAT files inserted into a real store, and inserted again as an export of it would come back.
@Suite("Real BAT files in the store")
struct BATFixtureStoreTests {
    let directory: String
    let store: SQLiteStore

    init() async throws {
        directory = try TestFiles.makeTemporaryDirectory("batin")
        store = try SQLiteStore(path: directory + "/mrabat.sqlite")
        try await store.saveCluster(try ClusterConfig.load(path: TestFiles.sampleCluster), now: Date())
    }

    func insert(_ csv: String, template: String = "mra-88xx-5line", into store: (any Store)? = nil)
        async throws -> JobSummary
    {
        var options = InsertOptions(
            csvPath: csv, templatePath: TestFiles.path("Templates/\(template).yaml"), outDirectory: nil)
        options.jobs = 2
        let store = store ?? self.store
        // PostgreSQL has no place next to the store for the key: it is named.
        if store.defaultKeyFile == nil { options.keyFile = directory + "/mrabat.key" }
        return try await InsertJob.run(store: store, options: options)
    }

    func deviceCount(_ store: (any Store)? = nil) async throws -> Int {
        if let store, !(store is SQLiteStore) {
            let rows = try TestPostgres.query(store.location, "SELECT count(*) FROM device")
            return Int(rows.first?.first.flatMap { $0 } ?? "") ?? -1
        }
        let sqlite = (store as? SQLiteStore) ?? self.store
        return try await sqlite.queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM device") ?? -1 }
    }

    @Test(arguments: TestBackend.allCases)
    func theAllDetailsFileStoresEveryPerLineFieldAndReimportsUnchanged(backend: TestBackend) async throws {
        let own = directory + "/\(backend)"
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
        let store = try await LifecycleFixture.openStore(backend, directory: own)
        try await store.saveCluster(try ClusterConfig.load(path: TestFiles.sampleCluster), now: Date())
        let file = BATFixtureTests.fixture("cisco-all-details-format.csv")
        let first = try await insert(file, into: store)
        #expect(first.accepted == 2 && first.rejected == 4, "\(first.lines)")

        let sep = try #require(try await store.device(named: "SEP00A0C9140101"))
        #expect(sep.mac == "00A0C9140101" && sep.userID == "anna.berg" && sep.ownerUserID == "anna.berg")
        let line = try #require(sep.lines.first)
        #expect(line.index == 1 && line.directoryNumber == "\\+496955504101")
        #expect(line.maxNumCalls == 4 && line.busyTrigger == 2)
        #expect(line.externalPhoneNumberMask == "+496955504101")
        #expect(line.ringSettingIdle == .ring && line.ringSettingActive == .beepOnly)
        #expect(line.asciiDisplay == "Anna Berg" && line.display == "Anna Berg" && line.label == "Anna")
        #expect(line.partition == "PT-Internal")

        // A BAT name from the file is kept; its line gap is kept too (lines 1 and 3, buttons 1 and 3).
        let bat = try #require(try await store.device(named: "BAT0A1B2C3D4E5F"))
        #expect(bat.mac == nil && bat.model == "Cisco 7841")
        #expect(bat.lines.map(\.index) == [1, 3])
        #expect(bat.lines.map(\.maxNumCalls) == [2, 6] && bat.lines.map(\.busyTrigger) == [1, 3])
        #expect(bat.lines.map(\.label) == ["Main", "Support"], "line 1 takes the template's label")
        let config = PhoneConfig(device: bat, cluster: try await store.loadCluster())
        #expect(config.lines.map(\.index) == [1, 3])
        #expect(config.lines.map(\.maxNumCalls) == [2, 6] && config.lines.map(\.busyTrigger) == [1, 3])

        // The same file again: nothing new, nothing changed.
        let again = try await insert(file, into: store)
        #expect(again.accepted == 0 && again.unchanged == 2 && again.rejected == 4, "\(again.lines)")
        #expect(try await deviceCount(store) == 2)
    }

    /// Devices inserted without names get BAT names; Unified CM's All-Details export of them names
    /// each one, and re-importing that export must find them, not create them again.
    @Test func anExportOfTheStoreReimportsWithoutDuplicates() async throws {
        let directory = self.directory
        let original = directory + "/phones.csv"
        try TestFiles.write(
            """
            DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1,MAXIMUM NUMBER OF CALLS 1,BUSY TRIGGER 1
            Cisco 8845,DP-Dallas,kim.lee,5101,4,2
            Cisco 7841,DP-Dallas,raj.iyer,5102,,

            """, to: original)
        #expect(try await insert(original).accepted == 2)
        let named = try await store.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT name, owner_user_id FROM device ORDER BY owner_user_id").map {
                (name: $0["name"] as String, owner: $0["owner_user_id"] as String)
            }
        }
        #expect(named.map(\.owner) == ["kim.lee", "raj.iyer"] && named.allSatisfy { DeviceNamer.isDummyName($0.name) })

        // The export: All-Details order, the names Unified CM holds, both user columns, the line fields.
        let header =
            "Device Name,Description,Device Pool,Device Type,User ID 1,Owner User ID,Directory Number 1,"
            + "Route Partition 1,Maximum Number of Calls 1,Busy Trigger 1,Forward All Destination 1,Log Missed Calls 1"
        let export = directory + "/export.csv"
        try TestFiles.write(
            """
            \(header)
            \(named[0].name),,DP-Dallas,Cisco 8845,,kim.lee,5101,PT-Internal,4,2,,t
            \(named[1].name),,DP-Dallas,Cisco 7841,,raj.iyer,5102,PT-Internal,,,,t

            """, to: export)
        let reimport = try await insert(export)
        #expect(reimport.accepted == 0 && reimport.unchanged == 2 && reimport.rejected == 0, "\(reimport.lines)")
        #expect(try await deviceCount() == 2)

        // The same name with other content is a conflict; the same phone under another name is rejected,
        // not created twice.
        let conflicting = directory + "/conflicting.csv"
        try TestFiles.write(
            """
            \(header)
            \(named[0].name),,DP-Dallas,Cisco 8845,,kim.lee,5101,PT-Internal,6,2,,t
            BAT0A0A0A0A0A0A,,DP-Dallas,Cisco 7841,,raj.iyer,5102,PT-Internal,,,,t

            """, to: conflicting)
        let refused = try await insert(conflicting)
        #expect(
            refused.accepted == 0 && refused.rejectedByReason == ["device.already-provisioned": 2], "\(refused.lines)")
        let reasons = try await store.queue.read { db in
            try String.fetchAll(db, sql: "SELECT reason FROM job_row WHERE outcome = 'rejected' ORDER BY line")
        }
        #expect(reasons.count == 2)
        #expect(
            reasons.first?.contains(
                "already provisioned as \(named[0].name) with a different MAXIMUM NUMBER OF CALLS 1 (\"4\" in the store, "
                    + "\"6\" in this row)") == true, "\(reasons)")
        #expect(
            reasons[1].contains(
                "the same phone is already provisioned as \(named[1].name) (raj.iyer's Cisco 7841 on 5102)"),
            "\(reasons)")
        // Only its name links this row to the stored device: its DN, so its natural key, changed.
        let renumbered = directory + "/renumbered.csv"
        try TestFiles.write(
            "\(header)\n\(named[1].name),,DP-Dallas,Cisco 7841,,raj.iyer,5109,PT-Internal,,,,t\n", to: renumbered)
        let renumberedSummary = try await insert(renumbered)
        #expect(renumberedSummary.rejectedByReason == ["device.already-provisioned": 1], "\(renumberedSummary.lines)")
        let renumberedReason = try await store.queue.read { db in
            try String.fetchOne(
                db, sql: "SELECT reason FROM job_row WHERE outcome = 'rejected' AND job_id = (SELECT max(id) FROM job)")
        }
        #expect(
            renumberedReason?.contains(
                "already provisioned as \(named[1].name) with a different DIRECTORY NUMBER 1 (\"5102\" in the store, "
                    + "\"5109\" in this row)") == true, "\(String(describing: renumberedReason))")
        #expect(try await deviceCount() == 2)
    }

    /// Two rows requesting one DEVICE NAME are one device: the second is an in-file duplicate, named so,
    /// even when its other fields make it another natural key (otherwise the unique name would fail the job).
    @Test func oneRequestedNameTwiceInAFileIsADuplicate() async throws {
        let file = directory + "/twice.csv"
        try TestFiles.write(
            """
            DEVICE NAME,DEVICE TYPE,OWNER USER ID,DIRECTORY NUMBER 1
            BAT0B0B0B0B0B0B,Cisco 8845,ann,5201
            BAT0B0B0B0B0B0B,Cisco 8845,ann,5202

            """, to: file)
        let summary = try await insert(file)
        #expect(summary.accepted == 1 && summary.rejectedByReason == ["duplicate.in-file": 1], "\(summary.lines)")
        let reason = try await store.queue.read { db in
            try String.fetchOne(db, sql: "SELECT reason FROM job_row WHERE outcome = 'rejected'")
        }
        #expect(reason == "DEVICE NAME \"BAT0B0B0B0B0B0B\": is also on line 2; one name is one phone")
    }

    /// An activated device is named SEP<MAC> though it was created from a row without a MAC; an export
    /// taken after activation names it so, and re-importing it finds the device by that name.
    @Test func anExportAfterActivationFindsTheDeviceByItsSEPName() async throws {
        let file = directory + "/one.csv"
        try TestFiles.write(
            "DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1\nCisco 8845,DP-Dallas,lou,5301\n", to: file)
        #expect(try await insert(file).accepted == 1)
        try await store.queue.write { db in
            try db.execute(sql: "UPDATE device SET name = 'SEP00A0C9150001', mac = '00A0C9150001'")
        }
        let export = directory + "/export.csv"
        try TestFiles.write(
            "Device Name,Device Type,Device Pool,Owner User ID,Directory Number 1\n"
                + "SEP00A0C9150001,Cisco 8845,DP-Dallas,lou,5301\n", to: export)
        let summary = try await insert(export)
        #expect(summary.unchanged == 1 && summary.accepted == 0 && summary.rejected == 0, "\(summary.lines)")
        #expect(try await deviceCount() == 1)
    }
}
