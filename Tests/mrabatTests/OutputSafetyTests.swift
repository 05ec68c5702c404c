import Foundation
import GRDB
import MRABatKit
import Testing

/// What mrabat writes is safe to open and cannot go wrong after the commit: values no output can
/// carry are rejected first, CSV cells never run as formulas, a huge record stops the job, and
/// nothing is written through a symbolic link under `--out`.
@Suite("Output safety, end to end")
struct OutputSafetyTests {
    static let header = "MAC ADDRESS,DESCRIPTION,DEVICE TYPE,DEVICE POOL,OWNER USER ID,DIRECTORY NUMBER 1"

    /// The lines of a CSV file mrabat wrote, split on CRLF (no test value here holds a line break).
    static func lines(_ text: String) -> [String] {
        text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    // MARK: - Values no output can carry

    @Test func aRowWithANoncharacterIsRejectedBeforeTheCommitAndReRunsFinish() async throws {
        let h = try Harness("nonchar")
        try await h.initSample()
        let csv = try h.write(
            "phones.csv",
            Self.header + "\r\n001A2B3C4D5E,Desk,Cisco 8845,DP-Dallas,anna.berg,4001\r\n"
                + "001A2B3C4D5F,Desk\u{FFFE},Cisco 8845,DP-Dallas,bob.smith,4002\r\n")
        let first = try await h.insert(csv, out: "out")
        #expect(first.status == ExitStatus.someRejected, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("accepted: 1  unchanged: 0  rejected: 1"), "\(first.stdout)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 1)
        #expect(try h.files(in: "out/tftp") == ["SEP001A2B3C4D5E.cnf.xml"])
        let rejects = csvRows(try h.read("out/rejects.csv"))
        #expect(rejects.count == 2)
        #expect(
            rejects.last?.last
                == "DESCRIPTION \"Desk<U+FFFE>\": contains U+FFFE (character 5), which an XML 1.0 file cannot carry: "
                + "the phone's config file could not be written; remove it")
        #expect(rejects.last?[1] == "Desk\u{FFFE}", "the row exactly as read")

        // Every re-run finishes: the bad row is rejected again, nothing fails after a commit.
        let second = try await h.insert(csv, out: "out")
        #expect(second.status == ExitStatus.someRejected, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("accepted: 0  unchanged: 1  rejected: 1"), "\(second.stdout)")
    }

    @Test func aTemplateValueNoConfigCanCarryCommitsNothing() async throws {
        let h = try Harness("badtemplate")
        try await h.initSample()
        var template = try String(contentsOfFile: Harness.repo("Templates/mra-88xx-5line.yaml"), encoding: .utf8)
        template = template.replacingOccurrences(
            of: "sipProfile: Standard SIP Profile For Mobile Device", with: "sipProfile: \"SIP\\uFFFF profile\"")
        let templatePath = try h.write("template.yaml", template)
        let csv = try h.write("phones.csv", Self.header + "\r\n,Desk,Cisco 8845,DP-Dallas,anna.berg,4001\r\n")
        let result = try await h.run(["insert", csv, "--template", templatePath, "--out", h.path("out")])
        // Rejected by the validator (1), or refused at template load (2) once the loader checks it too.
        #expect([ExitStatus.someRejected, ExitStatus.nothingDone].contains(result.status), "\(result.stderr)")
        #expect((result.stdout + result.stderr + ((try? h.read("out/rejects.csv")) ?? "")).contains("U+FFFF"))
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM activation_code") == 0)
        let written = h.exists("out/tftp") ? try h.files(in: "out/tftp") : []
        #expect(written.isEmpty)
    }

    // MARK: - Formula injection

    static let formulaRows = [
        // Accepted: its cells reach activation-codes.csv and export-codes.
        "001A2B3C4D5E,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\",Cisco 8845,DP-Dallas,+cmd|' /C calc'!A0,4001",
        // Rejected (pool): its cells reach rejects.csv.
        "001A2B3C4D5F,-2+3,Cisco 8845,DP-Nowhere,@SUM(A1),4002",
        // Rejected (pool), values that legitimately start with - and '.
        "001A2B3C4D60,-fragile-,Cisco 8845,DP-Nowhere,'quoted' owner,4003",
    ]

    @Test func formulaCellsAreNeutralisedInEveryCSVWritten() async throws {
        let h = try Harness("formula")
        try await h.initSample()
        let csv = try h.write("phones.csv", ([Self.header] + Self.formulaRows).joined(separator: "\r\n") + "\r\n")
        #expect(try await h.insert(csv, out: "out").status == ExitStatus.someRejected)

        let codes = Self.lines(try h.read("out/activation-codes.csv"))
        #expect(codes.count == 2)
        let code = try #require(codes.last?.split(separator: ",").dropLast().last.map(String.init))
        #expect(code.count == 16)
        let expiry = try #require(codes.last?.split(separator: ",").last.map(String.init))
        #expect(
            codes.last
                == "SEP001A2B3C4D5E,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\",Cisco 8845,"
                + "\"'+cmd|' /C calc'!A0\",\(code),\(expiry)")

