import Foundation
import Testing

@testable import MRABatKit

/// Groups the output tests so that `swift test --filter XML` selects all of them.
enum OutputXMLTests {}

/// Paths and sample values shared by the output tests.
enum OutputFixtures {
    /// The package root, found from this file's location (Tests/MRABatKitTests/Output/…).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var schemaPath: String { packageRoot.appendingPathComponent("Templates/device-config.xsd").path }

    static var fixtureDirectory: URL {
        packageRoot.appendingPathComponent("Tests/MRABatKitTests/Fixtures/Output")
    }

    /// One validator for all tests: compiling the schema is the costly part.
    static let validator: XMLSchemaValidator = {
        do { return try XMLSchemaValidator(schemaPath: schemaPath) } catch { fatalError("\(error)") }
    }()

    static let pool = DevicePoolConfig(
        name: "DP-Dallas",
        dateTime: DateTimeGroup(
            name: "DTG-Central", dateTemplate: "M/D/YA", timeZone: "Central Standard/Daylight Time",
            olsonTimeZone: "America/Chicago", ntpServers: ["ntp1.example.com", "10.1.2.10"]),
        callManagerGroup: "CMG-Dallas",
        members: [
            CallManagerMember(priority: 0, name: "cucm-sub1", processNodeName: "cucm-sub1.example.com"),
            CallManagerMember(
                priority: 1, name: "cucm-sub2", processNodeName: "10.1.2.3", sipPort: 5060, securedSipPort: 5061),
        ])

    /// A config with `lineCount` lines; `full` fills every optional field.
    static func config(
        name: String = "SEP001A2B3C4D5E", lineCount: Int = 1, full: Bool = true, redirect: Bool = false,
        seed: Int = 1000
    ) -> PhoneConfig {
        PhoneConfig(
            deviceName: name,
            uuid: PhoneConfigIdentity.deviceUUID(cluster: "TEST", deviceID: Int64(seed)), devicePool: pool,
            lines: (0..<lineCount).map { offset in
                let button = offset + 1
                return LineConfig(
                    index: button, directoryNumber: "+1972555\(seed + button)",
                    display: full ? "User \(seed) line \(button)" : nil, label: full ? "Ext \(seed + button)" : nil,
                    contact: PhoneConfigIdentity.lineContact(cluster: "TEST", deviceID: Int64(seed), button: button))
            },
            loadInformation: full ? "sip8845_65.14-4-1-0001-1" : "",
            userLocale: full
                ? UserLocaleConfig(
                    name: "English_United_States", uid: 1, langCode: "en_US", version: "12.5.0.0(1)",
                    winCharSet: "iso-8859-1")
                : UserLocaleConfig(name: "English_United_States"),
            networkLocale: full ? NetworkLocaleConfig(name: "United_States", uid: 64, version: "12.5.0.0(1)") : nil,
            userId: "user\(seed)",
            redirect: redirect ? MRARedirect(serviceDomainName: "EMEA", domain: "emea.mra.example.com") : nil)
    }

    /// A new, empty, uniquely named directory (never a just-deleted one: see the measurement notes).
    static func freshDirectory(_ label: String = "out") throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mrabat-test-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        return base.path
    }

    static func contents(of directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }
}
