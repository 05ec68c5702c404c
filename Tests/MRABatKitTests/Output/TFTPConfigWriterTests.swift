import Foundation
import FoundationXML
import Testing

@testable import MRABatKit

extension OutputXMLTests {
    @Suite("TFTP config files")
    struct TFTPConfigWriterTests {
        let writer = TFTPConfigWriter()

        struct Shape: Sendable, CustomTestStringConvertible {
            var lines: Int
            var full: Bool
            var redirect: Bool
            var testDescription: String {
                "\(lines) line(s), \(full ? "all" : "no") optional fields, redirect \(redirect)"
            }
        }

        static let shapes: [Shape] = [
            Shape(lines: 1, full: true, redirect: false), Shape(lines: 1, full: false, redirect: true),
            Shape(lines: 5, full: true, redirect: true), Shape(lines: 5, full: false, redirect: false),
            Shape(lines: 0, full: false, redirect: false),
        ]

        @Test("rendered configs are valid against Templates/device-config.xsd", arguments: shapes)
        func rendersValidDocuments(shape: Shape) throws {
            let config = OutputFixtures.config(lineCount: shape.lines, full: shape.full, redirect: shape.redirect)
            let bytes = try writer.render(config)
            let issues = OutputFixtures.validator.validate(bytes, name: "render")
            #expect(issues.isEmpty, "\(issues)")

            let text = String(decoding: bytes, as: UTF8.self)
            #expect(
                text.hasPrefix(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device xsi:type=\"axl:XIPPhone\" uuid=\"{"))
            #expect(text.hasSuffix("</device>\n"))
            #expect(VersionStamp.isValid(in: bytes))
            let document = try XMLDocument(data: Data(bytes))
            #expect(try document.nodes(forXPath: "/device/sipProfile/sipLines/line").count == shape.lines)
            #expect(try document.nodes(forXPath: "/device/mraServiceDomainRedirect").count == (shape.redirect ? 1 : 0))
            #expect(try document.nodes(forXPath: "/device/networkLocaleInfo").count == (shape.full ? 1 : 0))
            #expect(try document.nodes(forXPath: "/device/userLocale/langCode").count == (shape.full ? 1 : 0))
            // Unified CM writes both names of a line even when empty.
            #expect(try document.nodes(forXPath: "//displayName").count == shape.lines)
            let displays = try document.nodes(forXPath: "//displayName").compactMap(\.stringValue)
            #expect(displays.allSatisfy { $0.isEmpty } == !shape.full || shape.lines == 0)
            let buttons = try document.nodes(forXPath: "//line/@button").compactMap(\.stringValue)
            #expect(buttons == (0..<shape.lines).map { String($0 + 1) })
            let indexes = try document.nodes(forXPath: "//line/@lineIndex").compactMap(\.stringValue)
            #expect(indexes == buttons)
            #expect(try document.nodes(forXPath: "//line/featureID").allSatisfy { $0.stringValue == "9" })
        }