        let export = h.path("export.csv")
        let exported = try await h.run(["export-codes", "--out", export])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(Self.lines(try String(contentsOfFile: export, encoding: .utf8)).last == codes.last)

        let rejects = Self.lines(try h.read("out/rejects.csv"))
        #expect(rejects.count == 3)
        #expect(rejects[1].hasPrefix("001A2B3C4D5F,\"'-2+3\",Cisco 8845,DP-Nowhere,\"'@SUM(A1)\",4002,3,"))
        #expect(rejects[2].hasPrefix("001A2B3C4D60,\"'-fragile-\",Cisco 8845,DP-Nowhere,'quoted' owner,4003,4,"))
    }

    /// insert → rejects.csv → fix → resubmit: the values stored are the ones first written, the
    /// apostrophes mrabat added are gone, and the one the user wrote is kept.
    @Test func rejectsRoundTripKeepsTheOriginalValues() async throws {
        let h = try Harness("formula-roundtrip")
        try await h.initSample()
        let csv = try h.write("phones.csv", ([Self.header] + Self.formulaRows).joined(separator: "\r\n") + "\r\n")
        #expect(try await h.insert(csv, out: "out").status == ExitStatus.someRejected)

        let fixed = try h.read("out/rejects.csv").replacingOccurrences(of: "DP-Nowhere", with: "DP-Dallas")
        let resubmit = try h.write("fixed.csv", fixed)
        let second = try await h.insert(resubmit, out: "out2")
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("accepted: 2  unchanged: 0  rejected: 0"), "\(second.stdout)")
        let stored = try h.query { db in
            try Row.fetchAll(db, sql: "SELECT mac, description, owner_user_id FROM device ORDER BY mac").map {
                [$0["mac"] as String, $0["description"] as String, $0["owner_user_id"] as String]
            }
        }
        #expect(
            stored == [
                ["001A2B3C4D5E", "=HYPERLINK(\"http://evil.example\",\"Click\")", "+cmd|' /C calc'!A0"],
                ["001A2B3C4D5F", "-2+3", "@SUM(A1)"],
                ["001A2B3C4D60", "-fragile-", "'quoted' owner"],
            ])
        // The fixed file again is a re-run: the same values, so nothing changes.
        let third = try await h.insert(resubmit, out: "out3")
        #expect(third.stdout.contains("accepted: 0  unchanged: 2  rejected: 0"), "\(third.stdout)")
    }

    // MARK: - Record size

    @Test func aHugeRecordStopsTheJobWithItsLine() async throws {
        let h = try Harness("hugerow")
        try await h.initSample()
        let field = "\"" + String(repeating: "17 KB of text, ", count: 17_000 / 15) + "\""
        let csv = try h.write(
            "phones.csv",
            Self.header + "\r\n001A2B3C4D5E,Desk,Cisco 8845,DP-Dallas,anna.berg,4001\r\n"
                + ",\(Array(repeating: field, count: 12).joined(separator: ",")),x,4002\r\n")
        let result = try await h.insert(csv, out: "out")
        #expect(result.status == ExitStatus.nothingDone)
        #expect(result.stderr.contains("phones.csv:3: a record runs over 128 KiB"), "\(result.stderr)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM job") == 0)
    }

    // MARK: - Symbolic links under --out

    @Test func aSymlinkedTFTPFolderIsRefusedAndNothingIsCommitted() async throws {
        let h = try Harness("tftplink")
        try await h.initSample()
        try FileManager.default.createDirectory(atPath: h.path("out"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: h.path("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: h.path("out/tftp"), withDestinationPath: h.path("elsewhere"))
        let result = try await h.insert(Harness.repo("SampleData/phones.csv"), out: "out")
        #expect(result.status == ExitStatus.nothingDone)
        #expect(result.stderr.contains("tftp in the output directory is a symbolic link"), "\(result.stderr)")
        #expect(try h.files(in: "elsewhere").isEmpty)
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        #expect(try h.count("SELECT COUNT(*) FROM job") == 0)
        #expect(!h.exists("out/activation-codes.csv"))
    }

    @Test func aSymlinkedCodeExportIsRefusedAndItsTargetUntouched() async throws {
        let h = try Harness("csvlink")
        try await h.initSample()
        try FileManager.default.createDirectory(atPath: h.path("out"), withIntermediateDirectories: true)
        let target = try h.write("precious.txt", "do not overwrite\n")
        try FileManager.default.createSymbolicLink(
            atPath: h.path("out/activation-codes.csv"), withDestinationPath: target)
        let result = try await h.insert(Harness.repo("SampleData/phones.csv"), out: "out")
        #expect(result.status == ExitStatus.nothingDone)
        #expect(result.stderr.contains("activation-codes.csv in the output directory is a symbolic link"))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "do not overwrite\n")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: h.path("out/activation-codes.csv"))
        #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink, "the link is left as it was")
    }
}
