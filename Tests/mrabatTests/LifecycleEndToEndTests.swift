import Foundation
import GRDB
import MRABatKit
import TestSupport
import Testing

/// A store with three phones (two BAT-named of alice, one Option 1 of bob) and their exported codes.
struct LifecycleScenario {
    static let optionOneMAC = "001A2B3C4D5E"
    let h: Harness
    /// Device name → code, from `export-codes`.
    let codes: [String: String]
    let dallas: String
    let newYork: String

    /// - Parameter cluster: a cluster configuration file (default: the sample).
    init(_ label: String, cluster: String? = nil, backend: TestBackend = .sqlite) async throws {
        h = try Harness(label, backend: backend)
        let loaded = try await h.run(["init", "--cluster", cluster ?? Harness.repo("SampleData/cluster.yaml")])
        precondition(loaded.status == 0, loaded.stderr)
        let csv = try h.write(
            "phones.csv",
            """
            MAC ADDRESS,DESCRIPTION,DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1
            ,Alice desk,Cisco 8845,DP-Dallas,alice,5001
            ,Alice home,Cisco 8845,DP-NewYork,alice,5002
            \(Self.optionOneMAC),Bob desk,Cisco 8845,DP-Frankfurt,bob,5003

            """)
        let inserted = try await h.insert(csv, out: "out")
        precondition(inserted.status == 0, inserted.stderr)
        codes = try await Self.export(h)
        dallas = try h.strings("SELECT name FROM device WHERE device_pool = 'DP-Dallas'")[0]
        newYork = try h.strings("SELECT name FROM device WHERE device_pool = 'DP-NewYork'")[0]
    }

    static func export(_ h: Harness) async throws -> [String: String] {
        let result = try await h.run(["export-codes", "--out", h.path("codes.csv")])
        precondition(result.status == 0, result.stderr)
        var codes: [String: String] = [:]
        for row in csvRows(try h.read("codes.csv")).dropFirst() { codes[row[0]] = row[4] }
        return codes
    }

    func activate(_ code: String, mac: String, model: String = "8845", _ extra: [String] = []) async throws
        -> Harness.Result
    {
        try await h.run(["activate", "--code", code, "--mac", mac, "--model", model, "--out", h.path("out")] + extra)
    }

    /// Runs SQL against the store (to move time: codes issued a week ago).
    func execute(_ sql: String) throws {
        switch h.backend {
        case .sqlite:
            let queue = try DatabaseQueue(path: h.db)
            try queue.write { try $0.execute(sql: sql) }
        case .postgres:
            try TestPostgres.query(h.db, sql)
        }
    }

    /// SQL for the current Unix time, in the store's dialect.
    var now: String { h.backend == .sqlite ? "strftime('%s','now')" : "extract(epoch FROM now())::bigint" }

