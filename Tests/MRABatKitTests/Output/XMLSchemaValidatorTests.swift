import Foundation
import Testing

@testable import MRABatKit

extension OutputXMLTests {
    @Suite("XML schema validation")
    struct XMLSchemaValidatorTests {
        struct Mutation: Sendable, CustomTestStringConvertible {
            var testDescription: String
            var expectedInMessage: String
            var apply: @Sendable (inout PhoneConfig) -> Void
        }

        /// Configs the schema must reject; each names a word its first error message contains.
        static let mutations: [Mutation] = [
            Mutation(testDescription: "device uuid without braces", expectedInMessage: "uuid") {
                $0.uuid = "7fe8bd6e-3d42-4ad5-1d1b-cfcb53bdc717"
            },
            Mutation(testDescription: "SCCP protocol", expectedInMessage: "deviceProtocol") {
                $0.deviceProtocol = "SCCP"
            },
            Mutation(testDescription: "date format of other letters", expectedInMessage: "dateTemplate") {
                $0.devicePool.dateTime.dateTemplate = "Q/Q/Q"
            },
            Mutation(testDescription: "port 0", expectedInMessage: "sipPort") { $0.devicePool.members[0].sipPort = 0 },
            Mutation(testDescription: "port 65536", expectedInMessage: "securedSipPort") {
                $0.devicePool.members[0].securedSipPort = 65536
            },
            Mutation(testDescription: "OAuth port 0", expectedInMessage: "sipOAuthPort") {
                $0.devicePool.members[0].sipOAuthPort = 0
            },
            Mutation(testDescription: "MRA OAuth port 70000", expectedInMessage: "sipMRAOAuthPort") {
                $0.devicePool.members[1].sipMRAOAuthPort = 70000
            },
            Mutation(testDescription: "TVS port 0", expectedInMessage: "port") { $0.devicePool.members[0].tvsPort = 0 },
            Mutation(testDescription: "SIP timer T1 of 0", expectedInMessage: "timerT1") { $0.sipStack.timerT1 = 0 },
            Mutation(testDescription: "user info of another word", expectedInMessage: "userInfo") {
                $0.sipStack.userInfo = "Everyone"
            },
            Mutation(testDescription: "button 0", expectedInMessage: "button") { $0.lines[0].index = 0 },
            Mutation(testDescription: "duplicate button", expectedInMessage: "uniqueButton") { $0.lines[1].index = 1 },
            Mutation(testDescription: "DN with a letter", expectedInMessage: "name") {
                $0.lines[0].directoryNumber = "1000A"
            },
            Mutation(testDescription: "DN of 25 digits", expectedInMessage: "name") {
                $0.lines[0].directoryNumber = String(repeating: "1", count: 25)
            },
            Mutation(testDescription: "label over 30 characters", expectedInMessage: "featureLabel") {
                $0.lines[0].label = String(repeating: "x", count: 31)
            },
            Mutation(testDescription: "contact neither a GUID nor a number", expectedInMessage: "contact") {
                $0.lines[0].contact = "{6270f0fa-80fe-b49f-7ad3-e61eb3cf9a16}"
            },
            Mutation(testDescription: "no calls allowed", expectedInMessage: "maxNumCalls") {
                $0.lines[0].maxNumCalls = 0
            },
            Mutation(testDescription: "busy trigger over 200", expectedInMessage: "busyTrigger") {
                $0.lines[1].busyTrigger = 201
            },
            Mutation(testDescription: "security mode 4", expectedInMessage: "deviceSecurityMode") {
                $0.deviceSecurityMode = 4
            },
            Mutation(testDescription: "transport 0", expectedInMessage: "transportLayerProtocol") {
                $0.transportLayerProtocol = 0
            },
            Mutation(testDescription: "load name with a space", expectedInMessage: "loadInformation") {
                $0.loadInformation = "sip88xx 14-3-1"
            },
            Mutation(testDescription: "empty user ID", expectedInMessage: "userId") { $0.userId = "" },
            Mutation(testDescription: "redirect domain with a space", expectedInMessage: "domain") {
                $0.redirect?.domain = "emea mra.example.com"
            },
            Mutation(testDescription: "four call managers", expectedInMessage: "member") {
                $0.devicePool.members += [
                    CallManagerMember(priority: 2, name: "c", processNodeName: "c"),
                    CallManagerMember(priority: 3, name: "d", processNodeName: "d"),
                ]
            },
        ]

