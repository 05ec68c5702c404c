import Foundation
import Testing

@testable import MRABatKit

/// Every rule tags its problems, so the summary counts by rule, never by message text.
@Suite("Reason tags")
struct ReasonTagTests {
    static let headerFields = [
        "MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "MRA SERVICE DOMAIN", "LOCATION",
        "CSS", "DIRECTORY NUMBER 1", "DISPLAY 1", "LINE TEXT LABEL 1", "PARTITION 1", "DIRECTORY NUMBER 2",
        "DISPLAY 2", "DIRECTORY NUMBER 3", "DIRECTORY NUMBER 4", "DIRECTORY NUMBER 5", "DIRECTORY NUMBER 6",
        "DEVICE NAME", "USER ID", "MAXIMUM NUMBER OF CALLS 1", "BUSY TRIGGER 1", "EXTERNAL PHONE NUMBER MASK 1",
        "ASCII DISPLAY 1", "ASCII LINE TEXT LABEL 1", "RING SETTING (PHONE IDLE) 1", "RING SETTING (PHONE ACTIVE) 1",
    ]
    static let good = [
        "", "Desk", "Cisco 8845", "DP-Frankfurt", "anna.berg", "", "", "", "4001", "Anna", "Main", "PT-Internal",
        "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
    ]

    static func validator(template: String = "mra-88xx-5line") throws -> RowValidator {
        let cluster = try ClusterConfig.load(path: TestFiles.sampleCluster)
        let template = try PhoneTemplate.load(path: TestFiles.path("Templates/\(template).yaml"), cluster: cluster)
        let header = try BATHeader(fields: headerFields, file: "phones.csv", line: 1, required: [])
        return RowValidator(cluster: cluster, template: template, header: header, headerNames: headerFields)
    }

    static func column(_ name: String) -> Int {
        headerFields.firstIndex(of: name) ?? -1
    }

    /// One row per rule: what to change, and the tag its problem must carry.
    static let rules: [(changes: [String: String], tag: RowProblem.Tag)] = [
        (["MAC ADDRESS": "00:1A:2B:3C:4D"], .macInvalid),
        (["MAC ADDRESS": "000000000000"], .macAllZero),
        (["MAC ADDRESS": "FF:FF:FF:FF:FF:FF"], .macBroadcast),
        (["MAC ADDRESS": "01005E000001"], .macMulticast),
        (["MAC ADDRESS": "1.23457E+11"], .macScientificNotation),
        (["MAC ADDRESS": "1A2B3C4D5E"], .macLeadingZerosLost),
        (["DEVICE TYPE": "Cisco 7960"], .deviceTypeUnsupported),
        (["DEVICE TYPE": ""], .deviceTypeMissing),
        (["DEVICE POOL": "Nowhere"], .devicePoolUnknown),
        (["MRA SERVICE DOMAIN": "Nowhere"], .serviceDomainUnknown),
        (["OWNER USER ID": ""], .ownerMissing),
        (["OWNER USER ID": String(repeating: "u", count: 129)], .ownerTooLong),
        (["DESCRIPTION": String(repeating: "d", count: 129)], .descriptionTooLong),
        (["LOCATION": String(repeating: "l", count: 51)], .locationTooLong),
        (["CSS": String(repeating: "c", count: 51)], .cssTooLong),
        (["DISPLAY 1": String(repeating: "x", count: 31)], .displayTooLong),
        (["LINE TEXT LABEL 1": String(repeating: "x", count: 31)], .labelTooLong),
        (["PARTITION 1": String(repeating: "p", count: 51)], .partitionTooLong),
        (["DIRECTORY NUMBER 1": "40A1"], .directoryNumberInvalid),
        (["DIRECTORY NUMBER 1": "4.00123E+3"], .directoryNumberScientificNotation),
        (["DIRECTORY NUMBER 1": "4001.0"], .directoryNumberDecimalPart),
        (["DIRECTORY NUMBER 1": "", "DISPLAY 1": "", "LINE TEXT LABEL 1": "", "PARTITION 1": ""], .linesNone),
        (["DEVICE NAME": "SEP00A0C91401"], .deviceNameInvalid),
        (["DEVICE NAME": "bat0a1b2c3d4e5f"], .deviceNameInvalid),
        (["DEVICE NAME": "SEP00A0C9140101", "MAC ADDRESS": "001A2B3C4D5E"], .deviceNameMACMismatch),
        (["DEVICE NAME": "BAT0A1B2C3D4E5F", "MAC ADDRESS": "001A2B3C4D5E"], .deviceNameMACMismatch),
        (["DEVICE NAME": "SEP01005E000001"], .macMulticast),
        (["USER ID": String(repeating: "u", count: 129)], .userIDTooLong),
        (["MAXIMUM NUMBER OF CALLS 1": "four", "BUSY TRIGGER 1": "2"], .maxCallsInvalid),
        (["MAXIMUM NUMBER OF CALLS 1": "201", "BUSY TRIGGER 1": "2"], .maxCallsInvalid),
        (["MAXIMUM NUMBER OF CALLS 1": "4"], .maxCallsWithoutBusyTrigger),
        (["BUSY TRIGGER 1": "2"], .busyTriggerWithoutMaxCalls),
        (["MAXIMUM NUMBER OF CALLS 1": "4", "BUSY TRIGGER 1": "0"], .busyTriggerInvalid),
        (["MAXIMUM NUMBER OF CALLS 1": "4", "BUSY TRIGGER 1": "5"], .busyTriggerOverMaxCalls),
        (["EXTERNAL PHONE NUMBER MASK 1": "972-555-XXXX"], .externalMaskInvalid),
        (["ASCII DISPLAY 1": "Anna B\u{E9}rg"], .notASCII),
        (["ASCII DISPLAY 1": String(repeating: "a", count: 31)], .asciiDisplayTooLong),
        (["ASCII LINE TEXT LABEL 1": String(repeating: "a", count: 31)], .asciiLabelTooLong),
        (["RING SETTING (PHONE IDLE) 1": "Beep Only"], .ringSettingInvalid),
        (["RING SETTING (PHONE ACTIVE) 1": "Rnig"], .ringSettingInvalid),
        (["DISPLAY 2": "Orphan"], .lineFieldWithoutNumber),
        (
            [
                "DIRECTORY NUMBER 2": "2", "DIRECTORY NUMBER 3": "3", "DIRECTORY NUMBER 4": "4",
                "DIRECTORY NUMBER 5": "5", "DIRECTORY NUMBER 6": "6",
            ], .linesOverTemplate
        ),
        (["DESCRIPTION": "Desk\u{1}"], .controlCharacter),
        (["DESCRIPTION": "Desk\u{FFFE}"], .noncharacter),
        (["DEVICE POOL": "DP\u{00A0}Frankfurt"], .invisibleSpace),
        (["OWNER USER ID": "\u{201C}anna\u{201D}"], .typographicQuote),
    ]

