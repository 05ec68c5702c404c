import Foundation
import GRDB
import MRABatKit
import Testing

/// Files as legacy spreadsheets produce them, through the real binary.
@Suite("mrabat and spreadsheet files")
struct SpreadsheetInputTests {
    static let header = [
        "MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "DIRECTORY NUMBER 1", "DISPLAY 1",
    ]
    static let rows = [
        ["", "Müller – home", "Cisco 8845", "DP-Frankfurt", "jens.mueller", "5001", "Jens Müller"],
        ["00:1a:2b:3c:4d:01", "Café, front desk", "7841", "DP-Dallas", "zoe.cafe", "5002", "Zoë"],
        ["", "Plain", "Cisco 7811", "DP-NewYork", "li.wei", "5003", "Li Wei"],
    ]

    static func text(delimiter: String, lineEnd: String) -> String {
        ([header] + rows).map { fields in
            fields.map { $0.contains(delimiter) || $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: delimiter)
        }.joined(separator: lineEnd) + lineEnd
    }

    /// (file name, bytes, expected encoding, expected delimiter)
    static func variants() -> [(String, Data, String, String)] {
        let comma = text(delimiter: ",", lineEnd: "\r\n")
        let tab = text(delimiter: "\t", lineEnd: "\r\n")
        var utf16LE = Data([0xFF, 0xFE])
        utf16LE.append(tab.data(using: .utf16LittleEndian)!)
        var utf16BE = Data([0xFE, 0xFF])
        utf16BE.append(tab.data(using: .utf16BigEndian)!)
        let cp1252 = text(delimiter: ";", lineEnd: "\r\n").replacingOccurrences(of: "–", with: "-")
        return [
            ("utf8.csv", Data(comma.utf8), "utf8", ","),
            ("bom.csv", Data([0xEF, 0xBB, 0xBF]) + Data(text(delimiter: ",", lineEnd: "\n").utf8), "utf8BOM", ","),
            ("unicode-le.txt", utf16LE, "utf16LE", "\t"),
            ("unicode-be.txt", utf16BE, "utf16BE", "\t"),
            ("ansi.csv", cp1252.data(using: .windowsCP1252)!, "windows1252", ";"),
            ("mac-cr.csv", Data(text(delimiter: ";", lineEnd: "\r").utf8), "utf8", ";"),
        ]
    }

    @Test(arguments: 0..<6)
    func everyEncodingAndDialectGoesIn(index: Int) async throws {
        let (name, bytes, encoding, delimiter) = Self.variants()[index]
        let h = try Harness("enc")
        try await h.initSample()
        let path = h.path(name)
        try bytes.write(to: URL(fileURLWithPath: path))
        let result = try await h.insert(path, out: "out", ["--summary-json", h.path("s.json")])
        #expect(result.status == 0, "\(name): \(result.stderr)")
        let summary = try JSONDecoder().decode(
            JobSummary.self, from: Data(contentsOf: URL(fileURLWithPath: h.path("s.json"))))
        #expect(summary.encoding == encoding)
        #expect(summary.delimiter == delimiter)
        #expect(summary.accepted == 3)
        // Non-ASCII text arrives intact in the store and the config file.
        let description = try h.query {
            try String.fetchOne($0, sql: "SELECT description FROM device WHERE owner_user_id = 'zoe.cafe'")
        }
        #expect(description == "Café, front desk")
        let name8845 = try h.query {
            try String.fetchOne($0, sql: "SELECT name FROM device WHERE owner_user_id = 'jens.mueller'")
        }!
        #expect(try h.read("out/tftp/\(name8845).cnf.xml").contains("Jens Müller"))
    }

