import Foundation
import Testing

/// Real BAT files through the built binary: Cisco's BAT-guide samples and All-Details exports
/// (`Tests/MRABatKitTests/Fixtures/BAT`) validate with exit 0 or 1, never 2, and one line at most
/// about the known columns mrabat does not use.
@Suite("mrabat on real BAT files")
struct BATFixtureEndToEndTests {
    static func fixture(_ name: String) -> String { Harness.repo("Tests/MRABatKitTests/Fixtures/BAT/\(name)") }

    static let cases: [(file: String, template: String, accepted: Int, rejected: Int)] = [
        ("cisco-default-format.csv", "mra-8845-1line", 1, 2),
        ("cisco-default-format-two-lines.csv", "mra-7841-4line", 1, 0),
        ("cisco-custom-format.csv", "mra-8845-1line", 0, 1),
        ("cucm-export-all-details.csv", "mra-88xx-5line", 0, 1),
        ("cisco-all-details-format.csv", "mra-88xx-5line", 2, 4),
    ]

    @Test(arguments: 0..<cases.count)
    func validateLoadsEachFile(index: Int) async throws {
        let (file, template, accepted, rejected) = Self.cases[index]
        let h = try Harness("batin-validate")
        let result = try await h.run([
            "validate", Self.fixture(file), "--template", Harness.repo("Templates/\(template).yaml"), "--cluster",
            Harness.repo("SampleData/cluster.yaml"), "--out", h.path("out"),
        ])
        #expect(result.status == (rejected > 0 ? 1 : 0), "\(file): \(result.stderr)")
        #expect(
            result.stdout.contains("accepted: \(accepted)  unchanged: 0  rejected: \(rejected)"), "\(result.stdout)")
        let stderr = result.stderr.split(separator: "\n")
        #expect(stderr.filter { $0.contains("known BAT column") }.count <= 1, "\(result.stderr)")
        #expect(!result.stderr.contains("unknown column"), "\(result.stderr)")
        #expect(csvRows(try h.read("out/rejects.csv")).count == rejected + 1)
    }

    @Test func theRealExportSaysOnceWhatItIgnores() async throws {
        let h = try Harness("batin-real")
        let result = try await h.run([
            "validate", Self.fixture("cucm-export-all-details.csv"), "--template",
            Harness.repo("Templates/mra-88xx-5line.yaml"), "--cluster", Harness.repo("SampleData/cluster.yaml"),
        ])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").filter { $0.contains("known BAT column") }
        #expect(lines.count == 1)
        #expect(
            lines.first?.contains(
                "cucm-export-all-details.csv:1: ignored 181 known BAT columns that mrabat does not use "
                    + "(\"Phone Button Template\", \"AAR CSS\", \"Extension Mobility\", \"Network Locale\", …)")
                == true,
            "\(result.stderr)")
    }

    /// Inserted into a store, the All-Details file creates its two good phones (the BAT one under its own
    /// name), reports each bad row with its line, column name and value, and a second insert of the same
    /// file (an export coming back) creates nothing.
    @Test func insertingTheAllDetailsFileTwiceCreatesNoDuplicate() async throws {
        let h = try Harness("batin-insert")
        try await h.initSample()
        let file = Self.fixture("cisco-all-details-format.csv")
        let first = try await h.insert(file, out: "out")
        #expect(first.status == 1, "\(first.stderr)")
        #expect(first.stdout.contains("accepted: 2  unchanged: 0  rejected: 4"), "\(first.stdout)")
        #expect(try h.files(in: "out/tftp") == ["BAT0A1B2C3D4E5F.cnf.xml", "SEP00A0C9140101.cnf.xml"])
        let rejects = csvRows(try h.read("out/rejects.csv"))
        let header = try #require(rejects.first)
        #expect(header.suffix(2) == ["LINE", "REASON"])
        let byLine = Dictionary(
            rejects.dropFirst().map { ($0[$0.count - 2], $0[$0.count - 1]) }, uniquingKeysWith: { a, _ in a })
        #expect(
            byLine["4"]?.hasPrefix("Maximum Number of Calls 1 \"four\": is not a number of calls") == true, "\(byLine)")
        #expect(byLine["5"]?.hasPrefix("Busy Trigger 1 \"6\": is more than MAXIMUM NUMBER OF CALLS 1 (4)") == true)
        #expect(byLine["6"]?.hasPrefix("Device Name \"SEP00A0C91401\": has 10 characters after SEP") == true)
        #expect(byLine["7"]?.contains("\"Cisco 7960\": does not support activation-code onboarding") == true)
        #expect(
            try h.count(
                "SELECT COUNT(*) FROM line l JOIN device d ON d.id = l.device_id WHERE d.name = 'BAT0A1B2C3D4E5F' "
                    + "AND l.idx IN (1, 3) AND l.max_num_calls IS NOT NULL") == 2)

        let second = try await h.insert(file, out: "out2")
        #expect(second.stdout.contains("accepted: 0  unchanged: 2  rejected: 4"), "\(second.stdout)")
        #expect(try h.count("SELECT COUNT(*) FROM device") == 2)
    }

    /// The error paths of the new columns, each rejected with its column name, value and reason.
    @Test func badBATValuesAreRejectedWithTheirColumnAndValue() async throws {
        let h = try Harness("batin-errors")
        try await h.initSample()
        let csv = try h.write(
            "bad.csv",
            "MAC ADDRESS,DEVICE NAME,DEVICE TYPE,OWNER USER ID,DIRECTORY NUMBER,MAXIMUM NUMBER OF CALLS,BUSY TRIGGER,"
                + "DIRECTORY NUMBR 2\r\n"
                + "001A2B3C4D5E,SEP001A2B3C4D5F,Cisco 8845,ann,6001,4,2,\r\n"
                + ",TAPS Port 1,Cisco 8845,bea,6002,4,2,\r\n"
                + ",,Cisco 8845,cal,6003,0,1,\r\n"
                + ",,Cisco 8845,dee,6004,2,3,\r\n"
                + "00:1a:2b:3c:4d:60,sep001a2b3c4d60,Cisco 8845,eve,6005,4,2,\r\n")
        let result = try await h.insert(csv, out: "out")
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("accepted: 1  unchanged: 0  rejected: 4"), "\(result.stdout)")
        #expect(
            result.stderr.contains(
                "bad.csv:1:8: unknown column \"DIRECTORY NUMBR 2\" ignored (did you mean \"DIRECTORY NUMBER 2\"?)"),
            "\(result.stderr)")
        let reasons = csvRows(try h.read("out/rejects.csv")).dropFirst().map { ($0[$0.count - 2], $0[$0.count - 1]) }
        #expect(reasons.map(\.0) == ["2", "3", "4", "5"])
        #expect(
            reasons[0].1
                == "DEVICE NAME \"SEP001A2B3C4D5F\": names MAC 001A2B3C4D5F but MAC ADDRESS is 001A2B3C4D5E; "
                + "a phone's name is SEP and its MAC")
        #expect(reasons[1].1.hasPrefix("DEVICE NAME \"TAPS Port 1\": is not a phone mrabat can onboard"))
        #expect(reasons[2].1.hasPrefix("MAXIMUM NUMBER OF CALLS \"0\": is not a number of calls"))
        #expect(reasons[3].1.hasPrefix("BUSY TRIGGER \"3\": is more than MAXIMUM NUMBER OF CALLS 1 (2)"))
        // A lowercase SEP name with a colon-separated MAC that agrees is the same phone: SEP + uppercase.
        #expect(try h.files(in: "out/tftp") == ["SEP001A2B3C4D60.cnf.xml"])
    }
}
