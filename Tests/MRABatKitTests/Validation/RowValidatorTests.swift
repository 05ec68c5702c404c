import Foundation
import Testing

@testable import MRABatKit

@Suite("Row validation")
struct RowValidatorTests {
    static let headerFields = [
        "MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "MRA SERVICE DOMAIN",
        "DIRECTORY NUMBER 1", "DISPLAY 1", "DIRECTORY NUMBER 2", "LINE TEXT LABEL 2", "DIRECTORY NUMBER 3",
    ]

    static func validator(template name: String = "mra-88xx-5line") throws -> RowValidator {
        let cluster = try ClusterConfig.load(path: TestFiles.sampleCluster)
        let template = try PhoneTemplate.load(path: TestFiles.path("Templates/\(name).yaml"), cluster: cluster)
        let header = try BATHeader(fields: headerFields, file: "phones.csv", line: 1, required: [])
        return RowValidator(cluster: cluster, template: template, header: header, headerNames: headerFields)
    }

    /// A good row: 8845 in Frankfurt, two lines.
    static let good = [
        "", "Desk", "Cisco 8845", "DP-Frankfurt", "anna.berg", "", "4001", "Anna Berg", "4002", "Support", "",
    ]

    @Test func goodRowMergesWithTemplate() throws {
        let draft = try Self.validator().validate(fields: Self.good, line: 7).get()
        #expect(draft.sourceLine == 7)
        #expect(draft.model == "Cisco 8845")
        #expect(draft.devicePool == "DP-Frankfurt")
        #expect(draft.lines.map(\.directoryNumber) == ["4001", "4002"])
        #expect(draft.lines[0].label == "Main", "template line default")
        #expect(draft.lines[0].partition == "PT-Internal")
        #expect(draft.lines[1].label == "Support", "row overrides template")
        #expect(draft.phoneButtonTemplate == "Standard Cisco 8845 SIP")
        #expect(draft.css == "CSS-US-Internal")
        #expect(draft.mac == nil)
    }

    @Test(arguments: ["001A2B3C4D5E", "00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e"])
    func fourMACSpellings(spelling: String) throws {
        var row = Self.good
        row[0] = spelling
        let draft = try Self.validator().validate(fields: row, line: 2).get()
        #expect(draft.mac?.hex == "001A2B3C4D5E")
        #expect(draft.mac?.deviceName == "SEP001A2B3C4D5E")
    }

    /// Each failure class: (column index to change, new value, expected column number, expected reason text).
    static let failures: [(Int, String, Int?, String)] = [
        (0, "00:1A:2B:3C:4D", 1, "MAC ADDRESS \"00:1A:2B:3C:4D\": is not a MAC address"),
        (0, "00:1A-2B:3C:4D:5E", 1, "is not a MAC address"),
        (0, "1.23457E+11", 1, "is a number in scientific notation: a spreadsheet converted the MAC"),
        (0, "1A2B3C4D5E", 1, "has 10 hex digits, not 12: a spreadsheet may have dropped its leading zeros"),
        (6, "4.00123E+3", 7, "scientific notation: a spreadsheet converted the directory number"),
        (6, "4001.0", 7, "has a decimal part"),
        (3, "DP\u{00A0}Frankfurt", 4, "contains an invisible or non-breaking space (U+00A0)"),
        (4, "\u{201C}anna.berg\u{201D}", 5, "contains a typographic quote (“)"),
        (
            2, "Cisco 8945", 3,
            "DEVICE TYPE \"Cisco 8945\": does not support activation-code onboarding over MRA (did you mean \"Cisco 8845\"?)"
        ),
        (2, "Cisco 7960", 3, "does not support activation-code onboarding over MRA"),
        (
            3, "DP-Frankfort", 4,
            "DEVICE POOL \"DP-Frankfort\": does not exist in cluster ACME-EAST (did you mean \"DP-Frankfurt\"?)"
        ),
        (
            5, "EU-MRAA", 6,
            "MRA SERVICE DOMAIN \"EU-MRAA\": does not exist in cluster ACME-EAST (did you mean \"EU-MRA\"?)"
        ),
        (4, "", 5, "OWNER USER ID: is required"),
        (4, String(repeating: "u", count: 129), 5, "is 129 characters long; at most 128 are allowed"),
        (1, String(repeating: "d", count: 129), 2, "is 129 characters long; at most 128 are allowed"),
        (6, "40A1", 7, "DIRECTORY NUMBER 1 \"40A1\": is not a directory number"),
        (6, String(repeating: "1", count: 25), 7, "is not a directory number"),
        (7, String(repeating: "x", count: 31), 8, "is 31 characters long; at most 30 are allowed"),
        (10, "4003", 11, "row sets line 3 but a Cisco 8832 has 1 line"),
    ]