    @Test func encodingOverrideAndUndecodableByte() async throws {
        let h = try Harness("undecodable")
        try await h.initSample()
        // Valid Windows-1252 but declared UTF-8: the byte is reported with its line and offset.
        var bytes = Data(Self.text(delimiter: ",", lineEnd: "\r\n").replacingOccurrences(of: "–", with: "-").utf8)
        let offset = bytes.firstRange(of: Data("Müller".utf8))!.lowerBound + 1
        bytes.replaceSubrange(offset..<offset + 2, with: [0xFC])
        let path = h.path("latin.csv")
        try bytes.write(to: URL(fileURLWithPath: path))
        let forced = try await h.insert(path, out: "out", ["--encoding", "utf8"])
        #expect(forced.status == 2)
        #expect(
            forced.stderr.contains("latin.csv:2") && forced.stderr.contains("0xFC")
                && forced.stderr.contains("offset \(offset)"), "\(forced.stderr)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        // Detection takes it as Windows-1252.
        let detected = try await h.insert(path, out: "out2")
        #expect(detected.status == 0, "\(detected.stderr)")
        #expect(
            try h.query {
                try String.fetchOne($0, sql: "SELECT description FROM device WHERE owner_user_id = 'jens.mueller'")
            } == "Müller - home")
    }

    @Test func structuralProblemsAreFatalAndWriteNothing() async throws {
        let h = try Harness("structure")
        try await h.initSample()
        let head = Self.header.joined(separator: ",")
        let cases: [(String, String, String)] = [
            ("header-only.csv", head + "\r\n", "header-only.csv:1: the file has a header but no rows"),
            (
                "missing.csv", "DEVICE TYPE,DEVICE POOL,OWNER USER ID\r\nCisco 8845,DP-Dallas,u1\r\n",
                "DIRECTORY NUMBER 1"
            ),
            ("twice.csv", head + ",MODEL\r\n", "DEVICE TYPE"),
            (
                "unterminated.csv",
                head + "\r\n" + "," + String(repeating: "x", count: 10) + ",Cisco 8845,DP-Dallas,u1,4001,\"Open\r\n",
                "unterminated.csv:2"
            ),
        ]
        for (name, text, expected) in cases {
            let result = try await h.insert(try h.write(name, text), out: "out-\(name)")
            #expect(result.status == 2, "\(name)")
            #expect(result.stderr.contains(expected), "\(name): \(result.stderr)")
            #expect(!h.exists("out-\(name)/activation-codes.csv"))
        }
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM job") == 0)
    }

    @Test func badRowLateInALargeFileLeavesNothingWhenTheFileIsMalformed() async throws {
        // Chunks before the syntax error were written into the open transaction; the error rolls them back.
        let h = try Harness("late")
        try await h.initSample()
        var text = Self.header.joined(separator: ",") + "\r\n"
        for index in 0..<5000 {
            text += ",Phone \(index),Cisco 7811,DP-Dallas,user\(index),\(60000 + index),User\r\n"
        }
        text += ",Broken,Cisco 7811,DP-Dallas,x\"y,1,User\r\n"
        let result = try await h.insert(try h.write("late.csv", text), out: "out")
        #expect(result.status == 2)
        #expect(result.stderr.contains("late.csv:5002"), "\(result.stderr)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM activation_code") == 0)
    }

    @Test func fieldCountMismatchIsARejectNamingBothCounts() async throws {
        let h = try Harness("fields")
        try await h.initSample()
        let text =
            Self.header.joined(separator: ",") + "\r\n"
            + ",Desk,Cisco 7811,DP-Dallas,short.row,7001\r\n"
            + ",Desk,Cisco 7811,DP-Dallas,long.row,7002,Name,extra\r\n"
            + ",Desk,Cisco 7811,DP-Dallas,ok.row,7003,Name,,\r\n"
        let result = try await h.insert(try h.write("fields.csv", text), out: "out")
        #expect(result.status == 1)
        let rejects = csvRows(try h.read("out/rejects.csv"))
        #expect(rejects.count == 3)
        #expect(
            rejects[1].last
                == "row has 6 fields but the header has 7; a missing or extra delimiter shifts every column after it")
        #expect(
            rejects[2].last
                == "row has 8 fields but the header has 7; a missing or extra delimiter shifts every column after it")
        #expect(rejects[2].contains("extra"), "nothing the user wrote is lost")
        #expect(
            try h.count("SELECT COUNT(*) FROM device WHERE owner_user_id = 'ok.row'") == 1,
            "trailing empty fields are fine")
    }

    @Test func spreadsheetDamageIsNamed() async throws {
        let h = try Harness("damage")
        try await h.initSample()
        let text =
            Self.header.joined(separator: ",") + "\r\n"
            + "1.23457E+11,Desk,Cisco 7811,DP-Dallas,sci.mac,7101,Name\r\n"
            + "1A2B3C4D5E,Desk,Cisco 7811,DP-Dallas,short.mac,7102,Name\r\n"
            + ",Desk,Cisco 7811,DP-Dallas,sci.dn,7.1034E+3,Name\r\n"
            + ",Desk,Cisco 7811,DP\u{00A0}Dallas,nbsp.pool,7104,Name\r\n"
            + ",Desk,Cisco 7811,DP-Dallas,\u{201C}quoted\u{201D},7105,Name\r\n"
            + ",Desk,Cisco 7811,DP-Dallas,e164.lost,19725557106,Name\r\n"
            + ",  Desk  ,Cisco 7811, DP-Dallas ,spaces.ok,7107,Name\r\n"
        let result = try await h.insert(try h.write("damage.csv", text), out: "out")
        #expect(result.status == 1)
        let reasons = csvRows(try h.read("out/rejects.csv")).dropFirst().map { ($0[$0.count - 2], $0.last!) }
        #expect(reasons.map(\.0) == ["2", "3", "4", "5", "6"])
        #expect(reasons[0].1.contains("scientific notation: a spreadsheet converted the MAC"))
        #expect(reasons[1].1.contains("has 10 hex digits, not 12"))
        #expect(reasons[2].1.contains("scientific notation: a spreadsheet converted the directory number"))
        #expect(reasons[3].1.contains("non-breaking space (U+00A0)"))
        #expect(reasons[4].1.contains("typographic quote"))
        #expect(
            result.stderr.contains("damage.csv:7:6: DIRECTORY NUMBER 1 \"19725557106\": looks like an E.164 number"),
            "\(result.stderr)")
        #expect(try h.count("SELECT COUNT(*) FROM device WHERE owner_user_id IN ('e164.lost', 'spaces.ok')") == 2)
        #expect(
            try h.count(
                "SELECT COUNT(*) FROM device WHERE device_pool = 'DP-Dallas' AND description = 'Desk' AND owner_user_id = 'spaces.ok'"
            ) == 1)
    }

    @Test func legacyColumnNamesThroughAMapFile() async throws {
        let h = try Harness("map")
        try await h.initSample()
        let text =
            "Phone Model,Site Pool,Login,Extension,Caller Name,Notes\r\n"
            + "Cisco 8845,DP-Frankfurt,legacy.user,7201,Legacy User,ignored\r\n"
        let map = try h.write(
            "map.yaml",
            "Phone Model: DEVICE TYPE\nSite Pool: DEVICE POOL\nLogin: OWNER USER ID\nExtension: DIRECTORY NUMBER 1\nCaller Name: DISPLAY 1\n"
        )
        let result = try await h.insert(try h.write("legacy.csv", text), out: "out", ["--map", map])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("unknown column \"Notes\" ignored"))
        #expect(
            try h.count(
                "SELECT COUNT(*) FROM device d JOIN line l ON l.device_id = d.id WHERE d.owner_user_id = 'legacy.user' AND l.dn = '7201' AND l.display = 'Legacy User'"
            ) == 1)
        let badMap = try h.write("bad.yaml", "Phone Model: DEVICE TIPE\n")
        let bad = try await h.insert(try h.write("legacy2.csv", text), out: "out2", ["--map", badMap])
        #expect(bad.status == 2)
        #expect(
            bad.stderr.contains("bad.yaml:1") && bad.stderr.contains("did you mean \"DEVICE TYPE\""), "\(bad.stderr)")
    }

    @Test func rejectsRoundTripAfterFixing() async throws {
        let h = try Harness("resubmit")
        try await h.initSample()
        let mixed = Harness.repo("SampleData/phones-with-errors.csv")
        #expect(try await h.insert(mixed, out: "first").status == 1)
        let accepted = try h.count("SELECT COUNT(*) FROM device")
        // The administrator fixes every rejected row in place and feeds rejects.csv back.
        let fixed = try h.read("first/rejects.csv")
            .replacingOccurrences(of: "Cisco 8945", with: "Cisco 8845")
            .replacingOccurrences(of: "DP-Dalas", with: "DP-Dallas")
            .replacingOccurrences(of: "00:1A:2B:3C:4D,", with: "00:1A:2B:3C:4D:5E,")
            .replacingOccurrences(of: "EU-MRAA", with: "EU-MRA")
            .replacingOccurrences(of: ",55A1,", with: ",5501,")
            .replacingOccurrences(of: ",Cisco 7811,DP-Dallas,xpeggy.meyer", with: ",Cisco 7841,DP-Dallas,xpeggy.meyer")
        let second = try await h.insert(try h.write("fixed.csv", fixed), out: "second")
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("accepted: 6  unchanged: 0  rejected: 0"), "\(second.stdout)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == accepted + 6)
        // Feeding the whole original file again now finds everything provisioned.
        let third = try await h.insert(mixed, out: "third")
        #expect(third.stdout.contains("accepted: 0  unchanged: 1"), "\(third.stdout)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == accepted + 6)
    }

    @Test func overlappingFileOnlyAddsTheNewRows() async throws {
        let h = try Harness("overlap")
        try await h.initSample()
        let lines = try String(contentsOfFile: Harness.repo("SampleData/phones.csv"), encoding: .utf8)
            .split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
        let firstHalf = try h.write("a.csv", (lines[0...40]).joined(separator: "\r\n") + "\r\n")
        let secondHalf = try h.write("b.csv", ([lines[0]] + lines[21...]).joined(separator: "\r\n") + "\r\n")
        #expect(try await h.insert(firstHalf, out: "a").status == 0)
        let codes = try h.query { try String.fetchAll($0, sql: "SELECT identity FROM activation_code ORDER BY id") }
        let result = try await h.insert(secondHalf, out: "b")
        #expect(result.status == 0)
        #expect(result.stdout.contains("accepted: 20  unchanged: 20  rejected: 0"), "\(result.stdout)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 60)
        let after = try h.query { try String.fetchAll($0, sql: "SELECT identity FROM activation_code ORDER BY id") }
        #expect(Array(after.prefix(codes.count)) == codes, "no existing code changed")
    }

    @Test func maxErrorsAbortsAndCommitsNothing() async throws {
        let h = try Harness("maxerrors")
        try await h.initSample()
        let mixed = Harness.repo("SampleData/phones-with-errors.csv")
        let aborted = try await h.insert(mixed, out: "out", ["--max-errors", "2"])
        #expect(aborted.status == 5)
        #expect(aborted.stderr.contains("more than --max-errors 2; nothing was committed"), "\(aborted.stderr)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM job") == 0)
        let enough = try await h.insert(mixed, out: "out2", ["--max-errors", "6"])
        #expect(enough.status == 1)
        #expect(try h.count("SELECT COUNT(*) FROM device") == 1)
    }

    @Test func quietPrintsNothingAndSummaryJsonCountsReasons() async throws {
        let h = try Harness("quiet")
        try await h.initSample()
        let result = try await h.insert(
            Harness.repo("SampleData/phones-with-errors.csv"), out: "out",
            ["--quiet", "--summary-json", h.path("s.json")])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let summary = try JSONDecoder().decode(
            JobSummary.self, from: Data(contentsOf: URL(fileURLWithPath: h.path("s.json"))))
        #expect(summary.rows == 7 && summary.accepted == 1 && summary.rejected == 6)
        #expect(
            summary.rejectedByReason["device-pool.unknown"] == 1, "\(summary.rejectedByReason)")
        #expect(summary.rejectedByReason.values.reduce(0, +) == 6)
        #expect(summary.rejectedByReason["unclassified"] == nil, "every rule has its tag: \(summary.rejectedByReason)")
        #expect(summary.encoding == "utf8" && summary.delimiter == ",")
        #expect(summary.stageSeconds["codes"] != nil && summary.totalSeconds > 0)
    }
}

