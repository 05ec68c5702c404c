import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import MRABatKit

/// `update` and `plan` in the library, on a real SQLite store, at many chunk sizes: whatever the
/// chunks, `plan` decides every row as `update` then does (rows that depend on what an earlier row
/// changed, near and far), and the reconciler's update rules one by one.
@Suite("update and plan")
struct UpdateJobTests {
    static let header = "DEVICE NAME,MAC ADDRESS,DESCRIPTION,DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1"
    static let template = TestFiles.path("Templates/mra-88xx-5line.yaml")

    /// Phones 0..<12 as night 1 provisions them: BAT… names, no MAC.
    static func phone(_ i: Int, owner: String? = nil, description: String? = nil, name: String? = nil, mac: String = "")
        -> String
    {
        let device = name ?? String(format: "BAT%012X", 0xB0_0000 + i)
        return "\(device),\(mac),\(description ?? "Desk \(i)"),Cisco 8845,DP-Dallas,\(owner ?? "u\(i)"),\(40_000 + i)"
    }

    static func run(
        _ store: any Store, _ csv: String, kind: JobKind, dryRun: Bool = false, chunkSize: Int = 4096,
        plan: (([PlanRow]) throws -> Void)? = nil
    ) async throws -> JobSummary {
        var options = InsertOptions(csvPath: csv, templatePath: template, outDirectory: nil)
        // PostgreSQL has no place next to the store for the key: it is named.
        if store.defaultKeyFile == nil {
            options.keyFile = (csv as NSString).deletingLastPathComponent + "/mrabat.key"
        }
        options.kind = kind
        options.dryRun = dryRun
        options.chunkSize = chunkSize
        options.jobs = 1
        return try await InsertJob.run(store: store, options: options, plan: plan)
    }

    @Test(arguments: TestBackend.allCases, [1, 2, 3, 5, 4096])
    func planDecidesEveryRowAsUpdateDoesWhateverTheChunks(backend: TestBackend, chunkSize: Int) async throws {
        let directory = try TestFiles.makeTemporaryDirectory("update-chunks")
        let store = try await LifecycleFixture.openStore(backend, directory: directory)
        try await store.saveCluster(try ClusterConfig.load(path: TestFiles.sampleCluster), now: Date())
        let first = directory + "/night1.csv"
        try TestFiles.write(([Self.header] + (0..<12).map { Self.phone($0) }).joined(separator: "\n") + "\n", to: first)
        #expect(try await Self.run(store, first, kind: .insert).accepted == 12)
        let afterInsert = try await Self.devices(store)

        let rows = [
            Self.phone(0, owner: "moved"),  // 2: its natural key changes
            Self.phone(1),  // 3: unchanged
            Self.phone(2, description: "Desk 2 new"),  // 4: updated
            // 5: phone 3 given a MAC, found by owner, model and first line: becomes SEP…
            Self.phone(3, name: "", mac: "0C0000000003"),
            Self.phone(4),  // 6
            Self.phone(5, description: "Desk 5 new"),  // 7
            // 8: phone 0's old owner, model and first line, without a name: phone 0 moved away, so a new phone
            Self.phone(0, name: ""),
            // 9: phone 0's new owner, model and first line again: the device line 2 changed
            Self.phone(0, owner: "moved", name: ""),
            // 10: phone 2's name again, another first line: the device line 4 changed
            "\(String(format: "BAT%012X", 0xB0_0002)),,Desk,Cisco 8845,DP-Dallas,u2,49999",
            // 11: phone 3's old BAT… name, which no device has now: a new device of that name
            Self.phone(3, owner: "new3", description: "Desk new 3"),
            // 12: the MAC phone 3 took, on another owner: a device line 5 changed
            Self.phone(30, name: "", mac: "0C0000000003"),
            Self.phone(6, description: "Desk 6 new"),  // 13
        ]
        let second = directory + "/night2.csv"
        try TestFiles.write(([Self.header] + rows).joined(separator: "\n") + "\n", to: second)

        var planned: [PlanRow] = []
        let plan = try await Self.run(store, second, kind: .update, dryRun: true, chunkSize: chunkSize) {
            planned += $0
        }
        #expect(plan.jobID == nil)
        #expect(try await store.jobs().count == 1, "plan wrote a job")
        let summary = try await Self.run(store, second, kind: .update, chunkSize: chunkSize)
        let jobID = try #require(summary.jobID)
        let done = try await store.jobRows(jobID: jobID, afterLine: 0, limit: 100)

        let outcome: [PlanRow.Action: JobRowOutcome] = [
            .create: .accepted, .update: .updated, .unchanged: .unchanged, .reject: .rejected,
        ]
        #expect(planned.map(\.line) == Array(2...13))
        #expect(done.map(\.line) == planned.map(\.line))
        for (row, job) in zip(planned, done) {
            #expect(outcome[row.action] == job.outcome, "line \(row.line): \(row) vs \(job)")
            #expect(row.changes == job.changes, "line \(row.line)")
            #expect(row.reason == job.reason, "line \(row.line)")
        }
        let expected: [PlanRow.Action] = [
            .update, .unchanged, .update, .update, .unchanged, .update, .create, .reject, .reject, .create, .reject,
            .update,
        ]
        #expect(planned.map(\.action) == expected, "\(planned.map { "\($0.line) \($0.action) \($0.reason ?? "")" })")
        #expect(summary.updated == 5 && summary.accepted == 2 && summary.rejected == 3 && summary.unchanged == 2)
        #expect(
            planned.first { $0.line == 5 }?.changes.prefix(2).map(\.field) == ["MAC ADDRESS", "DEVICE NAME"])
        #expect(try await store.device(named: "SEP0C0000000003") != nil)
        #expect(try await store.device(named: String(format: "BAT%012X", 0xB0_0003))?.ownerUserID == "new3")

