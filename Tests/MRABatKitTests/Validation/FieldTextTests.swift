import Foundation
import Testing

@testable import MRABatKit

/// What a value may hold and how long it is: the validator, the XML writer and the schema agree.
@Suite("Field text: lengths and characters")
struct FieldTextTests {
    /// Every free-text column a config file or export carries, plus the ones it looks up.
    static let headerFields = [
        "MAC ADDRESS", "DESCRIPTION", "DEVICE TYPE", "DEVICE POOL", "OWNER USER ID", "LOCATION", "CSS",
        "DIRECTORY NUMBER 1", "DISPLAY 1", "LINE TEXT LABEL 1", "PARTITION 1",
    ]
    static let good = [
        "", "Desk", "Cisco 8845", "DP-Frankfurt", "anna.berg", "Hub_None", "CSS-EU", "4001", "Anna Berg", "Main",
        "PT-Internal",
    ]
    static let cluster: ClusterConfig = {
        do { return try ClusterConfig.load(path: TestFiles.sampleCluster) } catch { fatalError("\(error)") }
    }()

    static func template() throws -> PhoneTemplate {
        try PhoneTemplate.load(path: TestFiles.path("Templates/mra-88xx-5line.yaml"), cluster: cluster)
    }

    static func validator(template: PhoneTemplate? = nil, cluster: ClusterConfig = cluster) throws -> RowValidator {
        let header = try BATHeader(fields: headerFields, file: "phones.csv", line: 1, required: [])
        return RowValidator(
            cluster: cluster, template: try template ?? Self.template(), header: header, headerNames: headerFields)
    }

    static func rejection(_ row: [String], validator: RowValidator? = nil) throws -> RowRejection? {
        guard case .failure(let rejection) = try (validator ?? Self.validator()).validate(fields: row, line: 5) else {
            return nil
        }
        return rejection
    }

    // MARK: - Lengths

    /// `e` + U+0301: one character on screen, two Unicode scalars.
    static func accented(scalars: Int) -> String {
        String(repeating: "e\u{301}", count: scalars / 2) + (scalars % 2 == 1 ? "e" : "")
    }

    @Test func lengthCountsScalarsNotGraphemes() {
        #expect(FieldText.length("abc") == 3)
        #expect(FieldText.length("e\u{301}") == 2)
        #expect(FieldText.length("😀") == 1)
        #expect(FieldText.length("\u{1F1E9}\u{1F1EA}") == 2, "a flag is two regional indicators")
        #expect(FieldText.length(Self.accented(scalars: 129)) == 129)
        #expect(Self.accented(scalars: 129).count == 65)
    }

    /// The validator draws the line at 128 scalars, though 129 scalars here are only 65 characters
    /// on screen (and 128 × `e`+U+0301, the case first reported, are 128 on screen). The config file
    /// no longer carries the description (Unified CM's does not), so only the store and the export
    /// see it.
    @Test(arguments: [(128, true), (129, false), (256, false)])
    func descriptionLimitIsBATsLimit(scalars: Int, fits: Bool) throws {
        let description = Self.accented(scalars: scalars)
        var row = Self.good
        row[1] = description
        let rejection = try Self.rejection(row)
        #expect((rejection == nil) == fits, "\(rejection?.reason ?? "accepted")")
        if let rejection {
            #expect(rejection.tag == .descriptionTooLong)
            #expect(rejection.reason.contains("is \(scalars) characters long (Unicode code points"))
        }
    }

    @Test(arguments: [(30, true), (31, false)])
    func displayLimitIsTheSchemasLimit(scalars: Int, fits: Bool) throws {
        let display = Self.accented(scalars: scalars)
        var row = Self.good
        row[8] = display
        let rejection = try Self.rejection(row)
        #expect((rejection == nil) == fits, "\(rejection?.reason ?? "accepted")")
        #expect(rejection.map { $0.tag == .displayTooLong } ?? true)

        var config = OutputFixtures.config()
        config.lines[0].display = display
        let issues = OutputFixtures.validator.validate(try TFTPConfigWriter().render(config))
        #expect(issues.isEmpty == fits, "\(issues)")
    }

    // MARK: - Characters

    /// Each column a config file carries, with a character XML 1.0 cannot carry: rejected before
    /// anything is stored, naming the column, the value with the character spelled out, and why.
    @Test(arguments: [1, 4, 5, 6, 8, 9, 10])
    func noncharacterIsRejectedInEveryCarriedColumn(column: Int) throws {
        for (scalar, name) in [("\u{FFFE}", "U+FFFE"), ("\u{FFFF}", "U+FFFF")] {
            var row = Self.good
            row[column] = "ab" + scalar + "c"
            let rejection = try #require(try Self.rejection(row), "\(Self.headerFields[column]) with \(name)")
            let problem = try #require(rejection.problems.first { $0.tag == .noncharacter }, "\(rejection.problems)")
            #expect(problem.column == column + 1)
            #expect(problem.columnName == Self.headerFields[column])
            #expect(problem.value == "ab<\(name)>c")
            #expect(problem.reason.contains("contains \(name) (character 3), which an XML 1.0 file cannot carry"))
            #expect(rejection.reason.contains("\(Self.headerFields[column]) \"ab<\(name)>c\""))
        }
    }