    @Test(arguments: 0..<rules.count)
    func eachRuleTagsItsProblem(index: Int) throws {
        let (changes, tag) = Self.rules[index]
        var row = Self.good
        for (name, value) in changes { row[Self.column(name)] = value }
        guard case .failure(let rejection) = try Self.validator().validate(fields: row, line: 3) else {
            Issue.record("\(changes) was accepted")
            return
        }
        #expect(rejection.problems.map(\.tag).contains(tag), "\(changes): \(rejection.problems)")
        #expect(!rejection.problems.contains { $0.tag == .unclassified }, "\(rejection.problems)")
    }

    @Test func rowLevelRulesAreTaggedToo() throws {
        let validator = try Self.validator()
        guard case .failure(let short) = validator.validate(fields: ["x"], line: 2) else {
            Issue.record("accepted")
            return
        }
        #expect(short.tag == .fieldCount)

        var row = Self.good
        row[Self.column("DEVICE TYPE")] = "Cisco 8832"
        row[Self.column("DIRECTORY NUMBER 2")] = "4002"
        guard case .failure(let overCapacity) = validator.validate(fields: row, line: 2) else {
            Issue.record("accepted")
            return
        }
        #expect(overCapacity.tag == .linesOverModelCapacity)

        let draft = try validator.validate(fields: Self.good, line: 2).get()
        #expect(validator.duplicate(draft, ofLine: "1").tag == .duplicateInFile)
        var withMAC = draft
        withMAC.mac = MACAddress(parsing: "001A2B3C4D5E")
        #expect(validator.duplicate(withMAC, ofLine: "1").tag == .duplicateInFile)
    }

    @Test func warningsAreTagged() throws {
        var row = Self.good
        row[Self.column("DIRECTORY NUMBER 1")] = "19725554001"
        row[Self.column("DESCRIPTION")] = "Anna\u{2019}s desk"
        let draft = try Self.validator().validate(fields: row, line: 4).get()
        #expect(Set(draft.warnings.map(\.tag)) == [.directoryNumberMissingPlus, .typographicQuote])
    }

    /// The regression: counting by message text merged "is 129 characters long" and "is 140 …" into
    /// "DESCRIPTION: is characters long"; the tag is one stable name for one rule.
    @Test func rejectionsOfOneRuleShareOneTagWhateverTheirNumbers() throws {
        let validator = try Self.validator()
        var tags: Set<RowProblem.Tag> = []
        var reasons: Set<String> = []
        for length in [129, 140, 1000] {
            var row = Self.good
            row[Self.column("DESCRIPTION")] = String(repeating: "d", count: length)
            guard case .failure(let rejection) = validator.validate(fields: row, line: 2) else {
                Issue.record("accepted")
                return
            }
            tags.insert(rejection.tag)
            reasons.insert(rejection.reason)
        }
        #expect(tags == [.descriptionTooLong])
        #expect(reasons.count == 3, "the human text keeps its numbers")
        #expect(RowProblem.Tag.descriptionTooLong.rawValue == "description.too-long")
        #expect(RowRejection(line: 1, fields: [], problems: []).tag == .unclassified)
    }

    @Test func tagsAreDistinctAndWellFormed() {
        let raw = RowProblem.Tag.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        for tag in RowProblem.Tag.allCases where tag != .unclassified {
            #expect(tag.rawValue.wholeMatch(of: /[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*/) != nil, "\(tag)")
        }
    }

    /// The README's "reason tags" table lists every tag, and nothing else.
    @Test func readmeDocumentsEveryTag() throws {
        let readme = try String(contentsOfFile: TestFiles.path("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "Reason tags"), "README has no reason tags table")
        let table = readme[start.upperBound...].split(separator: "\n")
            .drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
        let documented = table.compactMap { line -> String? in
            guard let tag = line.firstMatch(of: /^\| `([a-z.-]+)`/) else { return nil }
            return String(tag.1)
        }
        #expect(Set(documented) == Set(RowProblem.Tag.allCases.map(\.rawValue)))
        #expect(documented.count == RowProblem.Tag.allCases.count, "each once")
    }
}