    @Test(arguments: 0..<failures.count)
    func everyFailureClass(index: Int) throws {
        let (column, value, expectedColumn, reason) = Self.failures[index]
        var row = Self.good
        row[column] = value
        if index == Self.failures.count - 1 { row[2] = "Cisco 8832" }
        let result = try Self.validator().validate(fields: row, line: 12)
        guard case .failure(let rejection) = result else {
            Issue.record("row \(row) was accepted")
            return
        }
        #expect(rejection.line == 12)
        let problem = try #require(
            rejection.problems.first { $0.description.contains(reason) }, "\(rejection.problems)")
        #expect(problem.column == expectedColumn)
    }

    @Test func lineCountAboveTemplate() throws {
        var row = Self.good
        row[10] = "4003"
        let result = try Self.validator(template: "mra-8845-1line").validate(fields: row, line: 3)
        guard case .failure(let rejection) = result else { Issue.record("accepted"); return }
        #expect(rejection.reason.contains("row sets line 3 but template \"MRA 8845 single line\" has 1 line"))
    }

    /// BAT accepts gaps: a row with lines 1 and 3 gives buttons 1 and 3, and a row with only line 2
    /// gives button 2. Line numbers are kept, never closed up, so each DN stays on the button it names.
    @Test func lineGapsKeepTheirLineNumbers() throws {
        // Columns: 6 DIRECTORY NUMBER 1, 7 DISPLAY 1, 8 DIRECTORY NUMBER 2, 9 LINE TEXT LABEL 2, 10 DIRECTORY NUMBER 3.
        var row = Self.good
        row[8] = ""
        row[9] = ""
        row[10] = "4003"
        let draft = try Self.validator().validate(fields: row, line: 3).get()
        #expect(draft.lines.map(\.index) == [1, 3])
        #expect(draft.lines.map(\.directoryNumber) == ["4001", "4003"])
        var onlySecond = Self.good
        onlySecond[6] = ""
        onlySecond[7] = ""
        let second = try Self.validator().validate(fields: onlySecond, line: 4).get()
        #expect(second.lines.map(\.index) == [2])
        #expect(second.lines.first?.label == "Support")
        // The highest line, not the count, must fit: line 3 of an 8832 (one line) is rejected.
        var high = Self.good
        high[2] = "Cisco 8832"
        for index in 6...9 { high[index] = "" }
        high[10] = "4003"
        guard case .failure(let rejection) = try Self.validator().validate(fields: high, line: 5) else {
            Issue.record("line 3 of a one-line phone was accepted")
            return
        }
        #expect(rejection.tag == .linesOverModelCapacity)
        #expect(rejection.problems.first?.column == 11)
    }

    @Test func fieldCountMismatchNamesBothCounts() throws {
        let short = Array(Self.good.prefix(5))
        guard case .failure(let a) = try Self.validator().validate(fields: short, line: 4) else {
            Issue.record("accepted"); return
        }
        #expect(a.reason.contains("row has 5 fields but the header has 11"))
        let long = Self.good + ["x"]
        guard case .failure(let b) = try Self.validator().validate(fields: long, line: 5) else {
            Issue.record("accepted"); return
        }
        #expect(b.reason.contains("row has 12 fields but the header has 11"))
        // Trailing empty fields (Excel's trailing comma) are not extra fields.
        #expect((try? Self.validator().validate(fields: Self.good + ["", ""], line: 6).get()) != nil)
    }

    @Test func allProblemsOfARowAreReported() throws {
        var row = Self.good
        row[2] = "Cisco 9999"
        row[3] = "Nowhere"
        row[6] = "abc"
        guard case .failure(let rejection) = try Self.validator().validate(fields: row, line: 9) else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.problems.map(\.column) == [3, 4, 7])
    }

    @Test func naturalKeyAndChangedFields() throws {
        let a = try Self.validator().validate(fields: Self.good, line: 2).get()
        var row = Self.good
        row[1] = "Other description"
        let b = try Self.validator().validate(fields: row, line: 3).get()
        #expect(a.naturalKey == b.naturalKey)
        #expect(
            a.attributes.changes(to: b.attributes) == [
                FieldChange(field: "DESCRIPTION", old: "Desk", new: "Other description")
            ])
        #expect(b.attributes.changes(to: b.attributes) == [])
    }
}

