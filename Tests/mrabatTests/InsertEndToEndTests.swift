import Foundation
import GRDB
import MRABatKit
import TestSupport
import Testing

@Suite("mrabat insert, end to end", .timeLimit(.minutes(15)))
struct InsertEndToEndTests {
    static let phones = Harness.repo("SampleData/phones.csv")
    static let mixed = Harness.repo("SampleData/phones-with-errors.csv")

    @Test(arguments: TestBackend.allCases) func sampleDataGoesInCompletely(backend: TestBackend) async throws {
        let h = try Harness("sample", backend: backend)
        try await h.initSample()
        let result = try await h.insert(Self.phones, out: "out")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("rows: 60  accepted: 60  unchanged: 0  rejected: 0"), "\(result.stdout)")

        #expect(try h.count("SELECT COUNT(*) FROM device") == 60)
        #expect(try h.count("SELECT COUNT(*) FROM activation_code WHERE status = 'outstanding'") == 60)
        // Every non-empty DIRECTORY NUMBER n of the sample is one line in the store (counted here from the file itself).
        let sample = csvRows(
            try String(contentsOfFile: Self.phones, encoding: .utf8).replacingOccurrences(of: "\n", with: "\r\n"))
        let dnColumns = sample[0].indices.filter { sample[0][$0].hasPrefix("DIRECTORY NUMBER") }
        let expectedLines = sample.dropFirst().map { row in
            dnColumns.filter { $0 < row.count && !row[$0].isEmpty }.count
        }
        .reduce(0, +)
        #expect(expectedLines > 60, "the sample has multi-line phones")
        #expect(try h.count("SELECT COUNT(*) FROM line") == expectedLines)
        #expect(try h.count("SELECT COUNT(*) FROM job WHERE finished_at IS NOT NULL") == 1)
        #expect(try h.checkStoreInvariants() == [])

        // One config file per device, named after it, each valid against the shipped XSD.
        let names = try h.strings("SELECT name FROM device ORDER BY name").sorted()
        #expect(try h.files(in: "out/tftp") == names.map { "\($0).cnf.xml" })
        let validator = try XMLSchemaValidator(schemaPath: Harness.repo("Templates/device-config.xsd"))
        for name in names {
            let issues = validator.validate(fileAt: h.path("out/tftp/\(name).cnf.xml"))
            #expect(issues.isEmpty, "\(name): \(issues)")
        }
        // Phones with a MAC are SEP-named, the rest BAT + 12 uppercase hex.
        let macs = try h.count("SELECT COUNT(*) FROM device WHERE mac IS NOT NULL")
        #expect(macs > 0)
        #expect(try h.count("SELECT COUNT(*) FROM device WHERE name = 'SEP' || mac") == macs)
        for name in names where !name.hasPrefix("SEP") {
            #expect(DeviceNamer.isDummyName(name), "\(name)")
        }