        @Test("the schema rejects configs that break its rules", arguments: mutations)
        func rejects(mutation: Mutation) throws {
            var config = OutputFixtures.config(lineCount: 2, full: true, redirect: true)
            mutation.apply(&config)
            let bytes = try TFTPConfigWriter().render(config)
            let issues = OutputFixtures.validator.validate(bytes, name: "mutated.cnf.xml")
            let first = try #require(issues.first { $0.isError })
            #expect(first.message.contains(mutation.expectedInMessage), "\(first.message)")
            #expect((first.line ?? 0) >= 2)

            let error = try #require(throws: MRABatError.self) {
                try OutputFixtures.validator.check(bytes, name: "mutated.cnf.xml")
            }
            #expect(error.code == .xml)
            #expect(error.location?.line == first.line)
        }

        @Test("an element out of order is reported at its line")
        func outOfOrder() throws {
            let text = """
                <?xml version="1.0" encoding="UTF-8"?>
                <device xsi:type="axl:XIPPhone">
                  <deviceProtocol>SIP</deviceProtocol>
                  <fullConfig>true</fullConfig>
                </device>
                """
            let issues = OutputFixtures.validator.validate(Array(text.utf8), name: "order.xml")
            #expect(issues.first?.line == 3)
            #expect(issues.first?.message.contains("deviceProtocol") == true)
        }

        @Test("a document that is not well-formed is reported with its line, not printed")
        func notWellFormed() throws {
            let text = "<?xml version=\"1.0\"?>\n<device>\n  <userId>x</userId\n</device>\n"
            let issues = OutputFixtures.validator.validate(Array(text.utf8), name: "broken.xml")
            #expect(issues.count == 1)
            #expect(issues.first?.line == 4)
            #expect(issues.first?.description.hasPrefix("broken.xml:4: ") == true)
        }

        @Test("a file on disk is validated; a missing one is an error")
        func files() throws {
            let golden = OutputFixtures.fixtureDirectory.appendingPathComponent("SEP001A2B3C4D5E.cnf.xml").path
            #expect(OutputFixtures.validator.validate(fileAt: golden).isEmpty)
            try OutputFixtures.validator.check(fileAt: golden)
            let base = try OutputFixtures.freshDirectory("nofile")
            defer { try? FileManager.default.removeItem(atPath: base) }
            let missing = base + "/absent.cnf.xml"
            let missingIssues = OutputFixtures.validator.validate(fileAt: missing)
            #expect(missingIssues.count == 1)
            #expect(missingIssues.first?.message.contains("No such file") == true)
        }

        @Test("a missing schema is .io; a broken schema is .xml with its line")
        func badSchemas() throws {
            let dir = try OutputFixtures.freshDirectory("xsd")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let missing = try #require(throws: MRABatError.self) {
                try XMLSchemaValidator(schemaPath: dir + "/absent.xsd")
            }
            #expect(missing.code == .io)
            #expect(missing.description.contains("absent.xsd"))

            let broken = dir + "/broken.xsd"
            try """
            <?xml version="1.0"?>
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
              <xs:element name="device" type="NoSuchType"/>
            </xs:schema>
            """.write(toFile: broken, atomically: false, encoding: .utf8)
            let error = try #require(throws: MRABatError.self) { try XMLSchemaValidator(schemaPath: broken) }
            #expect(error.code == .xml)
            #expect(error.location?.line == 3)
            #expect(error.message.contains("NoSuchType"))
        }

        @Test("one validator is safe to use from many tasks")
        func concurrentValidation() async throws {
            let bytes = try TFTPConfigWriter().render(OutputFixtures.config(lineCount: 5))
            var broken = OutputFixtures.config(lineCount: 5)
            broken.lines[2].directoryNumber = "12 34"
            let bad = try TFTPConfigWriter().render(broken)
            let validator = OutputFixtures.validator
            let results = await withTaskGroup(of: (Bool, Int).self) { group in
                for i in 0..<200 {
                    group.addTask { (i % 2 == 0, validator.validate(i % 2 == 0 ? bytes : bad).count) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 200)
            #expect(results.allSatisfy { good, count in good ? count == 0 : count > 0 })
        }
    }
}