        // Undone, the store is as night 1 left it, although a device the job created (line 8) holds
        // the owner, model and first line a device it changed (line 2) had: removals go first.
        let undo = try await UndoJob.run(store: store, jobID: jobID, outDirectory: nil, jobs: 1, now: Date())
        #expect(undo.deleted == 2 && undo.updated == 5 && undo.accepted == 0)
        #expect(try await Self.devices(store) == afterInsert)
    }

    /// Jobs on one PostgreSQL database run at once, so a job can commit after a job that began later:
    /// `undo` must see which changed a device last by their commits, not by their ids.
    @Test func undoOrdersConcurrentJobsByTheirCommitsNotTheirIDs() async throws {
        let directory = try TestFiles.makeTemporaryDirectory("undo-commit-order")
        let store = try await LifecycleFixture.openStore(.postgres, directory: directory)
        try await store.saveCluster(try ClusterConfig.load(path: TestFiles.sampleCluster), now: Date())
        let night = directory + "/night.csv"
        try TestFiles.write(([Self.header] + (0..<2).map { Self.phone($0) }).joined(separator: "\n") + "\n", to: night)
        #expect(try await Self.run(store, night, kind: .insert).accepted == 2)
        // The earlier job changes phone 0, stops after that chunk, and changes phone 1 only after the
        // later job has changed phone 1 and committed.
        let earlier = directory + "/earlier.csv"
        try TestFiles.write(
            [Self.header, Self.phone(0, description: "Earlier 0"), Self.phone(1, description: "Earlier 1")]
                .joined(separator: "\n") + "\n", to: earlier)
        let later = directory + "/later.csv"
        try TestFiles.write(
            [Self.header, Self.phone(1, description: "Later 1")].joined(separator: "\n") + "\n", to: later)

        let (paused, pause) = AsyncStream.makeStream(of: Void.self)
        let resume = DispatchSemaphore(value: 0)
        let first = Task {
            var options = InsertOptions(csvPath: earlier, templatePath: Self.template, outDirectory: nil)
            options.keyFile = directory + "/mrabat.key"
            options.kind = .update
            options.chunkSize = 1
            options.jobs = 1
            let calls = Mutex(0)
            return try await InsertJob.run(store: store, options: options) { _ in
                let call = calls.withLock { count in
                    count += 1
                    return count
                }
                guard call == 1 else { return }
                pause.yield()
                // Bounded: the test fails rather than hangs if the later job never finishes.
                _ = resume.wait(timeout: .now() + 120)
            }
        }
        for await _ in paused { break }
        let second = try await Self.run(store, later, kind: .update)
        resume.signal()
        let firstSummary = try await first.value
        let earlierID = try #require(firstSummary.jobID)
        let laterID = try #require(second.jobID)
        #expect(earlierID < laterID && firstSummary.updated == 2 && second.updated == 1)
        #expect(try await store.device(named: String(format: "BAT%012X", 0xB0_0001))?.description == "Earlier 1")

        // Undoing the later job would put "Desk 1" back over the earlier job's newer change.
        let refusal = await #expect(throws: MRABatError.self) {
            try await UndoJob.run(store: store, jobID: laterID, outDirectory: nil, jobs: 1, now: Date())
        }
        #expect(refusal?.message.contains("by job \(earlierID) since") == true, "\(String(describing: refusal))")
        #expect(try await store.device(named: String(format: "BAT%012X", 0xB0_0001))?.description == "Earlier 1")
        // The earlier job committed last, so it may be undone: phone 1 goes back to the later job's value.
        let undo = try await UndoJob.run(store: store, jobID: earlierID, outDirectory: nil, jobs: 1, now: Date())
        #expect(undo.updated == 2)
        #expect(try await store.device(named: String(format: "BAT%012X", 0xB0_0001))?.description == "Later 1")
        #expect(try await store.device(named: String(format: "BAT%012X", 0xB0_0000))?.description == "Desk 0")
    }

    /// Every device with its lines and outstanding code, by id.
    static func devices(_ store: any Store) async throws -> [String] {
        guard let store = store as? SQLiteStore else {
            return try TestPostgres.query(
                store.location,
                """
                SELECT d.*, string_agg(l.dn, '/' ORDER BY l.idx) AS dns, c.identity, c.bound_mac FROM device d
                JOIN line l ON l.device_id = d.id
                LEFT JOIN activation_code c ON c.device_id = d.id AND c.status = 'outstanding'
                GROUP BY d.id, c.identity, c.bound_mac ORDER BY d.id
                """
            ).map { $0.map { $0 ?? "NULL" }.joined(separator: "|") }
        }
        return try await store.queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, group_concat(l.dn, '/') AS dns, c.identity, c.bound_mac FROM device d
                    JOIN line l ON l.device_id = d.id
                    LEFT JOIN activation_code c ON c.device_id = d.id AND c.status = 'outstanding'
                    GROUP BY d.id ORDER BY d.id
                    """
            ).map { $0.databaseValues.map(\.description).joined(separator: "|") }
        }
    }

    // MARK: The reconciler's update rules

    static func drafts(_ rows: [[String]]) throws -> [DeviceDraft] {
        let validator = try RowValidatorTests.validator()
        return try rows.enumerated().map { try validator.validate(fields: $1, line: $0 + 2).get() }
    }

    static var updating: StoreReconciler {
        get throws {
            var reconciler = StoreReconciler(validator: try RowValidatorTests.validator())
            reconciler.mode = .update(createsNew: true)
            return reconciler
        }
    }

    @Test func aPhoneThatActivatedKeepsItsMAC() throws {
        var row = RowValidatorTests.good
        row[0] = "00:1a:2b:3c:4d:99"
        let draft = try Self.drafts([row])
        var activated = StoreReconcilerTests.existing(
            try Self.drafts([RowValidatorTests.good])[0], id: 3, name: "SEP001A2B3C4D5E")
        activated.device.mac = "001A2B3C4D5E"
        activated.activated = true
        let outcome = try Self.updating.reconcile(
            draft, existing: [activated], linesInThisJob: [:], fields: { _ in [] })
        #expect(outcome.rejected.first?.tag == .macCannotChange)
        #expect(
            outcome.rejected.first?.reason.contains(
                "differs from 001A2B3C4D5E, the MAC of the phone that activated as SEP001A2B3C4D5E") == true)
        #expect(outcome.updated.isEmpty && outcome.fresh.isEmpty)
    }

    @Test func aBATPhoneGivenItsMACBecomesSEPWithAMACKey() throws {
        var row = RowValidatorTests.good
        row[0] = "001A2B3C4D99"
        let draft = try Self.drafts([row])
        let stored = StoreReconcilerTests.existing(
            try Self.drafts([RowValidatorTests.good])[0], id: 4, name: "BAT00000000000A")
        let outcome = try Self.updating.reconcile(draft, existing: [stored], linesInThisJob: [:], fields: { _ in [] })
        let update = try #require(outcome.updated.first)
        #expect(update.name == "SEP001A2B3C4D99" && update.mac == "001A2B3C4D99")
        #expect(update.naturalKey == "mac:001A2B3C4D99")
        #expect(
            update.changes == [
                FieldChange(field: "MAC ADDRESS", old: nil, new: "001A2B3C4D99"),
                FieldChange(field: "DEVICE NAME", old: "BAT00000000000A", new: "SEP001A2B3C4D99"),
            ])
    }

    @Test func aChangeThatMakesTwoDevicesOnePhoneIsRejected() throws {
        var moved = RowValidatorTests.good
        moved[4] = "bob"  // OWNER USER ID: now bob's phone on bob's first line
        let draft = try Self.drafts([moved])
        var anna = StoreReconcilerTests.existing(try Self.drafts([RowValidatorTests.good])[0], id: 5, name: "SEP0A")
        anna.device.mac = "0A0000000001"
        anna.activated = true
        let bob = StoreReconcilerTests.existing(try Self.drafts([moved])[0], id: 6, name: "BAT00000000000B")
        // Matched by the MAC of anna's activated phone, the row would give it bob's owner, model and line.
        var withMAC = draft[0]
        withMAC.mac = MACAddress(parsing: "0A0000000001")
        let outcome = try Self.updating.reconcile([withMAC], existing: [anna, bob], linesInThisJob: [:]) { _ in [] }
        #expect(outcome.rejected.first?.tag == .sameAsOtherDevice, "\(outcome.rejected)")
        #expect(outcome.rejected.first?.reason.contains("device BAT00000000000B") == true)
    }

    @Test func existingOnlyRejectsANewRowNamingInsert() throws {
        var reconciler = StoreReconciler(validator: try RowValidatorTests.validator())
        reconciler.mode = .update(createsNew: false)
        let outcome = reconciler.reconcile(
            try Self.drafts([RowValidatorTests.good]), existing: [], linesInThisJob: [:], fields: { _ in [] })
        #expect(outcome.rejected.first?.tag == .deviceUnknown)
        #expect(outcome.rejected.first?.reason.contains("`mrabat insert`") == true)
    }

    @Test func anActivatedPhoneKeepsItsModel() throws {
        var row = RowValidatorTests.good
        row[2] = "Cisco 8865"
        let draft = try Self.drafts([row])
        var activated = StoreReconcilerTests.existing(
            try Self.drafts([RowValidatorTests.good])[0], id: 3, name: "SEP001A2B3C4D5E")
        activated.device.mac = "001A2B3C4D5E"
        activated.activated = true
        // The row has no MAC and another model, so only its DEVICE NAME could find the device: give it one.
        var named = draft[0]
        named.requestedName = "SEP001A2B3C4D5E"
        let outcome = try Self.updating.reconcile([named], existing: [activated], linesInThisJob: [:]) { _ in [] }
        #expect(outcome.rejected.first?.tag == .deviceTypeCannotChange, "\(outcome.rejected)")
    }
}
