import Foundation
import MRABatKit
import Testing

/// One bad command line and a piece of the message it must give.
struct UsageCase: Sendable, CustomTestStringConvertible {
    var name: String
    var arguments: [String]
    var message: String
    var testDescription: String { name }
}

@Suite("mrabat exit statuses, end to end")
struct ExitStatusTests {
    static let phones = Harness.repo("SampleData/phones.csv")
    static let template = Harness.repo("Templates/mra-88xx-5line.yaml")
    static let insert = ["insert", phones, "--template", template, "--out", "out"]
    static let activate = ["activate", "--code", "1234 5678 9012 3456", "--mac", "001A2B3C4D5E", "--model", "8845"]

    /// Every class of usage error: ArgumentParser's own, and values our argument types refuse.
    static let usageCases: [UsageCase] = [
        UsageCase(name: "--jobs 0", arguments: insert + ["--jobs", "0"], message: "'0' is invalid for '--jobs <n>'"),
        UsageCase(name: "--jobs x", arguments: insert + ["--jobs", "x"], message: "'x' is invalid for '--jobs <n>'"),
        UsageCase(
            name: "unknown option", arguments: insert + ["--frobnicate"], message: "Unknown option '--frobnicate'"),
        UsageCase(
            name: "missing argument", arguments: ["insert", "--template", template, "--out", "out"],
            message: "Missing expected argument '<csv>'"),
        UsageCase(
            name: "missing option", arguments: ["insert", phones, "--out", "out"],
            message: "Missing expected argument '--template <file>'"),
        UsageCase(
            name: "missing value", arguments: ["insert", phones, "--out", "out", "--template"],
            message: "Missing value for '--template <file>'"),
        UsageCase(
            name: "extra argument", arguments: ["release", "BAT1", "BAT2"], message: "Unexpected argument 'BAT2'"),
        UsageCase(
            name: "bad --encoding", arguments: insert + ["--encoding", "latin9"],
            message: "'latin9' is invalid for '--encoding <encoding>'. Please provide one of 'utf8', 'utf8BOM'"),
        UsageCase(
            name: "bad --encoding (validate)",
            arguments: ["validate", phones, "--template", template, "--encoding", "ebcdic"],
            message: "'ebcdic' is invalid for '--encoding <encoding>'"),
        UsageCase(
            name: "bad --delimiter", arguments: insert + ["--delimiter", ":"],
            message: "':' is invalid for '--delimiter <delimiter>'. Please provide one of ',', ';' or 'tab'."),
        UsageCase(
            name: "bad --max-errors", arguments: insert + ["--max-errors", "few"],
            message: "'few' is invalid for '--max-errors <n>'"),
        UsageCase(
            name: "bad --code", arguments: ["activate", "--code", "12345", "--mac", "001A2B3C4D5E", "--model", "8845"],
            message: "'12345' is invalid for '--code <code>'"),
        UsageCase(
            name: "bad --mac", arguments: ["activate", "--code", "1234567890123456", "--mac", "00AABBCCDD0"],
            message: "'00AABBCCDD0' is invalid for '--mac <mac>'"),
        UsageCase(
            name: "multicast --mac", arguments: ["activate", "--code", "1234567890123456", "--mac", "01005E000001"],
            message: "'01005E000001' is invalid for '--mac <mac>'"),
        UsageCase(
            name: "unreadable --mic", arguments: activate + ["--out", "out", "--mic", "/nonexistent/mic.pem"],
            message: "'/nonexistent/mic.pem' is invalid for '--mic <file>'"),
        UsageCase(
            name: "bad --now (export-codes)", arguments: ["export-codes", "--out", "x.csv", "--now", "tomorrow"],
            message: "'tomorrow' is invalid for '--now <instant>'"),
        UsageCase(
            name: "bad --now without a time (expire)", arguments: ["expire", "--now", "2026-03-01"],
            message: "'2026-03-01' is invalid for '--now <instant>'"),
        UsageCase(
            name: "bad --now without a zone (expire)", arguments: ["expire", "--now", "2026-03-01T08:00:00"],
            message: "'2026-03-01T08:00:00' is invalid for '--now <instant>'"),
        UsageCase(name: "unknown command", arguments: ["provision"], message: "Unexpected argument 'provision'"),
        UsageCase(name: "no command", arguments: [], message: "missing a command"),
    ]

    @Test(arguments: usageCases)
    func usageErrorsExitTwoWithOneMessageAndDoNothing(_ usage: UsageCase) async throws {
        let h = try Harness("usage")
        let result = try await h.run(usage.arguments)
        #expect(result.status == ExitStatus.nothingDone, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("mrabat: error: ") == true, "\(result.stderr)")
        #expect(lines.first?.contains(usage.message) == true, "\(result.stderr)")
        #expect(lines.filter { $0.lowercased().contains("error:") }.count == 1, "one error line: \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        // Nothing done: no store, no output directory.
        let left = try h.files(in: ".")
        #expect(left == [], "\(left)")
    }