        // The export: header, 60 rows, 16-digit codes, ISO 8601 expiry 168 h on, mode 0600.
        let rows = csvRows(try h.read("out/activation-codes.csv"))
        #expect(
            rows.first == ["Device Name", "Description", "Device Type", "Owner User ID", "Activation Code", "Expiry"])
        #expect(rows.count == 61)
        #expect(Set(rows.dropFirst().map { $0[0] }) == Set(names))
        for row in rows.dropFirst() {
            #expect(row[4].count == 16 && row[4].allSatisfy(\.isASCII) && row[4].allSatisfy(\.isNumber), "\(row)")
            #expect(row[5].hasSuffix("Z") && row[5].count == 20, "\(row[5])")
        }
        #expect(try h.mode("out/activation-codes.csv") == 0o600)
        #expect(try h.mode(String(h.keyFile.dropFirst(h.directory.count + 1))) == 0o600)
        #expect(try h.read("out/rejects.csv").split(separator: "\r\n").count == 1, "header only")

        // The store never holds a code: grep every file of the store (every row of every table) for every code.
        let storeBytes = try h.storeContents()
        #expect(storeBytes.count > 0)
        for row in rows.dropFirst() {
            #expect(storeBytes.range(of: Data(row[4].utf8)) == nil, "code of \(row[0]) found in the store")
        }
    }

    @Test func redirectOnlyWhenTheServiceDomainIsNotTheActivationDomain() async throws {
        let h = try Harness("redirect")
        try await h.initSample()
        #expect(try await h.insert(Self.phones, out: "out").status == 0)
        let devices = try h.query { db in
            try Row.fetchAll(db, sql: "SELECT name, device_pool, service_domain FROM device")
        }
        var seen = Set<String>()
        for device in devices {
            let name: String = device["name"]
            let pool: String = device["device_pool"]
            let own: String? = device["service_domain"]
            let xml = try h.read("out/tftp/\(name).cnf.xml")
            let expected: String? =
                own ?? [
                    "DP-Dallas": "US-MRA", "DP-NewYork": nil, "DP-Frankfurt": "EU-MRA", "DP-Amsterdam": "EU-MRA",
                    "DP-Singapore": "APAC-MRA",
                ][pool]!
            if let expected {
                #expect(
                    xml.contains("<serviceDomainName>\(expected)</serviceDomainName>") || xml.contains(">\(expected)<"),
                    "\(name)")
                #expect(xml.contains("<mraServiceDomainRedirect>"), "\(name) in \(pool) needs a redirect")
                seen.insert(expected)
            } else {
                #expect(!xml.contains("mraServiceDomainRedirect"), "\(name) in \(pool) is on the activation domain")
                seen.insert("none")
            }
        }
        #expect(seen.count >= 3, "the sample covers redirect and no redirect: \(seen)")
    }

    @Test(arguments: TestBackend.allCases) func mixedFileCommitsGoodRowsAndReportsEveryBadOne(backend: TestBackend)
        async throws
    {
        let h = try Harness("mixed", backend: backend)
        try await h.initSample()
        let result = try await h.insert(Self.mixed, out: "out")
        #expect(result.status == 1)
        #expect(result.stdout.contains("rows: 7  accepted: 1  unchanged: 0  rejected: 6"), "\(result.stdout)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 1)
        let rejects = csvRows(try h.read("out/rejects.csv"))
        let input = csvRows(try String(contentsOfFile: Self.mixed, encoding: .utf8))
        #expect(rejects[0] == input[0] + ["LINE", "REASON"])
        #expect(rejects.map { $0.dropLast(2).count }.allSatisfy { $0 == input[0].count })
        let expected: [(line: String, reason: String)] = [
            (
                "3",
                "DEVICE TYPE \"Cisco 8945\": does not support activation-code onboarding over MRA (did you mean \"Cisco 8845\"?)"
            ),
            ("4", "DEVICE POOL \"DP-Dalas\": does not exist in cluster ACME-EAST (did you mean \"DP-Dallas\"?)"),
            (
                "5",
                "MAC ADDRESS \"00:1A:2B:3C:4D\": is not a MAC address; write 12 hex digits (001A2B3C4D5E, 00:1A:2B:3C:4D:5E, 00-1A-2B-3C-4D-5E or 001a.2b3c.4d5e), or leave it empty for a BAT dummy name"
            ),
            ("6", "MRA SERVICE DOMAIN \"EU-MRAA\": does not exist in cluster ACME-EAST (did you mean \"EU-MRA\"?)"),
            ("7", "DIRECTORY NUMBER 1 \"55A1\": is not a directory number: 1–24 of 0-9 + * # \\ X"),
            ("8", "DIRECTORY NUMBER 3 \"4014\": row sets line 3 but a Cisco 7811 has 1 line"),
        ]
        #expect(rejects.count == expected.count + 1)
        for (index, row) in rejects.dropFirst().enumerated() {
            #expect(Array(row.dropLast(2)) == input[Int(expected[index].line)! - 1], "row as read")
            #expect(row[row.count - 2] == expected[index].line)
            #expect(row[row.count - 1] == expected[index].reason)
        }
        // The job's per-row results are in the store too.
        #expect(try h.count("SELECT COUNT(*) FROM job_row WHERE outcome = 'rejected' AND reason IS NOT NULL") == 6)
        #expect(csvRows(try h.read("out/activation-codes.csv")).count == 2)
    }

    @Test(arguments: TestBackend.allCases) func allOrNothingCommitsNothing(backend: TestBackend) async throws {
        let h = try Harness("aon", backend: backend)
        try await h.initSample()
        let result = try await h.insert(Self.mixed, out: "out", ["--all-or-nothing"])
        #expect(result.status == 1)
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM activation_code") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM job") == 0)
        #expect(!h.exists("out/activation-codes.csv"))
        #expect(try h.files(in: "out/tftp").isEmpty)
        #expect(csvRows(try h.read("out/rejects.csv")).count == 7, "rejects are still reported")
        // Without errors, --all-or-nothing commits everything.
        #expect(try await h.insert(Self.phones, out: "out2", ["--all-or-nothing"]).status == 0)
        #expect(try h.count("SELECT COUNT(*) FROM device") == 60)
    }

    @Test(arguments: TestBackend.allCases) func reRunCreatesNothingAndChangesNoCode(backend: TestBackend) async throws {
        let h = try Harness("rerun", backend: backend)
        try await h.initSample()
        #expect(try await h.insert(Self.phones, out: "first").status == 0)
        let codesBefore = try h.rows("SELECT id, device_id, identity, verifier FROM activation_code ORDER BY id")
        let second = try await h.insert(Self.phones, out: "second")
        #expect(second.status == 0)
        #expect(second.stdout.contains("accepted: 0  unchanged: 60  rejected: 0"), "\(second.stdout)")
        let codesAfter = try h.rows("SELECT id, device_id, identity, verifier FROM activation_code ORDER BY id")
        #expect(codesBefore == codesAfter)
        #expect(try h.count("SELECT COUNT(*) FROM device") == 60)
        // The same devices' outputs again, byte for byte.
        #expect(try h.read("first/activation-codes.csv") == (try h.read("second/activation-codes.csv")))
        for file in try h.files(in: "first/tftp") {
            #expect(try h.read("first/tftp/\(file)") == (try h.read("second/tftp/\(file)")))
        }
    }

    @Test(arguments: TestBackend.allCases) func changedRowOfAProvisionedPhoneIsRejectedNamingTheField(
        backend: TestBackend
    ) async throws {
        let h = try Harness("changed", backend: backend)
        try await h.initSample()
        #expect(try await h.insert(Self.phones, out: "first").status == 0)
        let original = try String(contentsOfFile: Self.phones, encoding: .utf8)
        let changed = original.replacingOccurrences(of: "Mia Patel - home office", with: "Mia Patel - HQ")
        #expect(changed != original)
        let path = try h.write("changed.csv", changed)
        let result = try await h.insert(path, out: "second")
        #expect(result.status == 1)
        let rejects = csvRows(try h.read("second/rejects.csv"))
        #expect(rejects.count == 2)
        #expect(
            rejects[1].last?.contains(
                "with a different DESCRIPTION (\"Mia Patel - home office\" in the store, \"Mia Patel - HQ\" in this row)"
            )
                == true, "\(rejects)")
    }

    @Test func outputsAreByteStableApartFromNamesAndCodes() async throws {
        var contents: [[String: String]] = []
        for run in 0..<2 {
            let h = try Harness("stable\(run)")
            try await h.initSample()
            #expect(try await h.insert(Self.phones, out: "out").status == 0)
            // Key each file by its owner, with the random name blanked out.
            let rows = csvRows(try h.read("out/activation-codes.csv")).dropFirst()
            var byOwner: [String: String] = [:]
            for row in rows {
                let xml = try h.read("out/tftp/\(row[0]).cnf.xml")
                byOwner[row[3]] =
                    row[0].hasPrefix("SEP") ? xml : xml.replacingOccurrences(of: row[0], with: "BATXXXXXXXXXXXX")
            }
            contents.append(byOwner)
        }
        #expect(contents[0].count == 60)
        #expect(contents[0] == contents[1])
    }

    @Test(arguments: TestBackend.allCases) func validateWritesNothingToTheStore(backend: TestBackend) async throws {
        let h = try Harness("validate", backend: backend)
        try await h.initSample()
        // SQLite: the database file itself (the WAL and its index may be checkpointed or rebuilt).
        func contents() throws -> Data {
            h.backend == .sqlite ? try Data(contentsOf: URL(fileURLWithPath: h.db)) : try h.storeContents()
        }
        let before = try contents()
        let bad = try await h.run([
            "validate", Self.mixed, "--template", Harness.repo("Templates/mra-88xx-5line.yaml"), "--out", h.path("v"),
        ])
        #expect(bad.status == 1)
        #expect(csvRows(try h.read("v/rejects.csv")).count == 7)
        let good = try await h.run([
            "validate", Self.phones, "--template", Harness.repo("Templates/mra-88xx-5line.yaml"),
        ])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("accepted: 60"))
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM job") == 0)
        #expect(!FileManager.default.fileExists(atPath: h.keyFile), "validate issues no code")
        #expect(try contents() == before)
    }

    @Test(arguments: TestBackend.allCases) func exportCodesListsOutstandingCodes(backend: TestBackend) async throws {
        let h = try Harness("export", backend: backend)
        try await h.initSample()
        #expect(try await h.insert(Self.phones, out: "out").status == 0)
        let result = try await h.run(["export-codes", "--out", h.path("all.csv")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try h.mode("all.csv") == 0o600)
        let exported = Set(csvRows(try h.read("all.csv")))
        let fromInsert = Set(csvRows(try h.read("out/activation-codes.csv")))
        #expect(exported == fromInsert)
    }
}

