import Foundation
import FoundationXML
import Testing

@testable import MRABatKit

/// mrabat's config files held against the Unified CM files committed under
/// `Tests/MRABatKitTests/Fixtures/UnifiedCM` (sources in its README): the schema accepts them, and
/// wherever both have an element, mrabat's children come in Unified CM's order.
extension OutputXMLTests {
    @Suite("Unified CM captures")
    struct UnifiedCMCaptureTests {
        static let captures = ["SEP-7821-capture.cnf.xml", "SEP-7821-adapted.cnf.xml"]

        static func capture(_ name: String) -> URL {
            OutputFixtures.packageRoot.appendingPathComponent("Tests/MRABatKitTests/Fixtures/UnifiedCM/\(name)")
        }

        static let cluster: ClusterConfig = {
            do { return try ClusterConfig.load(path: TestFiles.sampleCluster) } catch { fatalError("\(error)") }
        }()

        /// A stored device of `model` in DP-Dallas with `lines` lines, as a job would store it.
        static func device(
            model: String, lines: Int, id: Int64 = 7, name: String = "SEP00AABB112233", display: String = "Reception"
        ) -> StoredDevice {
            StoredDevice(
                id: id, name: name, mac: name.hasPrefix("SEP") ? String(name.dropFirst(3)) : nil,
                attributes: DeviceAttributes(
                    model: model, devicePool: "DP-Dallas", serviceDomain: nil, ownerUserID: "jdoe",
                    description: "Front desk", location: "Hub_None", css: "CSS-US-Internal", deviceProtocol: "SIP",
                    phoneButtonTemplate: "Standard \(model) SIP", softkeyTemplate: "Standard User",
                    securityProfile: "Universal Device Template - Model-independent Security Profile",
                    sipProfile: "Standard SIP Profile For Mobile Device", userLocale: "English_United_States",
                    requiresActivationCodeOnboarding: true, allowActivationCodeViaMRA: true,
                    lines: (1...lines).map {
                        LineDraft(
                            index: $0, directoryNumber: "\\+1972555\(1000 + $0)", display: $0 == 1 ? display : nil,
                            label: "Line \($0)", partition: "PT-Internal")
                    }))
        }

        static func render(_ device: StoredDevice, cluster: ClusterConfig = cluster) throws -> [UInt8] {
            try TFTPConfigWriter().render(PhoneConfig(device: device, cluster: cluster))
        }

        @Test("each committed Unified CM file is valid against the schema", arguments: captures)
        func captureValidates(name: String) throws {
            let issues = OutputFixtures.validator.validate(fileAt: Self.capture(name).path)
            #expect(issues.filter(\.isError).isEmpty, "\(issues)")
        }

        /// The schema is open only where it lists Unified CM's elements: a name Unified CM does not
        /// write, or one of its elements out of place, still fails.
        @Test func theSchemaIsNotOpenToAnything() throws {
            let text = try String(contentsOf: Self.capture(Self.captures[0]), encoding: .utf8)
            let invented = text.replacingOccurrences(
                of: "<dadEnable>true</dadEnable>", with: "<dadEnable>true</dadEnable>\n<inventedElement/>")
            let misplaced = text.replacingOccurrences(of: "<fullConfig>true</fullConfig>\n", with: "")
                .replacingOccurrences(
                    of: "<deviceProtocol>SIP</deviceProtocol>",
                    with: "<deviceProtocol>SIP</deviceProtocol>\n<fullConfig>true</fullConfig>")
            let badPort = text.replacingOccurrences(of: "<port>2445</port>", with: "<port>two</port>")
            for (edited, word) in [(invented, "inventedElement"), (misplaced, "fullConfig"), (badPort, "port")] {
                #expect(edited != text)
                let issues = OutputFixtures.validator.validate(Array(edited.utf8), name: "edited.cnf.xml")
                #expect(issues.contains { $0.isError && $0.message.contains(word) }, "\(issues)")
            }
        }

        /// For every element path both files have, the children they share come in the same order.
        @Test("mrabat's 7821 file has Unified CM's element skeleton wherever both have an element", arguments: captures)
        func skeletonMatches(name: String) throws {
            let ours = try Skeleton(Data(Self.render(Self.device(model: "Cisco 7821", lines: 2))))
            let theirs = try Skeleton(Data(contentsOf: Self.capture(name)))
            var compared = 0
            for (path, ourChildren) in ours.children {
                guard let theirChildren = theirs.children[path] else { continue }
                let shared = Set(ourChildren).intersection(theirChildren)
                #expect(
                    ourChildren.filter(shared.contains) == theirChildren.filter(shared.contains),
                    "children of \(path)")
                compared += shared.count
            }
            #expect(compared > 60, "the files share most of their elements (\(compared))")
            // What mrabat writes that this Unified CM file has not: only the 12.5 OAuth ports, mrabat's
            // own redirect, and (in the adapted file, which lost it) ownerId.
            var expectedExtra: Set<String> = [
                "device/devicePool/callManagerGroup/members/member/callManager/ports/sipOAuthPort",
                "device/devicePool/callManagerGroup/members/member/callManager/ports/sipMRAOAuthPort",
                "device/mraServiceDomainRedirect", "device/mraServiceDomainRedirect/name",
                "device/mraServiceDomainRedirect/domain",
            ]
            if name.contains("adapted") { expectedExtra.insert("device/ownerId") }
            #expect(ours.paths.subtracting(theirs.paths) == expectedExtra)
        }