@Suite("mrabat and duplicates far apart")
struct FarDuplicateTests {
    /// Rows 2 and 9,002 are the same phone, and so are the MACs on rows 3 and 9,003: more than two
    /// chunks apart, so only the job's own rows in the store can tell.
    @Test func duplicatesChunksApartAreRejectedWithTheFirstLine() async throws {
        let h = try Harness("fardup")
        try await h.initSample()
        var text = "MAC ADDRESS,DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1\r\n"
        text += ",Cisco 7811,DP-Dallas,first.user,80000\r\n"
        text += "00:1A:2B:00:00:01,Cisco 7811,DP-Dallas,mac.user,80001\r\n"
        for index in 0..<8998 {
            text += ",Cisco 7811,DP-Dallas,user\(index),\(81000 + index)\r\n"
        }
        text += ",Cisco 7811,DP-Dallas,first.user,80000\r\n"
        text += "001A2B000001,Cisco 7811,DP-Dallas,other.user,80002\r\n"
        let path = try h.write("far.csv", text)
        for command in ["validate", "insert"] {
            let result = try await h.run(
                [command, path, "--template", Harness.repo("Templates/mra-88xx-5line.yaml"), "--out", h.path(command)])
            #expect(result.status == 1, "\(command): \(result.stderr)")
            let rejects = csvRows(try h.read("\(command)/rejects.csv")).dropFirst()
            #expect(rejects.map { $0[$0.count - 2] } == ["9002", "9003"], "\(command)")
            #expect(
                rejects.first?.last?.contains("line 2 already gives first.user a Cisco 7811") == true,
                "\(command): \(rejects)")
            #expect(rejects.last?.last?.contains("is also on line 3") == true, "\(command): \(rejects)")
        }
        #expect(try h.count("SELECT COUNT(*) FROM device") == 9000)
    }
}