@Suite("mrabat fatal errors")
struct FatalErrorTests {
    @Test func noClusterLoadedYet() async throws {
        let h = try Harness("noinit")
        let result = try await h.insert(Harness.repo("SampleData/phones.csv"), out: "out")
        #expect(result.status == 2)
        #expect(result.stderr.contains("run `mrabat init --cluster FILE` first"), "\(result.stderr)")
    }

    @Test func unreadableCSV() async throws {
        let h = try Harness("nofile")
        try await h.initSample()
        let result = try await h.insert(h.path("missing.csv"), out: "out")
        #expect(result.status == 2)
        #expect(result.stderr.contains("missing.csv"), "\(result.stderr)")
        #expect(try h.count("SELECT COUNT(*) FROM job") == 0)
    }

    @Test func emptyAndBrokenFiles() async throws {
        let h = try Harness("broken")
        try await h.initSample()
        let cases: [(String, String, String)] = [
            ("empty.csv", "", "empty"),
            (
                "quote.csv",
                "DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1\r\nCisco 8845,DP-Dallas,\"bob,4001\r\n",
                "quote"
            ),
            ("dup.csv", "DEVICE TYPE,MODEL,DEVICE POOL\r\n", "DEVICE TYPE"),
        ]
        for (name, text, expected) in cases {
            let path = try h.write(name, text)
            let result = try await h.insert(path, out: "out-\(name)")
            #expect(result.status == 2, "\(name)")
            #expect(
                result.stderr.contains(name) && result.stderr.lowercased().contains(expected.lowercased()),
                "\(name): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one clear message: \(result.stderr)")
        }
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM job") == 0)
    }

    @Test func badTemplateAndBadCluster() async throws {
        let h = try Harness("badtemplate")
        try await h.initSample()
        let template = try h.write("t.yaml", "name: T\nsoftkeyTemplate: S\n")
        let result = try await h.run([
            "insert", Harness.repo("SampleData/phones.csv"), "--template", template, "--out", h.path("out"),
        ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("t.yaml") && result.stderr.contains("is required"), "\(result.stderr)")
        let cluster = try h.write("c.yaml", "name: X\n")
        let initResult = try await h.run(["init", "--cluster", cluster])
        #expect(initResult.status == 2)
        #expect(
            initResult.stderr.contains("c.yaml") && initResult.stderr.contains("activationDomain: is required"),
            "\(initResult.stderr)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
    }

    @Test func reInitIsIdempotentAndRefusesToDropUsedPools() async throws {
        let h = try Harness("reinit")
        try await h.initSample()
        try await h.initSample()
        #expect(try h.count("SELECT COUNT(*) FROM device_pool") == 5)
        #expect(try await h.insert(Harness.repo("SampleData/phones.csv"), out: "out").status == 0)
        let original = try String(contentsOfFile: Harness.repo("SampleData/cluster.yaml"), encoding: .utf8)
        let edited = original.replacingOccurrences(
            of:
                "  - name: DP-Singapore\n    callManagerGroup: CMG-APAC\n    serviceDomain: APAC-MRA\n"
                + "    dateTimeGroup: DTG-Singapore\n    networkLocale: Singapore\n", with: "")
        #expect(edited != original)
        // The edited file lives beside nothing; its cert paths are empty lists, so location does not matter.
        let path = try h.write("cluster.yaml", edited)
        let result = try await h.run(["init", "--cluster", path])
        let used = try h.count("SELECT COUNT(*) FROM device WHERE device_pool = 'DP-Singapore'")
        if used > 0 {
            #expect(result.status == 2)
            #expect(result.stderr.contains("DP-Singapore"), "\(result.stderr)")
            #expect(try h.count("SELECT COUNT(*) FROM device_pool") == 5)
        } else {
            #expect(result.status == 0)
        }
    }
}
