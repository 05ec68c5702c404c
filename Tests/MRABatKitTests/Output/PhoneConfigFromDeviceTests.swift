import Foundation
import FoundationXML
import Testing

@testable import MRABatKit

/// The path from a stored device to its config file, line by line: each `<line button="n">`
/// carries line n's number, display name, label and partition, and nothing of another line.
@Suite("Config file of a stored device")
struct PhoneConfigFromDeviceTests {
    static let cluster: ClusterConfig = {
        do { return try ClusterConfig.load(path: TestFiles.sampleCluster) } catch { fatalError("\(error)") }
    }()

    /// A stored 8845 with `count` lines, every field distinct per line; line 2's label is left to
    /// none, so an element missing in the right place cannot be filled from a neighbour.
    static func device(lines count: Int) -> StoredDevice {
        let lines = (1...count).map { n in
            LineDraft(
                index: n, directoryNumber: "\\+1972555\(4000 + n * 11)", display: "Display of line \(n)",
                label: n == 2 ? nil : "Label \(n)", partition: "PT-Line\(n)")
        }
        return StoredDevice(
            id: 42, name: "SEP001A2B3C4D5E", mac: "001A2B3C4D5E",
            attributes: DeviceAttributes(
                model: "Cisco 8845", devicePool: "DP-Frankfurt", serviceDomain: nil, ownerUserID: "anna.berg",
                description: "Desk", location: "Hub_None", css: "CSS-EU", deviceProtocol: "SIP",
                phoneButtonTemplate: "Standard 8845 SIP", softkeyTemplate: "Standard User",
                securityProfile: "Cisco 8845 - Standard SIP Secure Profile", sipProfile: "Standard SIP Profile",
                userLocale: "English_United_States", requiresActivationCodeOnboarding: true,
                allowActivationCodeViaMRA: true, lines: lines))
    }

