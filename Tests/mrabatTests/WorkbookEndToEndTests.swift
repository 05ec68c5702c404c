import Foundation
import GRDB
import Glibc
import MRABatKit
import TestSupport
import Testing

/// `.xlsx` and `.ods` workbooks through the real binary: the same jobs as their CSV files.
@Suite("mrabat and workbooks")
struct WorkbookEndToEndTests {
    static func fixture(_ name: String) -> String {
        Harness.repo("Tests/MRABatKitTests/Fixtures/Workbooks/" + name)
    }

    static func summary(_ h: Harness, _ name: String) throws -> JobSummary {
        try JSONDecoder().decode(JobSummary.self, from: Data(contentsOf: URL(fileURLWithPath: h.path(name))))
    }

    /// Every device and line of the store, without what is random (BAT names, codes) or of the job.
    static func devices(_ h: Harness) throws -> [String] {
        try h.query { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT CASE WHEN d.name LIKE 'BAT%' THEN 'BAT' ELSE d.name END || '|' || IFNULL(d.mac, '') || '|'
                        || d.model || '|' || d.device_pool || '|' || IFNULL(d.service_domain, '') || '|'
                        || d.owner_user_id || '|' || IFNULL(d.description, '') || '|'
                        || (SELECT GROUP_CONCAT(l.idx || '=' || l.dn || '/' || IFNULL(l.display, '') || '/'
                            || IFNULL(l.label, ''), ';') FROM (SELECT * FROM line WHERE device_id = d.id ORDER BY idx) l)
                    FROM device d ORDER BY d.owner_user_id, d.natural_key
                    """)
        }
    }

    @Test(arguments: ["phones", "phones-with-errors"])
    func workbooksInsertAsTheirCSV(name: String) async throws {
        var results: [String: (status: Int32, summary: JobSummary, devices: [String], rejects: [[String]])] = [:]
        for (format, path) in [
            ("csv", Harness.repo("SampleData/\(name).csv")), ("xlsx", Self.fixture("\(name).xlsx")),
            ("ods", Self.fixture("\(name).ods")),
        ] {
            let h = try Harness("wb-\(format)")
            try await h.initSample()
            let validate = try await h.run([
                "validate", path, "--template", Harness.repo("Templates/mra-88xx-5line.yaml"), "--summary-json",
                h.path("validate.json"),
            ])
            let run = try await h.insert(path, out: "out", ["--summary-json", h.path("insert.json")])
            #expect(validate.status == run.status, "\(format): \(validate.stderr)")
            let summary = try Self.summary(h, "insert.json")
            #expect(try Self.summary(h, "validate.json").rejectedByReason == summary.rejectedByReason)
            #expect(try h.checkStoreInvariants().isEmpty)
            #expect(try h.checkOutputs("out", expectedCodes: summary.accepted).isEmpty)
            let rejects = h.exists("out/rejects.csv") ? csvRows(try h.read("out/rejects.csv")) : []
            results[format] = (run.status, summary, try Self.devices(h), rejects)
        }
        let csv = try #require(results["csv"])
        #expect(csv.summary.accepted > 0)
        for format in ["xlsx", "ods"] {
            let book = try #require(results[format])
            #expect(book.status == csv.status, "\(format)")
            #expect(book.summary.rows == csv.summary.rows, "\(format)")
            #expect(book.summary.accepted == csv.summary.accepted, "\(format)")
            #expect(book.summary.rejected == csv.summary.rejected, "\(format)")
            #expect(book.summary.rejectedByReason == csv.summary.rejectedByReason, "\(format)")
            #expect(book.summary.sheet == name, "\(format)")
            #expect(book.devices == csv.devices, "\(format)")
            // The same rejected rows and lines; the reasons name the cell instead of nothing.
            #expect(book.rejects.map { $0.dropLast() } == csv.rejects.map { $0.dropLast() }, "\(format)")
            for (ours, theirs) in zip(book.rejects.dropFirst(), csv.rejects.dropFirst()) {
                let reason = try #require(ours.last)
                #expect(reason.contains("\(name).\(format)[\(name)]!"), "\(reason)")
                #expect(try #require(theirs.last).count < reason.count)
            }
        }
    }

    @Test func rejectsNameTheCell() async throws {
        let h = try Harness("wb-cells")
        try await h.initSample()
        let path = Self.fixture("phones-with-errors.xlsx")
        let run = try await h.insert(path, out: "out")
        #expect(run.status == 1, "\(run.stderr)")
        let rejects = csvRows(try h.read("out/rejects.csv"))
        #expect(rejects.first?.suffix(2) == ["LINE", "REASON"])
        // Line 4 of the CSV is sheet row 4; its device pool is column D.
        let row = try #require(rejects.first { $0.dropLast().last == "4" })
        #expect(
            row.last?.hasPrefix(
                "\(path)[phones-with-errors]!D4: DEVICE POOL \"DP-Dalas\": does not exist in cluster") == true)
        #expect(run.stdout.contains("input: \(path), sheet \"phones-with-errors\""))
    }

    @Test(arguments: ["xlsx", "ods"])
    func secondSheetNumberMACsAndDates(format: String) async throws {
        let h = try Harness("wb-special")
        try await h.initSample()
        let path = Self.fixture("special.\(format)")
        // The first sheet is not the phones: its header lacks the required columns.
        let first = try await h.insert(path, out: "first")
        #expect(first.status == 2)
        #expect(first.stderr.contains("\(path)[Notes] row 1: the header lacks the required column"), "\(first.stderr)")

        let run = try await h.insert(path, out: "out", ["--sheet", "Phones", "--summary-json", h.path("s.json")])
        #expect(run.status == 1, "\(run.stderr)")
        let summary = try Self.summary(h, "s.json")
        #expect(summary.sheet == "Phones")
        #expect(summary.accepted == 6)
        #expect(summary.rejectedByReason == ["mac.stored-as-number": 1, "directory-number.decimal-part": 1])
        let rejects = csvRows(try h.read("out/rejects.csv"))
        #expect(rejects.count == 3)
        #expect(rejects[1].first == "1021383")
        #expect(rejects[1].dropLast().last == "2")
        #expect(
            rejects[1].last
                == "\(path)[Phones]!A2: MAC ADDRESS \"1021383\": is stored as a number, not text, and has 7 digits, "
                + "not 12: its leading zeros are lost; format the column as text and enter the MAC again")
        #expect(rejects[2].dropLast().last == "7")
        #expect(
            rejects[2].last?.hasPrefix("\(path)[Phones]!F7: DIRECTORY NUMBER 1 \"6006.5\": has a decimal part") == true)
        // A number cell of 12 digits is a MAC; a date is its ISO date; merged B5:B6 leaves B6 empty.
        let stored = try h.query { db in
            try Row.fetchAll(db, sql: "SELECT name, owner_user_id, description FROM device ORDER BY owner_user_id")
                .map {
                    "\($0["name"] as String)|\($0["owner_user_id"] as String)|\(($0["description"] as String?) ?? "-")"
                }
        }
        #expect(stored.contains("SEP123456789012|twelve.mac|Twelve-digit MAC"))
        #expect(stored.contains { $0.hasSuffix("|date.cell|2024-03-15") })
        #expect(stored.contains { $0.hasSuffix("|merged.top|Merged description") })
        #expect(stored.contains { $0.hasSuffix("|merged.below|-") })
        #expect(stored.contains("SEP0A1B2C3D4E5F|text.mac|Text MAC"))
        #expect(try h.count("SELECT COUNT(*) FROM line WHERE display = 'TRUE'") == 1)
    }

    @Test func warningsNameTheCell() async throws {
        let h = try Harness("wb-warnings")
        try await h.initSample()
        let path = h.path("warn.xlsx")
        let header = ["DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "DIRECTORY NUMBER 1", "COST CENTRE"]
        try XLSXWriter.write(path: path, sheetName: "Staff", header: header, rows: 2) { i in
            // A DN typed as a number cannot keep its +: the warning names the cell.
            [
                .text("Cisco 8845"), .text("DP-Dallas"), .text("warn\(i)"), .number(i == 0 ? "19725550100" : "4001"),
                .text("CC-1"),
            ]
        }
        let run = try await h.insert(path, out: "out")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr.contains("warning: \(path)[Staff]!E1: unknown column \"COST CENTRE\" ignored"), "\(run.stderr)")
        #expect(
            run.stderr.contains(
                "warning: \(path)[Staff]!D2: DIRECTORY NUMBER 1 \"19725550100\": looks like an E.164 number"),
            "\(run.stderr)")

        // A header and nothing else.
        let empty = h.path("header-only.xlsx")
        try XLSXWriter.write(path: empty, sheetName: "Staff", header: header, rows: 0) { _ in [] }
        let none = try await h.insert(empty, out: "out2")
        #expect(none.status == 2)
        #expect(none.stderr.contains("\(empty)[Staff] row 1: the sheet has a header but no rows"), "\(none.stderr)")
    }

    @Test func badWorkbooksExitTwoWithOneMessage() async throws {
        let h = try Harness("wb-bad")
        try await h.initSample()
        let template = Harness.repo("Templates/mra-88xx-5line.yaml")
        // A ZIP bomb: a sheet of 32 MiB of spaces, deflated 1,000 times.
        let bomb = h.path("bomb.xlsx")
        var parts = XLSXWriter.packageParts(sheets: ["Sheet1"], sharedStrings: false)
        parts.append(("xl/worksheets/sheet1.xml", Data(("<worksheet>" + String(repeating: " ", count: 32 << 20)).utf8)))
        try XLSXWriter.write(path: bomb, parts: parts)
        // A workbook cut short, as an interrupted download leaves it.
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("phones.ods")))
        let cut = h.path("cut.ods")
        try whole.prefix(whole.count - 100).write(to: URL(fileURLWithPath: cut))
        // A CSV file renamed .xlsx.
        let renamed = try h.write("renamed.xlsx", "MAC ADDRESS,DEVICE TYPE\n,8845\n")

        let cases: [(arguments: [String], message: String)] = [
            (["validate", bomb, "--template", template], "refused as a ZIP bomb"),
            (["insert", bomb, "--template", template, "--out", h.path("o1")], "refused as a ZIP bomb"),
            (["validate", cut, "--template", template], "\(cut): is a damaged ZIP archive"),
            (["validate", renamed, "--template", template], "is it a CSV file with a workbook's name?"),
            (
                ["validate", Self.fixture("special.xlsx"), "--sheet", "Telefone", "--template", template],
                "has no sheet \"Telefone\"; its sheets are \"Notes\", \"Phones\""
            ),
            (
                ["validate", Harness.repo("SampleData/phones.csv"), "--sheet", "Phones", "--template", template],
                "--sheet applies to .xlsx and .ods workbooks"
            ),
            (
                ["validate", Self.fixture("phones.xlsx"), "--delimiter", ";", "--template", template],
                "--delimiter applies to CSV files"
            ),
        ]
        for (arguments, message) in cases {
            let result = try await h.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!result.stderr.contains("Error("), "a Swift dump: \(result.stderr)")
        }
        #expect(!h.exists("o1/rejects.csv"))
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
    }

    /// `mrabat validate` of a 100,000-row workbook needs little more memory than of the same rows as
    /// CSV: far less than the workbook's uncompressed size. The sheet is streamed; only the shared
    /// strings are held (validate itself keeps every row's keys, for duplicates: that is the CSV's figure).
    @Test func largeWorkbookReadsInBoundedMemory() async throws {
        let h = try Harness("wb-large")
        try await h.initSample()
        let rows = 100_000
        let header = [
            "MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "DIRECTORY NUMBER 1",
            "DISPLAY 1", "LINE TEXT LABEL 1", "DIRECTORY NUMBER 2", "DISPLAY 2", "LINE TEXT LABEL 2",
        ]
        let models = ["Cisco 8845", "Cisco 7841", "Cisco 8865", "Cisco 7821"]
        let pools = ["DP-Dallas", "DP-NewYork", "DP-Frankfurt"]
        func row(_ i: Int) -> [XLSXWriter.Cell] {
            [
                i % 10 == 0 ? .text(String(format: "0A%010llX", UInt64(i))) : .empty,
                .text("Phone \(i), building \(i % 17), floor \(i % 40), desk \(i % 97)"),
                .text(models[i % models.count]), .text(pools[i % pools.count]), .text("user\(i)"),
                .number(String(30_000_000 + 2 * i)), .text("User \(i)"), .text("Ext \(i)"),
                .number(String(30_000_001 + 2 * i)), .text("User \(i) second line"), .text("Second \(i)"),
            ]
        }
        let workbook = h.path("large.xlsx")
        let uncompressed = try XLSXWriter.write(path: workbook, header: header, rows: rows, row: row)
        var csv = CSVText.record(header)
        for i in 0..<rows {
            csv += CSVText.record(
                row(i).map {
                    switch $0 {
                    case .text(let text), .number(let text): text
                    case .empty: ""
                    }
                })
        }
        let csvPath = try h.write("large.csv", csv)
        csv = ""

        var peaks: [String: Int] = [:]
        for path in [csvPath, workbook] {
            let run = try Self.measure(
                Harness.binary,
                [
                    "validate", path, "--template", Harness.repo("Templates/mra-88xx-5line.yaml"), "--db", h.db,
                    "--quiet", "--summary-json", h.path("s.json"),
                ])
            #expect(run.status == 0, "\(path)")
            let summary = try Self.summary(h, "s.json")
            #expect(summary.rows == rows)
            #expect(summary.accepted == rows)
            peaks[path] = run.peakRSS
        }
        let compressed = try FileManager.default.attributesOfItem(atPath: workbook)[.size] as? Int ?? 0
        let bookPeak = peaks[workbook] ?? 0
        let csvPeak = peaks[csvPath] ?? 0
        print(
            "100k-row .xlsx: \(compressed >> 10) KiB, \(uncompressed >> 20) MiB uncompressed; validate peak RSS "
                + "\(bookPeak >> 20) MiB (the same rows as CSV: \(csvPeak >> 20) MiB)")
        // Holding the sheet whole would add at least its uncompressed size. The margin over the CSV run is
        // ~0 alone but was +51 MiB once in a full parallel run on 2 cores (allocator arenas of the inflating
        // thread), so the bound is the sheet's size, not a fraction of it.
        #expect(
            bookPeak - csvPeak < uncompressed, "peak RSS \(bookPeak) vs \(csvPeak), \(uncompressed) uncompressed")
    }

    /// Runs a program to its end; its exit status and peak resident memory (`wait4`'s rusage).
    static func measure(_ executable: String, _ arguments: [String]) throws -> (status: Int32, peakRSS: Int) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        try #require(spawned == 0, "cannot start \(executable)")
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exit, Int(usage.ru_maxrss) * 1024)
    }
}