        @Test("element order is Unified CM's, with mrabat's redirect last")
        func elementOrder() throws {
            let config = OutputFixtures.config(lineCount: 2, full: true, redirect: true)
            let document = try XMLDocument(data: Data(try writer.render(config)))
            let names = document.rootElement()?.children?.compactMap(\.name) ?? []
            #expect(
                names == [
                    "fullConfig", "deviceProtocol", "devicePool", "TVS", "sipProfile", "loadInformation",
                    "versionStamp", "userLocale", "networkLocale", "networkLocaleInfo", "deviceSecurityMode",
                    "transportLayerProtocol", "userId", "ownerId", "mraServiceDomainRedirect",
                ])
            let line = try #require(try document.nodes(forXPath: "//line").first as? XMLElement)
            #expect(
                line.children?.compactMap(\.name) == [
                    "featureID", "featureLabel", "proxy", "port", "name", "displayName", "autoAnswer", "callWaiting",
                    "sharedLine", "messageWaitingLampPolicy", "ringSettingIdle", "ringSettingActive", "contact",
                    "forwardCallInfoDisplay", "maxNumCalls", "busyTrigger",
                ])
        }

        @Test("what only the server needs is not in the file")
        func serverOnlyFieldsStayOut() throws {
            let text = String(decoding: try writer.render(OutputFixtures.config(lineCount: 5)), as: UTF8.self)
            for element in [
                "<partition>", "<css>", "<location>", "<phoneButtonTemplate>", "<softkeyTemplate>",
                "<securityProfile>", "<description>", "<onboarding>", "model=", " name=",
            ] {
                #expect(!text.contains(element), "\(element)")
            }
        }

        @Test("the same config always renders the same bytes, equal to the golden file")
        func byteStable() throws {
            let config = OutputFixtures.config(lineCount: 2, full: true, redirect: true)
            let first = try writer.render(config)
            let second = try TFTPConfigWriter().render(config)
            #expect(first == second)

            let golden = OutputFixtures.fixtureDirectory.appendingPathComponent("SEP001A2B3C4D5E.cnf.xml")
            if ProcessInfo.processInfo.environment["MRABAT_UPDATE_GOLDEN"] == "1" {
                try Data(first).write(to: golden)
            }
            let expected = try [UInt8](Data(contentsOf: golden))
            #expect(first == expected, "render differs from \(golden.path)")
        }

        @Test("text is escaped by libxml2 and reads back unchanged")
        func escaping() throws {
            var config = OutputFixtures.config(lineCount: 1)
            let tricky = "A<&>\"' Ünïcødé 電話 😀"
            config.lines[0].display = tricky
            config.userId = "x]]>y & <z>"
            let bytes = try writer.render(config)
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("<displayName>A&lt;&amp;&gt;&quot;' Ünïcødé 電話 😀</displayName>"))
            #expect(text.contains("<userId>x]]&gt;y &amp; &lt;z&gt;</userId>"))
            #expect(OutputFixtures.validator.validate(bytes).isEmpty)
            let document = try XMLDocument(data: Data(bytes))
            #expect(try document.nodes(forXPath: "//displayName").first?.stringValue == tricky)
            #expect(try document.nodes(forXPath: "/device/userId").first?.stringValue == "x]]>y & <z>")
        }

        @Test(
            "a character XML cannot carry is refused, naming the device and element",
            arguments: ["user\u{1}", "a\u{1F}b", "x\u{FFFE}", "\u{FFFF}y"])
        func controlCharacterRefused(userId: String) throws {
            var config = OutputFixtures.config()
            config.userId = userId
            let error = try #require(throws: MRABatError.self) { try writer.render(config) }
            #expect(error.code == .xml)
            #expect(error.message.contains("SEP001A2B3C4D5E") && error.message.contains("<userId>"))
        }

        @Test("tab, line feed and characters next to U+FFFE are accepted")
        func allowedCharacters() throws {
            var config = OutputFixtures.config()
            config.userId = "a\tb\nc \u{FFFD} \u{FFEF} \u{10FFFF}"
            let document = try XMLDocument(data: Data(try writer.render(config)))
            #expect(try document.nodes(forXPath: "/device/userId").first?.stringValue == config.userId)
        }

        @Test("a bad value renders but is reported invalid, with its line")
        func invalidValue() throws {
            var config = OutputFixtures.config()
            config.lines[0].directoryNumber = "1000A"
            let bytes = try writer.render(config)
            let issues = OutputFixtures.validator.validate(bytes, name: "bad.cnf.xml")
            let issue = try #require(issues.first)
            let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .firstIndex { $0.contains("<name>1000A</name>") }
            #expect(issue.line == line.map { $0 + 1 })
            #expect(issue.message.contains("1000A"))
            #expect(issue.description.hasPrefix("bad.cnf.xml:\(issue.line ?? 0): "))
        }

        @Test("write puts <deviceName>.cnf.xml in the directory and nothing else")
        func writesFile() throws {
            let dir = try OutputFixtures.freshDirectory("tftp")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let config = OutputFixtures.config(name: "BAT0A1B2C3D4E5F", lineCount: 5)
            let path = try writer.write(config, toDirectory: dir)
            #expect(path == dir + "/BAT0A1B2C3D4E5F.cnf.xml")
            #expect(try OutputFixtures.contents(of: dir) == ["BAT0A1B2C3D4E5F.cnf.xml"])
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == writer.render(config))
            #expect(OutputFixtures.validator.validate(fileAt: path).isEmpty)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o644)

            // Rewriting replaces the file in place.
            var changed = config
            changed.userId = "someone-else"
            try writer.write(changed, toDirectory: dir)
            #expect(try OutputFixtures.contents(of: dir) == ["BAT0A1B2C3D4E5F.cnf.xml"])
            #expect(try String(contentsOfFile: path, encoding: .utf8).contains("<userId>someone-else</userId>"))
        }

        @Test("writing into a missing directory is an .io error naming the path")
        func missingDirectory() throws {
            let base = try OutputFixtures.freshDirectory("missing")
            defer { try? FileManager.default.removeItem(atPath: base) }
            let dir = base + "/no/such/dir"
            let error = try #require(throws: MRABatError.self) {
                try TFTPConfigWriter(durable: true).write(OutputFixtures.config(), toDirectory: dir)
            }
            #expect(error.code == .io)
            #expect(error.description.contains(dir + "/SEP001A2B3C4D5E.cnf.xml"))
            #expect(error.description.contains("does not exist"))
        }

        @Test("1,000 configs rendered and written in parallel give correct, distinct files")
        func parallel() async throws {
            let dir = try OutputFixtures.freshDirectory("parallel")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let configs = (0..<1000).map { i in
                OutputFixtures.config(
                    name: "SEP" + String(format: "%012X", 0x001A_2B00_0000 + i), lineCount: 1 + i % 5,
                    full: i % 2 == 0, redirect: i % 3 == 0, seed: 10_000 + i * 10)
            }
            let writer = self.writer
            // Bounded: one child task per chunk, each returning plain values to this collector.
            let paths = try await withThrowingTaskGroup(of: [String].self) { group in
                for chunk in stride(from: 0, to: configs.count, by: 125) {
                    let slice = Array(configs[chunk..<min(chunk + 125, configs.count)])
                    group.addTask { try slice.map { try writer.write($0, toDirectory: dir) } }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(Set(paths).count == 1000)
            #expect(try OutputFixtures.contents(of: dir).count == 1000)
            var seen = Set<[UInt8]>()
            for config in configs {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(config.deviceName).cnf.xml")))
                #expect(bytes == (try writer.render(config)), "\(config.deviceName)")
                seen.insert(bytes)
            }
            #expect(seen.count == 1000)
            // Spot-check validity of a few of them on disk.
            for config in configs.prefix(20) {
                #expect(OutputFixtures.validator.validate(fileAt: "\(dir)/\(config.deviceName).cnf.xml").isEmpty)
            }
        }
    }
}