    @Test(arguments: [3, 4, 5])
    func eachButtonCarriesItsOwnLine(count: Int) throws {
        let device = Self.device(lines: count)
        let bytes = try TFTPConfigWriter().render(PhoneConfig(device: device, cluster: Self.cluster))
        #expect(OutputFixtures.validator.validate(bytes).isEmpty)
        let document = try XMLDocument(data: Data(bytes))
        let buttons = try document.nodes(forXPath: "/device/sipProfile/sipLines/line")
        #expect(buttons.count == count)
        var contacts = Set<String>()
        for (offset, node) in buttons.enumerated() {
            let element = try #require(node as? XMLElement)
            let line = device.lines[offset]
            func text(_ name: String) -> String? {
                element.elements(forName: name).first?.stringValue
            }
            #expect(element.attribute(forName: "button")?.stringValue == String(line.index))
            #expect(element.attribute(forName: "lineIndex")?.stringValue == String(line.index))
            #expect(text("featureID") == "9", "button \(line.index)")
            #expect(text("name") == line.directoryNumber, "button \(line.index)")
            #expect(text("displayName") == line.display, "button \(line.index)")
            #expect(text("featureLabel") == (line.label ?? ""), "button \(line.index)")
            #expect(text("proxy") == "USECALLMANAGER")
            // The 8845's catalogue limits, as the sample cluster gives them (no per-line values here).
            #expect(text("maxNumCalls") == "4" && text("busyTrigger") == "2", "button \(line.index)")
            // Unified CM's per-line GUID, not the number, and the partition stays in the store.
            let contact = try #require(text("contact"))
            #expect(
                contact
                    == PhoneConfigIdentity.lineContact(
                        cluster: Self.cluster.name, deviceID: device.id, button: line.index))
            contacts.insert(contact)
            #expect(element.elements(forName: "partition").isEmpty)
        }
        #expect(contacts.count == count, "each line has its own contact")
    }

    /// A row's own call limits and ring settings (BAT `MAXIMUM NUMBER OF CALLS n`, `BUSY TRIGGER n`,
    /// `RING SETTING (PHONE IDLE|ACTIVE) n`) replace the catalogue's and the cluster's on that line only.
    @Test func aLinesOwnCallLimitsAndRingSettingsReachOnlyThatLine() throws {
        var device = Self.device(lines: 2)
        device.attributes.lines[1].maxNumCalls = 6
        device.attributes.lines[1].busyTrigger = 3
        device.attributes.lines[1].ringSettingIdle = .flashOnly
        device.attributes.lines[1].ringSettingActive = .disable
        device.attributes.lines[0].externalPhoneNumberMask = "+4969555XXXX"
        device.attributes.lines[1].externalPhoneNumberMask = "+4969666XXXX"
        let bytes = try TFTPConfigWriter().render(PhoneConfig(device: device, cluster: Self.cluster))
        #expect(OutputFixtures.validator.validate(bytes).isEmpty)
        let document = try XMLDocument(data: Data(bytes))
        func text(_ button: Int, _ name: String) throws -> String? {
            try document.nodes(forXPath: "/device/sipProfile/sipLines/line[@button='\(button)']/\(name)").first?
                .stringValue
        }
        #expect(try text(2, "maxNumCalls") == "6" && text(2, "busyTrigger") == "3")
        #expect(try text(2, "ringSettingIdle") == "2" && text(2, "ringSettingActive") == "1")
        // One mask per phone, after the lines, as Unified CM writes it: the lowest line's.
        #expect(
            try document.nodes(forXPath: "/device/sipProfile/externalNumberMask").map(\.stringValue) == ["+4969555XXXX"]
        )
        let defaults = Self.cluster.phoneFile.lineSettings
        #expect(try text(1, "maxNumCalls") == "4" && text(1, "busyTrigger") == "2")
        #expect(try text(1, "ringSettingIdle") == String(defaults.ringSettingIdle))
        #expect(try text(1, "ringSettingActive") == String(defaults.ringSettingActive))
    }

    @Test func theDevicesAndClustersFieldsReachTheFile() throws {
        let device = Self.device(lines: 3)
        let bytes = try TFTPConfigWriter().render(PhoneConfig(device: device, cluster: Self.cluster))
        let document = try XMLDocument(data: Data(bytes))
        func text(_ path: String) throws -> String? { try document.nodes(forXPath: path).first?.stringValue }
        func texts(_ path: String) throws -> [String] { try document.nodes(forXPath: path).compactMap(\.stringValue) }
        #expect(try text("/device/@uuid") == PhoneConfigIdentity.deviceUUID(cluster: "ACME-EAST", deviceID: 42))
        #expect(try text("/device/devicePool/name") == "DP-Frankfurt")
        // DP-Frankfurt's date/time group and network locale, from SampleData/cluster.yaml.
        #expect(try text("/device/devicePool/dateTimeSetting/name") == "DTG-CET")
        #expect(try text("/device/devicePool/dateTimeSetting/dateTemplate") == "D.M.Y")
        #expect(try text("/device/devicePool/dateTimeSetting/olsonTimeZone") == "Europe/Berlin")
        #expect(try texts("/device/devicePool/dateTimeSetting/ntps/ntp/name") == ["ntp-eu.acme.example"])
        #expect(try text("/device/devicePool/callManagerGroup/name") == "CMG-EU")
        #expect(
            try texts("/device/devicePool/callManagerGroup/members/member/callManager/processNodeName") == [
                "cucm-fra-sub1.acme.example", "cucm-ams-sub1.acme.example",
            ])
        #expect(try texts("//callManager/ports/sipOAuthPort") == ["5090", "5090"])
        #expect(try texts("//callManager/ports/sipMRAOAuthPort") == ["5091", "5091"])
        #expect(try texts("/device/TVS/members/member/port") == ["2445", "2445"])
        #expect(
            try texts("/device/TVS/members/member/address") == [
                "cucm-fra-sub1.acme.example", "cucm-ams-sub1.acme.example",
            ])
        // The device's SIP profile is not listed in the sample cluster: Unified CM's standard stack.
        #expect(try text("/device/sipProfile/sipStack/timerRegisterExpires") == "3600")
        #expect(try text("/device/loadInformation") == "sip8845_65.14-3-1-0001-50")
        #expect(try text("/device/userLocale/langCode") == "en_US")
        #expect(try text("/device/userLocale/version") == "12.5.0.0(1)")
        #expect(try text("/device/networkLocale") == "Germany")
        #expect(try text("/device/networkLocaleInfo/uid") == nil, "no uid is configured for Germany")
        #expect(try text("/device/deviceSecurityMode") == "1")
        #expect(try text("/device/transportLayerProtocol") == "4")
        #expect(try text("/device/userId") == "anna.berg")
        #expect(try text("/device/ownerId") == "anna.berg")
        #expect(try text("/device/mraServiceDomainRedirect/name") == "EU-MRA")
        #expect(try text("/device/mraServiceDomainRedirect/domain") == "eu.mra.acme.example")
        // Neither the device's name nor what only the server needs is in the file.
        let xml = String(decoding: bytes, as: UTF8.self)
        for absent in [
            "SEP001A2B3C4D5E", "CSS-EU", "Hub_None", "Desk", "PT-Line1", "Standard 8845 SIP", "Secure Profile",
        ] {
            #expect(!xml.contains(absent), "\(absent)")
        }
    }

    @Test func listedProfilesAndPerLineLimitsComeFromTheirData() throws {
        var device = Self.device(lines: 2)
        device.sipProfile = "Standard SIP Profile For Mobile Device"
        device.securityProfile = "Cisco 8845 - Standard SIP Non-Secure Profile"
        device.userLocale = "English_United_Kingdom"
        device.lines[1].maxNumCalls = 6
        device.lines[1].busyTrigger = 3
        var cluster = Self.cluster
        cluster.phoneFile.securityProfiles[1].transportLayerProtocol = 2
        cluster.phoneFile.lineSettings.ringSettingIdle = 1
        let bytes = try TFTPConfigWriter().render(PhoneConfig(device: device, cluster: cluster))
        #expect(OutputFixtures.validator.validate(bytes).isEmpty)
        let document = try XMLDocument(data: Data(bytes))
        func texts(_ path: String) throws -> [String] { try document.nodes(forXPath: path).compactMap(\.stringValue) }
        #expect(try texts("/device/sipProfile/sipStack/timerRegisterExpires") == ["720"])
        #expect(try texts("/device/transportLayerProtocol") == ["2"])
        #expect(try texts("/device/userLocale/langCode") == ["en_GB"])
        #expect(try texts("/device/userLocale/uid").isEmpty, "no uid is configured for English_United_Kingdom")
        #expect(try texts("//line/maxNumCalls") == ["4", "6"])
        #expect(try texts("//line/busyTrigger") == ["2", "3"])
        #expect(try texts("//line/ringSettingIdle") == ["1", "1"])
    }
}
