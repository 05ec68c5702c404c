import Foundation
import GRDB
import MRABatKit
import TestSupport
import Testing

/// Nightly runs end to end (SPEC §8): `plan`, `update`, `delete`, `jobs`, `job N`, `undo N` through
/// the built binary, checked against the files and rows they leave and against an independent
/// oracle: a fresh store fed the final rows by `insert`.
@Suite("nightly runs, end to end", .serialized)
struct NightlyEndToEndTests {
    /// Night 1's export: phones 0..<40.
    static let first = (0..<40).map(NightlyPhone.number)

    /// Night 2: five phones changed, two gone (6 and 10, deleted), three new (40..<43).
    /// `changed`: the devices whose config file changes (phone 1's new description stays in the store).
    static func secondNight() -> (update: [NightlyPhone], removed: [NightlyPhone], changed: Set<String>) {
        var phones = (0..<43).map(NightlyPhone.number)
        phones[1].description = "Desk 1, moved to the 3rd floor"  // server-only: the file stays as it is
        phones[2].pool = "DP-Frankfurt"  // another MRA service domain: the file gets a redirect
        phones[3].dn2 = "39003"  // a line added
        phones[3].display2 = "User 3 line 2"
        phones[4].model = "Cisco 8861"  // a BAT… phone of another model: its code follows the model
        phones[5].display1 = "Sales desk"  // a phone provisioned with its MAC
        let changed = Set([2, 3, 4, 5].map { phones[$0].deviceName })
        let removed = [phones[6], phones[10]]
        phones.removeAll { removed.contains($0) }
        return (phones, removed, changed)
    }