@Suite("Did you mean")
struct DidYouMeanTests {
    @Test func suggestsNearMisses() {
        #expect(DidYouMean.suggestion(for: "Dalas", among: ["Dallas", "Denver"]) == "Dallas")
        #expect(DidYouMean.suggestion(for: "dp-dallas", among: ["DP-Dallas"]) == "DP-Dallas")
        #expect(DidYouMean.suggestion(for: "Tokyo", among: ["Dallas", "Denver"]) == nil)
        #expect(DidYouMean.hint(for: "", among: ["x"]) == "")
    }
}

@Suite("Naming")
struct NamingTests {
    @Test func dummyNamesAreBATPlusTwelveUppercaseHex() async throws {
        var namer = DeviceNamer()
        var names = Set<String>()
        for _ in 0..<2000 {
            let name = try #require(try await namer.dummyNames(count: 1) { _ in [] }.first)
            #expect(DeviceNamer.isDummyName(name), "\(name)")
            names.insert(name)
        }
        #expect(names.count == 2000)
    }

    @Test func takenNamesAreSkipped() async throws {
        var namer = DeviceNamer()
        var asked = 0
        let names = try await namer.dummyNames(count: 1) { candidates in
            asked += 1
            return asked < 3 ? Set(candidates) : []
        }
        #expect(asked == 3)
        #expect(names.count == 1 && names.allSatisfy(DeviceNamer.isDummyName))
    }

    @Test func macSpellingsRejected() {
        for bad in [
            "001A2B3C4D5", "001A2B3C4D5G", "00:1A:2B:3C:4D:5E:", "00:1A-2B-3C-4D-5E", "001a2b.3c4d.5e", "1.23457E+11",
            "",
        ] {
            #expect(MACAddress(parsing: bad) == nil, "\(bad)")
        }
    }
}

@Suite("Spreadsheet damage")
struct SpreadsheetDamageTests {
    @Test func warningsDoNotRejectTheRow() throws {
        var row = RowValidatorTests.good
        row[6] = "19725554001"
        row[1] = "Anna\u{2019}s desk"
        let draft = try RowValidatorTests.validator().validate(fields: row, line: 4).get()
        #expect(draft.warnings.count == 2)
        #expect(
            draft.warnings.contains { $0.description.contains("looks like an E.164 number without its leading \\+") })
        #expect(draft.warnings.contains { $0.columnName == "DESCRIPTION" && $0.reason.contains("typographic quote") })
        #expect(draft.lines[0].directoryNumber == "19725554001", "never guessed back")
    }

    @Test func ordinaryWhiteSpaceIsTrimmedSilently() throws {
        var row = RowValidatorTests.good
        row[3] = "  DP-Frankfurt\t"
        row[4] = " anna.berg "
        let draft = try RowValidatorTests.validator().validate(fields: row, line: 4).get()
        #expect(draft.devicePool == "DP-Frankfurt")
        #expect(draft.ownerUserID == "anna.berg")
        #expect(draft.warnings.isEmpty)
    }

    @Test(arguments: ["1.23457E+11", "4E+03", "1.2e-5"])
    func scientificNotation(value: String) {
        #expect(SpreadsheetDamage.isScientific(value))
    }

    @Test(arguments: ["4001", "SEP1.2", "E+11", "1.2.3E+4"])
    func notScientificNotation(value: String) {
        #expect(!SpreadsheetDamage.isScientific(value))
    }
}

@Suite("Naming in batches")
struct BatchNamingTests {
    @Test func batchNamesAreDistinctAndSkipTakenOnes() async throws {
        var namer = DeviceNamer()
        var rejectedOnce = Set<String>()
        var rounds = 0
        let names = try await namer.dummyNames(count: 5000) { candidates in
            // The store claims two candidates of each of the first three rounds.
            rounds += 1
            let taken = rounds <= 3 ? Set(candidates.prefix(2)) : []
            rejectedOnce.formUnion(taken)
            return taken
        }
        #expect(rounds == 4)
        #expect(rejectedOnce.count == 6)
        #expect(names.count == 5000)
        #expect(Set(names).count == 5000)
        #expect(rejectedOnce.isDisjoint(with: names))
        #expect(names.allSatisfy(DeviceNamer.isDummyName))
        // A later batch never repeats an earlier name.
        let more = try await namer.dummyNames(count: 100) { _ in [] }
        #expect(Set(more).isDisjoint(with: names))
    }
}
