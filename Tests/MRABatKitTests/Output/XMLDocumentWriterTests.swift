import Foundation
import FoundationXML
import Testing

@testable import MRABatKit

extension OutputXMLTests {
    /// mrabat's config writer against libxml2's `xmlTextWriter`, the independent implementation it replaced.
    @Suite("XML document writer, byte for byte against libxml2")
    struct XMLDocumentWriterTests {
        /// Text with everything either writer escapes, passes through or might get wrong.
        static let pieces = [
            "", "a", "Line 1", "<", ">", "&", "\"", "'", "\r", "\n", "\t", "&amp;", "]]>", "é", "日本", "😀", "ß", " ",
            "  two  spaces ", "\u{7F}", "\u{85}", "\u{FEFF}", "\u{FFFD}", "A&B <C>", "x\r\ny", "=",
        ]

        static func text(_ random: inout SeededRandom, maxPieces: Int = 4) -> String {
            (0..<random.int(in: 0...maxPieces)).map { _ in random.pick(pieces) }.joined()
        }

        static func config(_ random: inout SeededRandom) -> PhoneConfig {
            let members = (0..<random.int(in: 0...3)).map { index in
                CallManagerMember(
                    priority: index, name: text(&random), processNodeName: text(&random),
                    sipPort: random.int(in: 0...65535), tvsPort: random.int(in: 1...65535))
            }
            let pool = DevicePoolConfig(
                name: text(&random),
                dateTime: DateTimeGroup(
                    name: text(&random), dateTemplate: text(&random), timeZone: text(&random),
                    olsonTimeZone: random.chance(0.5) ? text(&random) : nil,
                    ntpServers: (0..<random.int(in: 0...3)).map { _ in text(&random) }),
                callManagerGroup: text(&random), members: members)
            let lines = (0..<random.int(in: 0...6)).map { offset in
                LineConfig(
                    index: offset + 1, directoryNumber: text(&random),
                    display: random.chance(0.5) ? text(&random) : nil, label: random.chance(0.5) ? text(&random) : nil,
                    contact: text(&random), maxNumCalls: random.int(in: -1...10))
            }
            return PhoneConfig(
                deviceName: "SEP001A2B3C4D5E",
                // The uuid is the one free-text attribute: libxml2 escapes attributes differently from text.
                uuid: text(&random, maxPieces: 6), devicePool: pool, lines: lines,
                externalNumberMask: random.chance(0.5) ? text(&random) : nil, loadInformation: text(&random),
                userLocale: UserLocaleConfig(
                    name: text(&random), uid: random.chance(0.5) ? random.int(in: -5...500) : nil,
                    langCode: random.chance(0.5) ? text(&random) : nil,
                    version: random.chance(0.5) ? text(&random) : nil,
                    winCharSet: random.chance(0.5) ? text(&random) : nil),
                networkLocale: random.chance(0.5)
                    ? NetworkLocaleConfig(
                        name: text(&random), uid: random.chance(0.5) ? 64 : nil, version: text(&random))
                    : nil,
                deviceSecurityMode: random.int(in: 1...3), userId: text(&random),
                redirect: random.chance(0.5)
                    ? MRARedirect(serviceDomainName: text(&random), domain: text(&random)) : nil)
        }

        static func reference(_ config: PhoneConfig) throws -> [UInt8] {
            let xml = try LibXML2ReferenceWriter(subject: config.deviceName)
            try config.writeXML(to: xml)
            return try xml.finish()
        }

        @Test("1,000 random configs render to exactly libxml2's bytes, and parse back to their text")
        func randomConfigsMatchLibXML2() throws {
            var random = SeededRandom(seed: 0x584D_4C57)
            let writer = TFTPConfigWriter()
            var escapedSomething = 0
            for round in 0..<1000 {
                let config = Self.config(&random)
                let ours = try writer.render(config)
                let theirs = try Self.reference(config)
                guard ours == theirs else {
                    let at = zip(ours, theirs).prefix { $0 == $1 }.count
                    let context = { (bytes: [UInt8]) in
                        String(decoding: bytes[max(0, at - 40)..<min(bytes.count, at + 40)], as: UTF8.self)
                            .debugDescription
                    }
                    Issue.record(
                        "round \(round): first difference at byte \(at): ours \(context(ours)), libxml2 \(context(theirs))"
                    )
                    return
                }
                #expect(VersionStamp.isValid(in: ours))
                if ours.contains(0x26) { escapedSomething += 1 }
                // A parser reads back the exact text, character references included (FoundationXML drops
                // one U+FEFF at the start of a text, as if it were a byte order mark).
                func read(_ text: String) -> String { text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text }
                let document = try XMLDocument(data: Data(ours))
                #expect(document.rootElement()?.attribute(forName: "uuid")?.stringValue == read(config.uuid))
                let userId = try document.nodes(forXPath: "/device/userId").first?.stringValue
                #expect(userId == read(config.userId), "\(userId.debugDescription) \(config.userId.debugDescription)")
            }
            #expect(escapedSomething > 500, "the random text exercises the escapes")
        }

        @Test("the committed fixtures' configs: same bytes as libxml2", arguments: [0, 1, 5])
        func fixtureConfigsMatchLibXML2(lines: Int) throws {
            for full in [false, true] {
                for redirect in [false, true] {
                    let config = OutputFixtures.config(lineCount: lines, full: full, redirect: redirect)
                    #expect(try TFTPConfigWriter().render(config) == Self.reference(config))
                }
            }
        }

        @Test("text XML cannot carry is refused in text and in attributes, naming the element")
        func controlCharactersAreRefused() throws {
            var config = OutputFixtures.config()
            config.userId = "user\u{1}"
            #expect(throws: MRABatError.self) { try TFTPConfigWriter().render(config) }
            do {
                _ = try TFTPConfigWriter().render(config)
            } catch let error as MRABatError {
                #expect(error.message.contains("<userId>"), "\(error.message)")
                #expect(error.message.contains("U+0001"), "\(error.message)")
            }
            config = OutputFixtures.config()
            config.uuid = "{\u{FFFF}}"
            #expect(throws: MRABatError.self) { try TFTPConfigWriter().render(config) }
        }
    }
}
