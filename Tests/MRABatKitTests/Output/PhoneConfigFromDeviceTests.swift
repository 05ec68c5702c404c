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
        for (offset, node) in buttons.enumerated() {
            let element = try #require(node as? XMLElement)
            let line = device.lines[offset]
            func text(_ name: String) -> String? {
                element.elements(forName: name).first?.stringValue
            }
            #expect(element.attribute(forName: "button")?.stringValue == String(line.index))
            #expect(text("name") == line.directoryNumber, "button \(line.index)")
            #expect(text("contact") == line.directoryNumber, "button \(line.index)")
            #expect(text("displayName") == line.display, "button \(line.index)")
            #expect(text("featureLabel") == line.label, "button \(line.index)")
            #expect(text("partition") == line.partition, "button \(line.index)")
        }
    }

    @Test func theDevicesOtherFieldsReachTheFile() throws {
        let bytes = try TFTPConfigWriter().render(PhoneConfig(device: Self.device(lines: 3), cluster: Self.cluster))
        let document = try XMLDocument(data: Data(bytes))
        func text(_ path: String) throws -> String? { try document.nodes(forXPath: path).first?.stringValue }
        #expect(try text("/device/@name") == "SEP001A2B3C4D5E")
        #expect(try text("/device/devicePool/name") == "DP-Frankfurt")
        #expect(try text("/device/devicePool/callManagerGroup/name") == "CMG-EU")
        #expect(try text("/device/userId") == "anna.berg")
        #expect(try text("/device/loadInformation") == "sip8845_65.14-3-1-0001-50")
        #expect(try text("/device/mraServiceDomainRedirect/name") == "EU-MRA")
    }
}