    /// The sample cluster configuration with some text replaced, written into the scenario's folder.
    static func cluster(in directory: String, replacing replacements: [(String, String)]) throws -> String {
        var text = try String(contentsOfFile: Harness.repo("SampleData/cluster.yaml"), encoding: .utf8)
        for (old, new) in replacements {
            precondition(text.contains(old), "\(old) not in the sample cluster")
            text = text.replacingOccurrences(of: old, with: new)
        }
        let path = directory + "/cluster-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

@Suite("mrabat activation lifecycle, end to end", .timeLimit(.minutes(15)))
struct LifecycleEndToEndTests {
    @Test(arguments: TestBackend.allCases) func insertExportActivateWithAndWithoutRedirect(backend: TestBackend)
        async throws
    {
        let s = try await LifecycleScenario("activate", backend: backend)
        let h = s.h
        #expect(s.codes.count == 3)
        let redirected = try await s.activate(s.codes[s.dallas]!, mac: "00:11:22:33:44:01", model: "Cisco 8845")
        #expect(redirected.status == 0, "\(redirected.stderr)")
        #expect(redirected.stdout.contains("activated \(s.dallas) as SEP001122334401"))
        #expect(redirected.stdout.contains("removed \(h.path("out/tftp/\(s.dallas).cnf.xml"))"))
        #expect(
            redirected.stdout.contains(
                "MRA target: MRA activation domain activate.mra.acme.example (ACME-Activation, SRV _collab-edge._tls.activate.mra.acme.example); redirected to MRA service domain us.mra.acme.example (US-MRA, SRV _collab-edge._tls.us.mra.acme.example)"
            ),
            "\(redirected.stdout)")
        #expect(!h.exists("out/tftp/\(s.dallas).cnf.xml"))
        let xml = try h.read("out/tftp/SEP001122334401.cnf.xml")
        #expect(xml.contains("us.mra.acme.example"))
        let validator = try XMLSchemaValidator(schemaPath: Harness.repo("Templates/device-config.xsd"))
        #expect(validator.validate(fileAt: h.path("out/tftp/SEP001122334401.cnf.xml")).isEmpty)

        // Spaces in the typed code are fine; this phone stays on the activation domain.
        let code = s.codes[s.newYork]!
        let spaced = stride(from: 0, to: 16, by: 4).map { String(code.dropFirst($0).prefix(4)) }.joined(separator: " ")
        let plain = try await s.activate(spaced, mac: "001122334402")
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("no redirect: the phone stays on the activation domain"))
        let plainXML = try h.read("out/tftp/SEP001122334402.cnf.xml")
        #expect(!plainXML.contains("mraServiceDomainRedirect"))
        // The file names no domain: the phone stays where it activated (no activation-domain element either).
        #expect(!plainXML.contains("mra.acme.example"))

        // Only bob's code is still outstanding; the store renamed both.
        await #expect(Array(try LifecycleScenario.export(h).keys) == ["SEP\(LifecycleScenario.optionOneMAC)"])
        #expect(try h.count("SELECT COUNT(*) FROM device WHERE name LIKE 'BAT%'") == 0)
        #expect(
            try h.count(
                "SELECT COUNT(*) FROM activation_code WHERE status = 'used' AND verifier IS NULL AND sealed IS NULL")
                == 2)
        let history = try await h.run(["history", s.dallas])
        #expect(history.status == 0)
        let lines = history.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("\(s.dallas)  issue  ok  job 1 line 2"))
        #expect(lines[1].contains("SEP001122334401  activate  ok  renamed \(s.dallas) → SEP001122334401"))
    }

    @Test(arguments: TestBackend.allCases) func eachRefusalHasItsOwnReasonAndStatus4(backend: TestBackend) async throws
    {
        let s = try await LifecycleScenario("refusals", backend: backend)
        let option1 = "SEP\(LifecycleScenario.optionOneMAC)"
        func refused(_ result: Harness.Result, _ reason: String, _ text: String? = nil) {
            #expect(result.status == 4, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("mrabat: error: activation refused (\(reason)): "), "\(result.stderr)")
            if let text { #expect(result.stderr.contains(text), "\(result.stderr)") }
        }
        let wrong = s.codes.values.contains("1111111111111111") ? "2222222222222222" : "1111111111111111"
        await refused(try s.activate(wrong, mac: "00AABBCCDD01"), "unknown-code", "check the 16 digits")
        await refused(
            try s.activate(s.codes[s.dallas]!, mac: "00AABBCCDD01", model: "8841"), "model-mismatch",
            "\(s.dallas) is a Cisco 8845, but the phone is a Cisco 8841")
        await refused(
            try s.activate(s.codes[option1]!, mac: "00AABBCCDD01"), "mac-mismatch",
            "bound to MAC \(LifecycleScenario.optionOneMAC)")
        await refused(
            try s.activate(s.codes[s.dallas]!, mac: LifecycleScenario.optionOneMAC), "mac-in-use",
            "already belongs to device \(option1)")
        await #expect(try s.activate(s.codes[s.dallas]!, mac: "00AABBCCDD02").status == 0)
        await refused(try s.activate(s.codes[s.dallas]!, mac: "00AABBCCDD02"), "already-used")

        // Expired: the code was issued more than its time to live ago.
        try s.execute(
            "UPDATE activation_code SET expires_at = \(s.now) - 10 WHERE status = 'outstanding' AND bound_mac IS NULL"
        )
        await refused(
            try s.activate(s.codes[s.newYork]!, mac: "00AABBCCDD03"), "expired", "mrabat regenerate \(s.newYork)")

        // Wrong codes with bob's phone's MAC (the sample's maxActivationAttempts of them) are refused but never
        // counted: whoever knows a phone's MAC must not be able to lock it out.
        for _ in 1...5 {
            await refused(
                try s.activate(wrong, mac: LifecycleScenario.optionOneMAC), "unknown-code", "check the 16 digits")
        }
        #expect(try s.h.count("SELECT COUNT(*) FROM device WHERE throttled") == 0)
        let regenerated = try await s.h.run(["regenerate", option1])
        #expect(regenerated.status == 0, "\(regenerated.stderr)")
        let newCode = try #require(regenerated.stdout.firstMatch(of: /: (\d{16}) \(expires/)?.1)
        #expect(regenerated.stdout.contains("bound to MAC \(LifecycleScenario.optionOneMAC)"))
        await refused(try s.activate(s.codes[option1]!, mac: LifecycleScenario.optionOneMAC), "released")
        await #expect(try s.activate(String(newCode), mac: LifecycleScenario.optionOneMAC).status == 0)

        // Bad arguments are not refusals: status 2.
        let badCode = try await s.activate("12345", mac: "00AABBCCDD09")
        #expect(badCode.status == 2 && badCode.stderr.contains("16 digits"))
        let badMAC = try await s.activate(s.codes[s.newYork]!, mac: "00AABBCCDD0")
        #expect(badMAC.status == 2 && badMAC.stderr.contains("--mac"))
        let outcomes = try s.h.strings("SELECT DISTINCT outcome FROM audit WHERE event = 'activate'")
        #expect(
            Set(outcomes) == [
                "unknown-code", "model-mismatch", "mac-mismatch", "mac-in-use", "ok", "already-used", "expired",
                "released",
            ])
    }

    @Test(arguments: TestBackend.allCases) func parallelProcessesRacingForOneCodeExactlyOneWins(backend: TestBackend)
        async throws
    {
        let s = try await LifecycleScenario("race", backend: backend)
        let code = s.codes[s.dallas]!
        let racers = 6
        var processes: [(Process, Pipe, Pipe)] = []
        for index in 0..<racers {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Harness.binary)
            process.arguments = [
                "activate", "--code", code, "--mac", String(format: "00112233AA%02X", index), "--model", "8845",
                "--out", s.h.path("out"),
            ]
            process.environment = ProcessInfo.processInfo.environment.merging(s.h.storeEnvironment) { $1 }
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            processes.append((process, out, err))
        }
        // Start them all before waiting for any.
        for (process, _, _) in processes { try process.run() }
        var statuses: [Int32] = []
        var errors: [String] = []
        for (process, out, err) in processes {
            _ = out.fileHandleForReading.readDataToEndOfFile()
            errors.append(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            process.waitUntilExit()
            statuses.append(process.terminationStatus)
        }
        #expect(statuses.filter { $0 == 0 }.count == 1, "\(statuses) \(errors)")
        #expect(statuses.filter { $0 == 4 }.count == racers - 1, "\(statuses) \(errors)")
        for error in errors where !error.isEmpty {
            #expect(error.contains("activation refused (already-used)"), "\(error)")
        }
        #expect(try s.h.count("SELECT COUNT(*) FROM device WHERE name LIKE 'SEP00112233AA%'") == 1)
        #expect(try s.h.count("SELECT COUNT(*) FROM audit WHERE event = 'activate' AND outcome = 'ok'") == 1)
        #expect(try s.h.count("SELECT COUNT(*) FROM activation_code WHERE status = 'used'") == 1)
        #expect(try s.h.files(in: "out/tftp").filter { $0.hasPrefix("SEP00112233AA") }.count == 1)
        if s.h.backend == .sqlite {
            #expect(try s.h.query { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
        }
    }

    @Test(arguments: TestBackend.allCases) func releaseRegenerateRelockExpireAndHistory(backend: TestBackend)
        async throws
    {
        let s = try await LifecycleScenario("codes", backend: backend)
        let h = s.h
        let released = try await h.run(["release", s.newYork])
        #expect(released.status == 0 && released.stdout.contains("released the activation code of \(s.newYork)"))
        let again = try await h.run(["release", s.newYork])
        #expect(again.status == 2 && again.stderr.contains("has no outstanding activation code"))
        #expect(try await h.run(["release", "BAT000000000000"]).stderr.contains("no device named BAT000000000000"))
        await #expect(try LifecycleScenario.export(h)[s.newYork] == nil)

        let regenerated = try await h.run(["regenerate", s.newYork])
        #expect(regenerated.status == 0, "\(regenerated.stderr)")
        #expect(regenerated.stdout.contains("for any Cisco 8845"))
        let fresh = try await LifecycleScenario.export(h)[s.newYork]
        #expect(fresh != nil && fresh != s.codes[s.newYork])
        #expect(regenerated.stdout.contains(fresh ?? "-"))

        // Relock (Option 2): activate, relock, only the same MAC activates again.
        await #expect(try s.activate(fresh!, mac: "0011223344C1").status == 0)
        let wrongKind = try await h.run(["regenerate", "SEP0011223344C1"])
        #expect(wrongKind.status == 2 && wrongKind.stderr.contains("mrabat relock SEP0011223344C1"))
        #expect(try await h.run(["relock", s.dallas]).stderr.contains("is not activated"))
        let relocked = try await h.run(["relock", "SEP0011223344C1"])
        #expect(relocked.status == 0, "\(relocked.stderr)")
        #expect(relocked.stdout.contains("bound to MAC 0011223344C1"))
        let lockCode = try await #require(try LifecycleScenario.export(h)["SEP0011223344C1"])
        await #expect(
            try s.activate(lockCode, mac: "0011223344C2").stderr.contains("activation refused (mac-mismatch)"))
        await #expect(try s.activate(lockCode, mac: "0011223344C1").status == 0)

        // Expire: move the remaining codes' end into the past.
        try s.execute("UPDATE activation_code SET expires_at = \(s.now) - 1 WHERE status = 'outstanding'")
        let expired = try await h.run(["expire"])
        #expect(expired.status == 0)
        #expect(expired.stdout.contains("2 code(s) expired"), "\(expired.stdout)")
        #expect(expired.stdout.contains("expired the code of \(s.dallas)"))
        await #expect(try LifecycleScenario.export(h).isEmpty)
        #expect(
            try h.count(
                "SELECT COUNT(*) FROM activation_code WHERE status = 'expired' AND sealed IS NULL AND verifier IS NULL")
                == 2)
        #expect(try await h.run(["expire"]).stdout.contains("0 code(s) expired"))

        let history = try await h.run(["history", "SEP0011223344C1"])
        let events = history.stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true)[2]
        }
        #expect(
            events == ["issue", "release", "regenerate", "activate", "relock", "activate", "activate"],
            "\(history.stdout)")
        #expect(try await h.run(["history", "SEP999999999999"]).status == 2)
    }

    @Test func micIsCheckedAgainstTheClustersTrustedCAs() async throws {
        let pki = try TestPKI("e2e-mic")
        let ca = try pki.makeCA("Cisco Manufacturing CA SHA2")
        let rogue = try pki.makeCA("Rogue CA")
        let directory = try Harness("mic-cluster").directory
        let cluster = try LifecycleScenario.cluster(
            in: directory, replacing: [("micCAs: []", "micCAs: [\"\(ca.certificate)\"]")])
        let s = try await LifecycleScenario("mic", cluster: cluster)
        let code = s.codes[s.dallas]!
        func refused(_ mic: String, mac: String, _ reason: String) async throws {
            let result = try await s.activate(code, mac: mac, ["--mic", mic])
            #expect(result.status == 4)
            #expect(result.stderr.contains("activation refused (\(reason))"), "\(result.stderr)")
        }
        try await refused(
            try pki.makeMIC(mac: "0011223344D1", by: rogue, file: "rogue"), mac: "0011223344D1", "mic-untrusted")
        try await refused(
            try pki.makeMIC(mac: "0011223344D1", by: ca, days: -1, file: "old"), mac: "0011223344D1", "mic-expired")
        try await refused(
            try pki.makeMIC(mac: "0011223344D2", by: ca, file: "other"), mac: "0011223344D1", "mic-mac-mismatch")
        let missing = try await s.activate(code, mac: "0011223344D1", ["--mic", "/nonexistent.pem"])
        #expect(missing.status == 2)
        let good = try await s.activate(
            code, mac: "0011223344D1", ["--mic", try pki.makeMIC(mac: "0011223344D1", by: ca)])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(
            try await s.h.run(["history", "SEP0011223344D1"]).stdout.contains("CN=CP-8845-SEP0011223344D1 verified"))
    }

    @Test func selfCareShowsTheUsersPhonesWithQRCodes() async throws {
        let s = try await LifecycleScenario("selfcare")
        let result = try await s.h.run(["selfcare", "alice", "--out", s.h.path("sc")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try s.h.files(in: "sc") == ["\(s.dallas).png", "\(s.newYork).png", "index.html"].sorted())
        for device in [s.dallas, s.newYork] {
            #expect(try zbar(s.h.path("sc/\(device).png")) == [s.codes[device]!])
            #expect(result.stdout.contains("\(device)  Cisco 8845  \(s.codes[device]!)  expires "))
        }
        #expect(try s.h.mode("sc/index.html") == 0o600)
        #expect(try s.h.read("sc/index.html").contains("Alice home"))
        #expect(
            try await s.h.run(["selfcare", "nobody", "--out", s.h.path("sc2")]).stderr.contains(
                "no phone belongs to user nobody"))

        let directory = try Harness("selfcare-off").directory
        let off = try LifecycleScenario.cluster(
            in: directory, replacing: [("showPhonesReadyToActivate: true", "showPhonesReadyToActivate: false")])
        let hidden = try await LifecycleScenario("selfcare-off", cluster: off)
        let refused = try await hidden.h.run(["selfcare", "alice", "--out", hidden.h.path("sc")])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("Self-Care does not show phones ready to activate"), "\(refused.stderr)")
        #expect(!hidden.h.exists("sc/index.html"))
    }

    @Test func checkPassesOnAGoodConfigurationAndNamesEachFailure() async throws {
        let pki = try TestPKI("e2e-check")
        let ca = try pki.makeCA("Cisco Manufacturing CA SHA2")
        let leaf = try pki.issue("/O=ACME/CN=expe-us.acme.example", by: ca, file: "edge-leaf").certificate
        let h = try Harness("check")
        let good = try LifecycleScenario.cluster(
            in: h.directory, replacing: [("micCAs: []", "micCAs: [\"\(ca.certificate)\"]")])
        let passed = try await h.run(["check", "--cluster", good])
        #expect(passed.status == 0, "\(passed.stdout)\(passed.stderr)")
        #expect(passed.stdout.contains("all 14 prerequisites pass"))
        #expect(passed.stdout.split(separator: "\n").filter { $0.hasPrefix("PASS  ") }.count == 14)

        let broken = try LifecycleScenario.cluster(
            in: h.directory,
            replacing: [
                ("oauthRefreshLoginFlow: true", "oauthRefreshLoginFlow: false"),
                ("allowActivationCodeOnboarding: true", "allowActivationCodeOnboarding: false"),
                ("phoneEdgeTrust: []", "phoneEdgeTrust: [\"\(leaf)\"]"),
                ("    srvTarget: expe-eu.acme.example\n", ""),
            ])
        let failed = try await h.run(["check", "--cluster", broken])
        #expect(failed.status == 1)
        let failures = failed.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL  ") }.map {
            $0.split(separator: ":")[0]
        }
        #expect(
            failures == [
                "FAIL  oauth-refresh-login-flow", "FAIL  expressway-activation-onboarding", "FAIL  srv",
                "FAIL  mic-trust-cas", "FAIL  phone-edge-trust",
            ], "\(failed.stdout)")
        #expect(
            failed.stdout.contains(
                "FAIL  srv:eu.mra.acme.example: no SRV target configured for _collab-edge._tls.eu.mra.acme.example — fix: "
            ))
        #expect(failed.stdout.contains("5 of 14 prerequisites fail"))

        // Without --cluster it checks the store's configuration.
        #expect(try await h.run(["init", "--cluster", good]).status == 0)
        #expect(try await h.run(["check"]).status == 0)
        // --resolve looks the SRV records up: the sample's example domains have none.
        let resolved = try await h.run(["check", "--resolve"])
        #expect(resolved.status == 1)
        // Usually "DNS has no SRV record …"; where DNS is unreachable the check fails with "cannot look up …".
        #expect(resolved.stdout.contains("FAIL  srv:us.mra.acme.example: "), "\(resolved.stdout)")
        #expect(!resolved.stdout.contains("(configured)"), "\(resolved.stdout)")
    }
}

@Suite("mrabat activate when the config file cannot be written")
struct ActivateOutputFailureTests {
    @Test func theMessageSaysTheActivationIsCommitted() async throws {
        let s = try await LifecycleScenario("activate-io")
        // --out names a regular file, so no tftp/ folder can be made under it.
        let blocked = try s.h.write("not-a-folder", "x")
        let result = try await s.h.run([
            "activate", "--code", s.codes[s.dallas]!, "--mac", "0011223344E9", "--model", "8845", "--out", blocked,
        ])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains("\(s.dallas) is activated as SEP0011223344E9, but its config file was not written"),
            "\(result.stderr)")
        #expect(
            try s.h.count("SELECT COUNT(*) FROM device WHERE name = 'SEP0011223344E9' AND activated_at IS NOT NULL")
                == 1)
    }
}