    @Test(
        "three nights: insert; 5 changed, 2 removed, 3 new; a bad night undone — store and files exactly as expected",
        arguments: TestBackend.allCases)
    func threeNights(backend: TestBackend) async throws {
        let h = try Harness("nightly", backend: backend)
        try await h.initSample()
        try NightlyPhone.write(Self.first, to: h.path("night1.csv"))
        let inserted = try await h.insert(h.path("night1.csv"), out: "out")
        #expect(inserted.status == 0, "\(inserted.stderr)")
        let night1Files = try h.fileBytes("out/tftp")
        let night1Identities = try h.fileIdentities("out/tftp")
        let night1Codes = try h.outstandingIdentities()
        #expect(night1Files.count == 40 && night1Codes.count == 40)

        // Night 2: the cron line, `plan … && update …`, then the removals.
        let (night2, removed, changed) = Self.secondNight()
        try NightlyPhone.write(night2, to: h.path("night2.csv"))
        let plan = try await h.plan(h.path("night2.csv"))
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("totals: create 3  update 5  unchanged 33  reject 0"), "\(plan.stdout)")
        let retied = NightlyPhone.number(4).name
        #expect(plan.stdout.contains("line 6: update \(retied): DEVICE TYPE \"Cisco 8845\" → \"Cisco 8861\""))
        let updated = try await h.update(h.path("night2.csv"), out: "out")
        #expect(updated.status == 0, "\(updated.stderr)")
        #expect(
            updated.stdout.contains("rows: 41  accepted: 3  updated: 5  unchanged: 33  rejected: 0"),
            "\(updated.stdout)")
        try NightlyPhone.write(removed, to: h.path("removed.csv"))
        let deleted = try await h.run(["delete", h.path("removed.csv"), "--out", h.path("out")])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout.contains("rows: 2  deleted: 2  unchanged: 0  rejected: 0"), "\(deleted.stdout)")
        #expect(try h.checkStoreInvariants() == [])
        #expect(try h.checkOutputs("out") == [])

        // The oracle: a fresh store fed night 2's rows by insert holds the same devices and writes the same files.
        let oracle = try Harness("nightly-oracle", backend: backend)
        try await oracle.initSample()
        try NightlyPhone.write(night2, to: oracle.path("final.csv"))
        #expect(try await oracle.insert(oracle.path("final.csv"), out: "out").status == 0)
        #expect(try h.deviceRows() == oracle.deviceRows())
        let night2Files = try h.fileBytes("out/tftp")
        // The same files but for what derives from the store's device ids (uuid, line contacts, version stamp).
        #expect(
            Harness.withoutDeviceIdentity(night2Files)
                == Harness.withoutDeviceIdentity(try oracle.fileBytes("out/tftp")),
            "config files differ from a fresh insert's")
        #expect(night2Files.count == 41)

        // Codes kept; new devices have one; removed devices' codes went with them.
        let night2Codes = try h.outstandingIdentities()
        for phone in night2 where night1Codes[phone.deviceName] != nil {
            #expect(
                night2Codes[phone.deviceName] == night1Codes[phone.deviceName], "\(phone.deviceName)'s code changed")
        }
        #expect(night2Codes.count == 41)
        for phone in removed {
            #expect(night2Codes[phone.deviceName] == nil)
            #expect(!h.exists("out/tftp/\(phone.deviceName).cnf.xml"))
        }

        // Only the changed and new devices' files were written; the others are the very same files.
        let night2Identities = try h.fileIdentities("out/tftp")
        for (name, identity) in night2Identities {
            let device = String(name.dropLast(".cnf.xml".count))
            if let before = night1Identities[name], !changed.contains(device) {
                #expect(identity == before, "\(name) was rewritten")
                #expect(night2Files[name] == night1Files[name])
            } else if night1Files[name] != nil {
                #expect(night2Files[name] != night1Files[name], "\(name) changed but its file did not")
            }
        }

        // The audit log has one record per changed field, and the history of a removed device stays.
        let updateJob = try h.lastJob() - 1
        let changes = try await h.jobRows(updateJob).map { ($0["changes"] as? [String: Any])?.count ?? 0 }.reduce(0, +)
        #expect(changes >= 6)
        #expect(try h.count("SELECT COUNT(*) FROM audit WHERE event = 'update'") == changes)
        let history = try await h.run(["history", removed[0].deviceName])
        #expect(history.status == 0 && history.stdout.contains("delete"), "\(history.stdout) \(history.stderr)")

        // Night 3: a bad export (every phone moved to Singapore), undone.
        let before = try h.fullStoreRows()
        var bad = night2
        for index in bad.indices { bad[index].pool = "DP-Singapore" }
        try NightlyPhone.write(bad, to: h.path("night3.csv"))
        let badRun = try await h.update(h.path("night3.csv"), out: "out")
        #expect(badRun.status == 0, "\(badRun.stderr)")
        #expect(badRun.stdout.contains("updated: 41"), "\(badRun.stdout)")
        let badJob = try h.lastJob()
        let undone = try await h.run(["undo", String(badJob), "--out", h.path("out")])
        #expect(undone.status == 0, "\(undone.stderr)")
        #expect(undone.stdout.contains("undo of job \(badJob): removed: 0  restored: 41  brought back: 0"))
        #expect(try h.fullStoreRows() == before, "the undo did not restore the store exactly")
        #expect(try h.fileBytes("out/tftp") == night2Files, "the undo did not restore the config files exactly")
        #expect(try h.checkStoreInvariants() == [])

        // The history lists every job; the bad one is marked undone, and undoing it again changes nothing.
        let jobs = try await h.run(["jobs", "--json"])
        let list = try JSONSerialization.jsonObject(with: Data(jobs.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(list.map { $0["kind"] as? String } == ["insert", "update", "delete", "update", "undo"])
        #expect(list[3]["undoneBy"] as? Int == Int(badJob) + 1)
        #expect(list.map { $0["committed"] as? Bool } == Array(repeating: true, count: 5))
        let again = try await h.run(["undo", String(badJob), "--out", h.path("out")])
        #expect(again.status == 0 && again.stderr.contains("undone by job \(badJob + 1) already"), "\(again.stderr)")
        #expect(try h.fullStoreRows() == before)
    }

    @Test(
        "plan says exactly what update then does: create, update (old → new), unchanged, reject",
        arguments: TestBackend.allCases)
    func planEqualsUpdate(backend: TestBackend) async throws {
        let h = try Harness("plan", backend: backend)
        try await h.initSample()
        try NightlyPhone.write(Self.first, to: h.path("night1.csv"))
        #expect(try await h.insert(h.path("night1.csv"), out: "out").status == 0)

        var (rows, _, _) = Self.secondNight()
        func row(_ phone: Int) throws -> Int { try #require(rows.firstIndex { $0.owner == "user\(phone)" }) }
        // A BAT… phone given its MAC (found by owner, model and first line): renamed SEP…, its code bound to the MAC.
        rows[try row(7)].name = ""
        rows[try row(7)].mac = "0C00000ABC07"
        // The owner of a named phone changes: its natural key follows.
        rows[try row(8)].owner = "someone.else"
        let nine = NightlyPhone.number(9)
        let extra = [
            // An unknown pool, a name given twice, a new phone with a bad MAC.
            ["", "", "Desk X", "Cisco 8845", "DP-Atlantis", "user.x", "31000", "X", "", ""],
            [nine.name, "", "Desk 9 again", nine.model, nine.pool, "user9", "39999", "Y", "", ""],
            ["", "12345", "Desk Z", "Cisco 8845", "DP-Dallas", "user.z", "31001", "Z", "", ""],
        ]
        try NightlyPhone.write(rows, extra: extra, to: h.path("night2.csv"))

        let plan = try await h.plan(h.path("night2.csv"), ["--json"])
        #expect(plan.status == 1, "\(plan.stderr)")
        let planned = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let planRows = try #require(planned["rows"] as? [[String: Any]])
        let totals = try #require(planned["totals"] as? [String: Int])
        #expect(totals == ["create": 3, "update": 7, "unchanged": 31, "reject": 3], "\(totals)")
        #expect(try h.count("SELECT COUNT(*) FROM job") == 1, "plan wrote a job")

        let result = try await h.update(h.path("night2.csv"), out: "out")
        #expect(result.status == 1, "\(result.stderr)")
        let done = try await h.jobRows(try h.lastJob())
        #expect(done.count == planRows.count)
        let outcomeOf = ["create": "accepted", "update": "updated", "unchanged": "unchanged", "reject": "rejected"]
        for (planRow, jobRow) in zip(planRows, done) {
            let line = planRow["line"] as? Int
            #expect(line == jobRow["line"] as? Int)
            #expect(outcomeOf[planRow["action"] as? String ?? ""] == jobRow["outcome"] as? String, "line \(line ?? 0)")
            #expect(
                NSDictionary(dictionary: planRow["changes"] as? [String: Any] ?? [:])
                    == NSDictionary(dictionary: jobRow["changes"] as? [String: Any] ?? [:]), "line \(line ?? 0)")
            #expect((planRow["reason"] as? String) == (jobRow["reason"] as? String), "line \(line ?? 0)")
            if let device = planRow["device"] as? String { #expect(device == jobRow["device"] as? String) }
        }

        // The renamed phone: SEP…, bound to its MAC, same code; its BAT… file gone, its SEP… file there.
        let renamed = "SEP0C00000ABC07"
        let bound = try h.rows(
            """
            SELECT c.bound_mac, d.natural_key FROM device d JOIN activation_code c
            ON c.device_id = d.id AND c.status = 'outstanding' WHERE d.name = '\(renamed)'
            """)
        #expect(bound == [["0C00000ABC07", "mac:0C00000ABC07"]])
        #expect(!h.exists("out/tftp/\(NightlyPhone.number(7).name).cnf.xml"))
        #expect(h.exists("out/tftp/\(renamed).cnf.xml"))
        #expect(try h.checkStoreInvariants() == [])
        #expect(try h.checkOutputs("out") == [])
        // Run again, the same file changes nothing.
        let again = try await h.plan(h.path("night2.csv"))
        #expect(again.stdout.contains("totals: create 0  update 0  unchanged 41  reject 3"), "\(again.stdout)")
    }

    @Test(
        "a model change re-ties a BAT… phone's code to the new model: the old model is refused, the new one activates",
        arguments: TestBackend.allCases)
    func modelChangeReTiesTheCode(backend: TestBackend) async throws {
        let h = try Harness("retie", backend: backend)
        try await h.initSample()
        try NightlyPhone.write(Self.first, to: h.path("night1.csv"))
        #expect(try await h.insert(h.path("night1.csv"), out: "out").status == 0)
        let (night2, _, _) = Self.secondNight()
        try NightlyPhone.write(night2, to: h.path("night2.csv"))
        await #expect(try h.update(h.path("night2.csv"), out: "out").status == 0)
        let name = NightlyPhone.number(4).name
        let code = try #require(csvRows(try h.read("out/activation-codes.csv")).first { $0[0] == name }?[4])
        let audit = try h.strings("SELECT detail FROM audit WHERE device_name = '\(name)' AND event = 'update'")
        #expect(audit.contains { $0.contains("its code now activates a Cisco 8861") }, "\(audit)")
        let old = try await h.run([
            "activate", "--code", code, "--mac", "0C00000FFF04", "--model", "8845", "--out", h.path("out"),
        ])
        #expect(old.status == 4 && old.stderr.contains("Cisco 8861"), "\(old.stderr)")
        let new = try await h.run([
            "activate", "--code", code, "--mac", "0C00000FFF04", "--model", "8861", "--out", h.path("out"),
        ])
        #expect(new.status == 0, "\(new.stderr)")
    }

    @Test(
        "error paths: undo after an activation is refused naming the device; unknown names; an activated phone's MAC",
        arguments: TestBackend.allCases)
    func errorPaths(backend: TestBackend) async throws {
        let h = try Harness("nightly-errors", backend: backend)
        try await h.initSample()
        try NightlyPhone.write(Self.first, to: h.path("night1.csv"))
        #expect(try await h.insert(h.path("night1.csv"), out: "out").status == 0)
        let insertJob = try h.lastJob()
        let codes = Dictionary(
            csvRows(try h.read("out/activation-codes.csv")).dropFirst().map { ($0[0], $0[4]) },
            uniquingKeysWith: { first, _ in first })
        let phone = NightlyPhone.number(1)
        let activated = try await h.run([
            "activate", "--code", try #require(codes[phone.name]), "--mac", "0C1234567801", "--model", phone.model,
            "--out", h.path("out"),
        ])
        #expect(activated.status == 0, "\(activated.stderr)")

        // Undo of the insert: refused, naming the activated device; nothing changed.
        let before = try h.fullStoreRows()
        let files = try h.fileBytes("out/tftp")
        let undo = try await h.run(["undo", String(insertJob), "--out", h.path("out")])
        #expect(undo.status == 2, "\(undo.stderr)")
        #expect(undo.stderr.contains("SEP0C1234567801 was activated since"), "\(undo.stderr)")
        #expect(try h.fullStoreRows() == before)
        #expect(try h.fileBytes("out/tftp") == files)
        #expect(try h.count("SELECT COUNT(*) FROM job") == 1)

        // Delete of an unknown name: a rejected row naming it (exit 1), nothing removed.
        _ = try h.write(
            "unknown.csv", "DEVICE NAME,DESCRIPTION\nBAT0000FFFFFFFF,gone\n\(NightlyPhone.number(2).name),x\n")
        let delete = try await h.run(["delete", h.path("unknown.csv"), "--out", h.path("out"), "--all-or-nothing"])
        #expect(delete.status == 1, "\(delete.stderr)")
        let rejects = csvRows(try h.read("out/rejects.csv"))
        #expect(rejects.count == 2 && rejects[1].last?.contains("no device is named BAT0000FFFFFFFF") == true)
        #expect(try h.fullStoreRows() == before, "--all-or-nothing removed a device")
        let single = try await h.run(["delete", "--name", "BAT0000FFFFFFFF", "--out", h.path("out")])
        #expect(single.status == 1 && single.stderr.contains("--name BAT0000FFFFFFFF: no device is named"))

        // An update giving the activated phone another MAC: rejected, naming both MACs.
        var moved = Self.first
        moved[1].mac = "0C9999999901"
        moved[1].name = ""
        try NightlyPhone.write(moved, to: h.path("moved.csv"))
        let update = try await h.update(h.path("moved.csv"), out: "out")
        #expect(update.status == 1, "\(update.stderr)")
        let reason = csvRows(try h.read("out/rejects.csv")).dropFirst().first?.last ?? ""
        #expect(reason.contains("0C9999999901") && reason.contains("0C1234567801"), "\(reason)")
        #expect(reason.contains("a MAC cannot change"), "\(reason)")
        #expect(try h.count("SELECT COUNT(*) FROM device WHERE mac = '0C9999999901'") == 0)

        // Undo of a job that does not exist.
        let missing = try await h.run(["undo", "99", "--out", h.path("out")])
        #expect(missing.status == 2 && missing.stderr.contains("there is no job 99"), "\(missing.stderr)")
        // The activated phone's code is used, so it has none outstanding; everything else holds.
        #expect(try h.checkStoreInvariants() == ["devices without exactly one outstanding code: 1"])
    }

    @Test("a job waits while another mrabat holds the store, then runs; summary JSON covers the new commands")
    func waitsForTheStoreAndSummarises() async throws {
        let h = try Harness("nightly-wait")
        try await h.initSample()
        try NightlyPhone.write(Self.first, to: h.path("night1.csv"))
        #expect(try await h.insert(h.path("night1.csv"), out: "out").status == 0)
        let (night2, removed, _) = Self.secondNight()
        try NightlyPhone.write(night2, to: h.path("night2.csv"))

        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: h.db, configuration: configuration)
        try await other.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        let child = try RunningMRABat(
            h,
            [
                "update", h.path("night2.csv"), "--template", Harness.repo(Harness.nightlyTemplate), "--out",
                h.path("out"), "--summary-json", h.path("update.json"),
            ], label: "waiting")
        usleep(1_500_000)
        #expect(child.isRunning, "update did not wait for the store")
        try await other.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        #expect(child.wait().status == 0)

        func summary(_ name: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(try h.read(name).utf8)) as? [String: Any] ?? [:]
        }
        let update = try summary("update.json")
        #expect(
            update["kind"] as? String == "update" && update["updated"] as? Int == 5 && update["accepted"] as? Int == 3)
        try NightlyPhone.write(removed, to: h.path("removed.csv"))
        let delete = try await h.run([
            "delete", h.path("removed.csv"), "--out", h.path("out"), "--summary-json", h.path("delete.json"),
        ])
        #expect(delete.status == 0)
        #expect(try summary("delete.json")["deleted"] as? Int == 2)
        #expect(try summary("out/summary.json")["kind"] as? String == "delete")
        // The same removals again: already done, the files stay removed, exit 0.
        let again = try await h.run(["delete", h.path("removed.csv"), "--out", h.path("out")])
        #expect(again.status == 0 && again.stdout.contains("deleted: 0  unchanged: 2"), "\(again.stdout)")
        let plan = try await h.run([
            "plan", h.path("night2.csv"), "--template", Harness.repo(Harness.nightlyTemplate), "--summary-json",
            h.path("plan.json"),
        ])
        #expect(plan.status == 0)
        #expect(try summary("plan.json")["kind"] as? String == "plan")
        let undo = try await h.run([
            "undo", String(try h.lastJob() - 1), "--out", h.path("out"), "--summary-json", h.path("undo.json"),
        ])
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(try summary("undo.json")["accepted"] as? Int == 2)
    }
    @Test("two PostgreSQL workers updating the same phones at once: the later one sees the earlier's change")
    func twoUpdatesAtOnceIntoPostgreSQL() async throws {
        let h = try Harness("nightly-two", backend: .postgres)
        try await h.initSample()
        try NightlyPhone.write(Self.first, to: h.path("night1.csv"))
        #expect(try await h.insert(h.path("night1.csv"), out: "out").status == 0)
        let workers = ["A", "B"]
        for worker in workers {
            var phones = Self.first
            for index in phones.indices { phones[index].description = "Desk \(index) by \(worker)" }
            try NightlyPhone.write(phones, to: h.path("\(worker).csv"))
        }
        let children = try workers.map { worker in
            try RunningMRABat(
                h,
                [
                    "update", h.path("\(worker).csv"), "--template", Harness.repo(Harness.nightlyTemplate), "--out",
                    h.path("out-\(worker)"),
                ], label: worker)
        }
        for (worker, result) in zip(workers, children.map { $0.wait() }) {
            #expect(result.status == 0, "worker \(worker): \(result.stderr)")
        }
        // Both changed every phone; the one that committed second changed them from the first one's values
        // (it started over when it found them changed), so neither change was lost unseen.
        let jobs = try h.rows("SELECT id, updated FROM job WHERE kind = 'update' ORDER BY id")
        #expect(jobs.map { $0[1] } == ["40", "40"], "\(jobs)")
        var olds: [Set<String>] = []
        for job in jobs {
            let rows = try await h.jobRows(Int64(job[0] ?? "") ?? 0)
            olds.append(
                Set(
                    rows.compactMap { row in
                        ((row["changes"] as? [String: Any])?["DESCRIPTION"] as? [Any])?.first as? String
                    }.map { $0.split(separator: " ").count > 2 ? String($0.split(separator: " ").last ?? "") : "" }))
        }
        let finals = Set(
            try h.strings("SELECT description FROM device").map { String($0.split(separator: " ").last ?? "") })
        #expect(finals.count == 1, "\(finals)")
        let last = finals.first ?? ""
        let earlier = workers.first { $0 != last } ?? ""
        #expect(Set(olds) == [[""], [earlier]], "\(olds)")
        #expect(try h.count("SELECT COUNT(*) FROM audit WHERE event = 'update'") == 80)
        #expect(try h.checkStoreInvariants() == [])
    }
}