    @Test(arguments: ["\u{0}", "\u{1}", "\u{8}", "\u{B}", "\u{1B}", "\u{7F}", "\u{85}", "\u{9F}", "\t", "\n", "\r"])
    func controlCharactersAreRejected(control: String) throws {
        var row = Self.good
        row[1] = "Desk" + control + "x"
        let rejection = try #require(try Self.rejection(row))
        #expect(rejection.tag == .controlCharacter)
        let name = FieldText.name(try #require(control.unicodeScalars.first))
        #expect(rejection.problems[0].value == "Desk<\(name)>x")
        #expect(rejection.problems[0].reason.contains("contains a control character (\(name), character 5)"))
    }

    @Test func charactersBesideTheForbiddenOnesAreAccepted() throws {
        var row = Self.good
        row[1] = "\u{FFFD} \u{FFEF} \u{FEFE} \u{10FFFF} \u{E000} 😀 é"
        row[4] = "ånna.bërg"
        #expect(try Self.rejection(row) == nil)
        #expect(FieldText.flaw(in: row[1]) == nil)
    }

    @Test func xmlWriterAndValidatorShareTheDefinition() {
        // What the writer refuses, the validator refuses too (it refuses more: every control).
        for text in ["a\u{1}", "\u{FFFE}", "x\u{FFFF}y", "\u{1F}"] {
            #expect(!FieldText.isXMLText(Array(text.utf8)), "\(text.debugDescription)")
            #expect(FieldText.flaw(in: text) != nil, "\(text.debugDescription)")
        }
        for text in ["a\tb", "a\nb", "a\rb", "\u{85}"] {
            #expect(FieldText.isXMLText(Array(text.utf8)), "XML carries \(text.debugDescription)")
            #expect(FieldText.flaw(in: text)?.kind == .control, "a row may not: \(text.debugDescription)")
        }
    }

    /// Lone surrogates never reach a string: each decoder stops at them with the byte offset.
    @Test(arguments: [
        ([0x61, 0x2C, 0xED, 0xA0, 0x80, 0x0A] as [UInt8], TextEncoding.utf8),
        ([0xFF, 0xFE, 0x61, 0x00, 0x00, 0xD8, 0x62, 0x00], TextEncoding.utf16LE),
        ([0xFE, 0xFF, 0x00, 0x61, 0xDC, 0x00, 0x00, 0x62], TextEncoding.utf16BE),
    ])
    func loneSurrogatesAreRefusedByTheDecoder(bytes: [UInt8], encoding: TextEncoding) throws {
        let error = try #require(csvError(bytes, chunkSize: 3, encoding: encoding))
        #expect(error.code == .encoding, "\(error)")
        #expect(error.message.contains("byte offset"), "\(error)")
    }

    // MARK: - Template and cluster values

    @Test func templateValueNoConfigCanCarryRejectsEveryRowBeforeAnythingIsStored() throws {
        var template = try Self.template()
        template.sipProfile = "SIP\u{FFFF}"
        template.lines[0].display = "Line\u{1}"
        let rejection = try #require(try Self.rejection(Self.good, validator: Self.validator(template: template)))
        let problem = try #require(rejection.problems.first { $0.tag == .templateValue })
        #expect(problem.column == nil)
        #expect(problem.reason.contains("template \"MRA multi-model five lines\""))
        #expect(problem.reason.contains("sipProfile \"SIP<U+FFFF>\" contains U+FFFF (character 4)"))
        #expect(problem.reason.contains("lines[1].display \"Line<U+0001>\" contains U+0001"))
    }

    @Test func templateValueTooLongForTheSchemaIsRejected() throws {
        var template = try Self.template()
        template.lines[0].label = Self.accented(scalars: 31)  // 16 on screen
        let rejection = try #require(try Self.rejection(Self.good, validator: Self.validator(template: template)))
        #expect(rejection.tag == .templateValue)
        #expect(rejection.reason.contains("lines[1].label"))
        #expect(rejection.reason.contains("is 31 characters long (at most 30)"))
    }

    @Test func clusterValueRejectsOnlyTheRowsThatUseIt() throws {
        var cluster = Self.cluster
        let index = try #require(cluster.callManagerGroups.firstIndex { $0.name == "CMG-EU" })
        cluster.callManagerGroups[index].members[0].processNodeName = "cucm\u{FFFE}.example"
        let validator = try Self.validator(template: Self.template(), cluster: cluster)
        // DP-Frankfurt uses CMG-EU; DP-Dallas (CMG-US) is untouched.
        let rejection = try #require(try Self.rejection(Self.good, validator: validator))
        #expect(rejection.tag == .clusterValue)
        #expect(rejection.reason.contains("cluster \"ACME-EAST\""))
        #expect(rejection.reason.contains("processNodeName \"cucm<U+FFFE>.example\" contains U+FFFE"))
        var dallas = Self.good
        dallas[3] = "DP-Dallas"
        #expect(try Self.rejection(dallas, validator: validator) == nil)
    }

    @Test func serviceDomainValueRejectsTheRowsRedirectedToIt() throws {
        var cluster = Self.cluster
        let index = try #require(cluster.serviceDomains.firstIndex { $0.name == "EU-MRA" })
        cluster.serviceDomains[index].domain = "eu\u{7}.mra.example"
        let validator = try Self.validator(template: Self.template(), cluster: cluster)
        // DP-Frankfurt's pool domain is EU-MRA.
        #expect(try Self.rejection(Self.good, validator: validator)?.tag == .clusterValue)
        var dallas = Self.good
        dallas[3] = "DP-Dallas"
        #expect(try Self.rejection(dallas, validator: validator) == nil)
    }

    @Test func visibleSpellsOutWhatCannotBeSeen() {
        #expect(FieldText.visible("plain") == "plain")
        #expect(FieldText.visible("a\u{FFFE}b\tc\u{0}") == "a<U+FFFE>b<U+0009>c<U+0000>")
        #expect(FieldText.name("😀".unicodeScalars.first ?? "x") == "U+1F600")
    }
}