    @Test func helpAndVersionExitZeroAndTheHelpListsEveryExitStatus() async throws {
        let h = try Harness("help")
        let help = try await h.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stderr.isEmpty, "\(help.stderr)")
        for status in [0, 1, 2, 3, 4, 5, 6, 70] {
            #expect(help.stdout.contains("\n  \(status) "), "status \(status) is not listed: \(help.stdout)")
        }
        #expect(help.stdout.contains("--max-errors") && help.stdout.contains("retryable"))
        let commandHelp = try await h.run(["insert", "--help"])
        #expect(commandHelp.status == 0 && commandHelp.stdout.contains("--jobs <n>"), "\(commandHelp.stderr)")
        let helpCommand = try await h.run(["help", "export-codes"])
        #expect(helpCommand.status == 0 && helpCommand.stdout.contains("--now <instant>"), "\(helpCommand.stderr)")
        let version = try await h.run(["--version"])
        #expect(version.status == 0 && version.stdout == MRABat.version + "\n", "\(version.stdout)")
        #expect(try h.files(in: ".") == [])
    }

    /// `export-codes --now` lists a code up to its expiry and not from then on, while the code is
    /// still outstanding in the store: the export's own expiry filter decides, not `expire`.
    @Test func exportCodesAtAnInstantLeavesOutCodesPastTheirExpiry() async throws {
        let h = try Harness("export-now")
        try await h.initSample()
        #expect(try await h.insert(Self.phones, out: "out").status == 0)
        let issued = Array(csvRows(try h.read("out/activation-codes.csv")).dropFirst())
        #expect(issued.count == 60)
        let expiries = try issued.map { row in try #require(AuditTime.parse(row[5]), "\(row)") }
        let first = try #require(expiries.min())
        let last = try #require(expiries.max())

        func export(at instant: Date, _ file: String) async throws -> [[String]] {
            let result = try await h.run(["export-codes", "--out", h.path(file), "--now", AuditTime.format(instant)])
            #expect(result.status == 0, "\(result.stderr)")
            let rows = csvRows(try h.read(file))
            #expect(rows.first?.first == "Device Name", "\(rows)")
            #expect(result.stdout.contains("exported \(rows.count - 1) outstanding"), "\(result.stdout)")
            return Array(rows.dropFirst())
        }
        await #expect(Set(try export(at: first.addingTimeInterval(-1), "before.csv")) == Set(issued))
        await #expect(try export(at: last, "at-expiry.csv") == [])
        await #expect(try export(at: last.addingTimeInterval(3600), "after.csv") == [])
        #expect(try h.count("SELECT COUNT(*) FROM activation_code WHERE status = 'outstanding'") == 60)

        // `expire --now` ends them at the same instants.
        let early = try await h.run(["expire", "--now", AuditTime.format(first.addingTimeInterval(-1))])
        #expect(early.status == 0 && early.stdout.contains("0 code(s) expired"), "\(early.stdout)\(early.stderr)")
        let late = try await h.run(["expire", "--now", AuditTime.format(last)])
        #expect(late.status == 0 && late.stdout.contains("60 code(s) expired"), "\(late.stdout)\(late.stderr)")
        #expect(try h.count("SELECT COUNT(*) FROM activation_code WHERE status = 'expired'") == 60)
    }

    @Test func keyOptionAndEnvironmentChooseTheVaultKey() async throws {
        let h = try Harness("key")
        try await h.initSample()
        #expect(try await h.insert(Self.phones, out: "out").status == 0)
        let issued = Set(csvRows(try h.read("out/activation-codes.csv")))
        // A copy of the key elsewhere opens the codes, named by --key or by MRABAT_KEY.
        let copy = h.path("copy.key")
        try FileManager.default.copyItem(atPath: h.db + ".key", toPath: copy)
        let byOption = try await h.run(["export-codes", "--out", h.path("a.csv"), "--key", copy])
        #expect(byOption.status == 0, "\(byOption.stderr)")
        #expect(Set(csvRows(try h.read("a.csv"))) == issued)
        let byEnvironment = try await h.run(
            ["export-codes", "--out", h.path("b.csv")], environment: ["MRABAT_KEY": copy])
        #expect(byEnvironment.status == 0, "\(byEnvironment.stderr)")
        #expect(Set(csvRows(try h.read("b.csv"))) == issued)
        // Another key does not open them: the option really is used.
        let wrong = try await h.run(
            ["export-codes", "--out", h.path("c.csv")], environment: ["MRABAT_KEY": h.path("x.key")])
        #expect(wrong.status == ExitStatus.nothingDone, "\(wrong.stderr)")
        #expect(!h.exists("c.csv"))
        // insert takes the key too: the same key (a copy) is accepted, another one refused before anything is written.
        let same = try await h.insert(Self.phones, out: "out2", ["--key", copy])
        #expect(same.status == 0 && same.stdout.contains("unchanged: 60"), "\(same.stderr)")
        let other = try await h.insert(Self.phones, out: "out3", ["--key", h.path("x.key")])
        #expect(other.status == ExitStatus.nothingDone)
        #expect(other.stderr.contains("that sealed the activation codes in"), "\(other.stderr)")
        #expect(!h.exists("out3") && !h.exists("x.key"))
    }

    @Test func checkExitsOneWhenAPrerequisiteFails() async throws {
        // The sample configuration lists no MIC trust CA: one check fails, and that is a result.
        let h = try Harness("check")
        let result = try await h.run(["check", "--cluster", Harness.repo("SampleData/cluster.yaml")])
        #expect(result.status == ExitStatus.someRejected, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("FAIL  mic-trust-cas") && result.stdout.contains("1 of "), "\(result.stdout)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }
}