        @Test("every supported model's file, with the most lines it takes, is valid", arguments: SupportedModels.names)
        func everyModelValidates(model: String) throws {
            let entry = try #require(Self.cluster.model(named: model))
            let lines = entry.capacity(enhancedLineMode: true)
            let bytes = try Self.render(Self.device(model: model, lines: lines))
            let issues = OutputFixtures.validator.validate(bytes, name: "\(model).cnf.xml")
            #expect(issues.isEmpty, "\(issues)")
            let document = try XMLDocument(data: Data(bytes))
            #expect(try document.nodes(forXPath: "//line[featureID='9']").count == lines)
            #expect(try document.nodes(forXPath: "/device/loadInformation").first?.stringValue == entry.loadInformation)
        }

        @Test func reRenderingAnUnchangedDeviceGivesTheSameBytes() throws {
            let device = Self.device(model: "Cisco 8845", lines: 5)
            let first = try Self.render(device)
            // A fresh writer, and the cluster read again from its file: nothing carries over.
            let again = try TFTPConfigWriter().render(
                PhoneConfig(device: device, cluster: try ClusterConfig.load(path: TestFiles.sampleCluster)))
            #expect(first == again)
            // So does a cluster that went through the store's JSON.
            let stored = try JSONDecoder().decode(ClusterConfig.self, from: JSONEncoder().encode(Self.cluster))
            #expect(try Self.render(device, cluster: stored) == first)
        }

        @Test func theVersionStampChangesExactlyWhenTheFileDoes() throws {
            let device = Self.device(model: "Cisco 8845", lines: 2)
            let original = try Self.render(device)
            #expect(VersionStamp.isValid(in: original))

            var renamed = device
            renamed.lines[0].display = "Reception desk"
            let changed = try Self.render(renamed)
            #expect(VersionStamp.isValid(in: changed))
            #expect(try Self.stamp(changed) != Self.stamp(original))

            // What the file does not carry changes nothing: not a byte, so not the stamp.
            var serverOnly = device
            serverOnly.css = "CSS-Other"
            serverOnly.description = "moved to the lobby"
            serverOnly.lines[1].partition = "PT-Other"
            #expect(try Self.render(serverOnly) == original)

            // Back to the old name, back to the old stamp.
            renamed.lines[0].display = device.lines[0].display
            #expect(try Self.stamp(Self.render(renamed)) == Self.stamp(original))

            // A stamp that does not match the rest of the file is detected.
            var tampered = original
            let index = try #require(tampered.firstIndex(of: UInt8(ascii: "+")))
            tampered[index] = UInt8(ascii: "0")
            #expect(!VersionStamp.isValid(in: tampered))
        }

        @Test func theIdentifiersAreStableForADeviceAndDistinctBetweenDevices() throws {
            let bat = Self.device(model: "Cisco 8845", lines: 3, id: 99, name: "BAT0A1B2C3D4E5F")
            var activated = bat
            activated.name = "SEP00AABB112233"
            func identifiers(_ device: StoredDevice) throws -> [String] {
                let document = try XMLDocument(data: Data(try Self.render(device)))
                return try document.nodes(forXPath: "/device/@uuid | //line/contact").compactMap(\.stringValue)
            }
            let before = try identifiers(bat)
            #expect(before.count == 4)
            #expect(Set(before).count == 4)
            // Activation renames the device, its identifiers stay (Unified CM keeps its keys too).
            #expect(try identifiers(activated) == before)
            // Another device, or the same id in another cluster, gets others.
            let other = try identifiers(Self.device(model: "Cisco 8845", lines: 3, id: 100))
            #expect(Set(other).isDisjoint(with: before))
            var otherCluster = Self.cluster
            otherCluster.name = "ACME-WEST"
            let document = try XMLDocument(data: Data(try Self.render(bat, cluster: otherCluster)))
            let west = try document.nodes(forXPath: "/device/@uuid | //line/contact").compactMap(\.stringValue)
            #expect(Set(west).isDisjoint(with: before))
            // RFC 9562 version 5, variant bits 10.
            let contact = try #require(before.last)
            #expect(Array(contact)[14] == "5" && "89ab".contains(Array(contact)[19]), "\(contact)")
        }

        @Test func emptyNamesAreWrittenAsUnifiedCMWritesThem() throws {
            var device = Self.device(model: "Cisco 7821", lines: 2)
            device.lines[1].label = nil
            let text = String(decoding: try Self.render(device), as: UTF8.self)
            // Line 2 has no display name and no label: both elements are there, empty.
            #expect(text.contains("<featureLabel></featureLabel>") || text.contains("<featureLabel/>"))
            #expect(text.contains("<displayName></displayName>") || text.contains("<displayName/>"))
            #expect(OutputFixtures.validator.validate(Array(text.utf8)).isEmpty)
        }

        static func stamp(_ bytes: [UInt8]) throws -> String {
            let document = try XMLDocument(data: Data(bytes))
            return try #require(try document.nodes(forXPath: "/device/versionStamp").first?.stringValue)
        }
    }
}

/// The element skeleton of a document: every element path (`device/devicePool/name`), and for each
/// path the names of its children in first-seen order over all elements at that path.
struct Skeleton {
    var paths: Set<String> = []
    var children: [String: [String]] = [:]

    init(_ data: Data) throws {
        let document = try XMLDocument(data: data)
        guard let root = document.rootElement() else { return }
        walk(root, path: root.name ?? "")
    }

    private mutating func walk(_ element: XMLElement, path: String) {
        paths.insert(path)
        for child in element.children ?? [] {
            guard let child = child as? XMLElement, let name = child.name else { continue }
            if !(children[path] ?? []).contains(name) { children[path, default: []].append(name) }
            walk(child, path: path + "/" + name)
        }
    }
}
