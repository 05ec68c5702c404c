import Foundation
import Testing

@testable import MRABatKit

@Suite("Cluster configuration")
struct ClusterConfigTests {
    @Test func loadsSampleCluster() throws {
        let config = try ClusterConfig.load(path: TestFiles.sampleCluster)
        #expect(config.name == "ACME-EAST")
        #expect(config.activationDomain == "ACME-Activation")
        #expect(config.activationServiceDomain.domain == "activate.mra.acme.example")
        #expect(config.serviceDomains.count >= 3)
        #expect(config.defaultServiceDomain.name == "US-MRA")
        #expect(config.devicePools.count >= 4)
        #expect(config.models.count == 15)
        #expect(config.model(named: "Cisco 8845")?.capacity(enhancedLineMode: true) == 10)
        #expect(config.model(named: "Cisco 7861")?.lines == 16)
        #expect(config.effectiveServiceDomain(device: nil, pool: "DP-Frankfurt").name == "EU-MRA")
        #expect(config.effectiveServiceDomain(device: nil, pool: "DP-Dallas").name == "US-MRA")
        #expect(config.effectiveServiceDomain(device: "APAC-MRA", pool: "DP-Frankfurt").name == "APAC-MRA")
    }

    /// The sample with one edit applied; every mistake must be one error naming file, line and key.
    static let mistakes: [(edit: @Sendable (String) -> String, expected: String)] = [
        (
            {
                $0.replacingOccurrences(
                    of: "callManagerGroup: CMG-EU\n    serviceDomain: EU-MRA\n  - name: DP-Amsterdam",
                    with: "callManagerGroup: CMG-EU\n    serviceDomian: EU-MRA\n  - name: DP-Amsterdam")
            },
            "unknown key \"devicePools[3].serviceDomian\" (did you mean \"serviceDomain\"?)"
        ),
        (
            { $0.replacingOccurrences(of: "serviceDomain: APAC-MRA", with: "serviceDomain: APAC-MR") },
            "devicePools[5].serviceDomain: MRA service domain \"APAC-MR\" is not defined (did you mean \"APAC-MRA\"?)"
        ),
        (
            {
                $0.replacingOccurrences(
                    of: "    domain: eu.mra.acme.example", with: "    domain: eu.mra.acme.example\n    default: true")
            },
            "exactly one MRA service domain may have \"default: true\""
        ),
        (
            { $0.replacingOccurrences(of: "    default: true\n", with: "") },
            "exactly one MRA service domain must have \"default: true\" (none does)"
        ),
        (
            { $0.replacingOccurrences(of: "{ name: Cisco 7811,", with: "{ name: Cisco 7945,") },
            "\"Cisco 7945\" does not support activation-code onboarding over MRA"
        ),
        (
            { $0.replacingOccurrences(of: "activationTTLHours: 168", with: "activationTTLHours: soon") },
            "enterprise.activationTTLHours: expected a whole number, found \"soon\""
        ),
        (
            { $0.replacingOccurrences(of: "  oauthRefreshLoginFlow: true\n", with: "") },
            "enterprise.oauthRefreshLoginFlow: is required (true or false)"
        ),
        (
            { $0.replacingOccurrences(of: "callManagerGroup: CMG-APAC", with: "callManagerGroup: CMG-APAK") },
            "Unified CM group \"CMG-APAK\" is not defined (did you mean \"CMG-APAC\"?)"
        ),
        (
            { $0.replacingOccurrences(of: "domain: apac.mra.acme.example", with: "domain: apac mra") },
            "\"apac mra\" is not a DNS domain name"
        ),
        (
            { $0.replacingOccurrences(of: "  - name: DP-Singapore", with: "  - name: DP-Dallas") },
            "device pool \"DP-Dallas\" is defined twice"
        ),
        ({ $0.replacingOccurrences(of: "name: ACME-EAST", with: "name: [ACME") }, "YAML syntax error"),
    ]

    @Test(arguments: 0..<mistakes.count)
    func everyMistakeIsOneClearError(index: Int) throws {
        let original = try String(contentsOfFile: TestFiles.sampleCluster, encoding: .utf8)
        let edited = Self.mistakes[index].edit(original)
        #expect(edited != original, "the edit must apply")
        let path = try TestFiles.temporaryFile("cluster.yaml", edited)
        let error = try #require(throws: MRABatError.self) { try ClusterConfig.load(path: path) }
        #expect(error.code == .config)
        #expect(error.description.contains(Self.mistakes[index].expected), "\(error)")
        #expect(error.description.hasPrefix(path + ":"), "names the file and line: \(error)")
        #expect(error.location?.line != nil)
    }

    @Test func missingFileIsAnIOError() throws {
        let error = try #require(throws: MRABatError.self) { try ClusterConfig.load(path: "/nonexistent/cluster.yaml") }
        #expect(error.code == .io)
        #expect(error.description.contains("/nonexistent/cluster.yaml"))
    }
}

@Suite("Phone templates")
struct PhoneTemplateTests {
    @Test(arguments: ["mra-7811-1line", "mra-7841-4line", "mra-8845-1line", "mra-88xx-5line"])
    func shippedTemplatesLoad(name: String) throws {
        let cluster = try ClusterConfig.load(path: TestFiles.sampleCluster)
        let template = try PhoneTemplate.load(path: TestFiles.path("Templates/\(name).yaml"), cluster: cluster)
        #expect(template.requiresActivationCodeOnboarding && template.allowActivationCodeViaMRA)
        #expect(!template.lines.isEmpty)
    }

    static let base = """
        name: T
        model: Cisco 8845
        devicePool: DP-Dallas
        softkeyTemplate: Standard User
        securityProfile: P
        sipProfile: S
        userLocale: English_United_States
        requiresActivationCodeOnboarding: true
        allowActivationCodeViaMRA: true
        lines:
          - partition: PT
        """

    static let mistakes: [(from: String, to: String, expected: String)] = [
        (
            "devicePool: DP-Dallas", "devicePool: DP-Dalas",
            "devicePool: device pool \"DP-Dalas\" does not exist in cluster ACME-EAST (did you mean \"DP-Dallas\"?)"
        ),
        (
            "model: Cisco 8845", "model: Cisco 8945",
            "model: \"Cisco 8945\" does not support activation-code onboarding over MRA"
        ),
        ("sipProfile: S\n", "", "sipProfile: is required"),
        ("userLocale:", "userLocal:", "unknown key \"userLocal\" (did you mean \"userLocale\"?)"),
        (
            "allowActivationCodeViaMRA: true", "allowActivationCodeViaMRA: maybe",
            "expected true or false, found \"maybe\""
        ),
        ("name: T", "name: T\nprotocol: SCCP", "needs SIP, not \"SCCP\""),
        ("name: T", "name: T\nmraServiceDomain: EU", "MRA service domain \"EU\" does not exist"),
        ("name: T", "name: T\nlines:\n  - {}", "duplicated key(s) lines"),
        ("name: T", "name: T\nskin: blue", "unknown key \"skin\""),
    ]

    @Test(arguments: 0..<mistakes.count)
    func everyMistakeIsOneClearError(index: Int) throws {
        let cluster = try ClusterConfig.load(path: TestFiles.sampleCluster)
        let mistake = Self.mistakes[index]
        let text = Self.base.replacingOccurrences(of: mistake.from, with: mistake.to)
        #expect(text != Self.base)
        let path = try TestFiles.temporaryFile("template.yaml", text)
        let error = try #require(throws: MRABatError.self) { try PhoneTemplate.load(path: path, cluster: cluster) }
        #expect(error.code == .template)
        #expect(error.description.contains(mistake.expected), "\(error)")
        #expect(error.description.hasPrefix(path + ":"))
    }

    @Test func tooManyLinesForTheModel() throws {
        let cluster = try ClusterConfig.load(path: TestFiles.sampleCluster)
        let text = Self.base.replacingOccurrences(of: "model: Cisco 8845", with: "model: Cisco 7811")
            .replacingOccurrences(of: "  - partition: PT", with: "  - partition: PT\n  - partition: PT")
        let path = try TestFiles.temporaryFile("template.yaml", text)
        let error = try #require(throws: MRABatError.self) { try PhoneTemplate.load(path: path, cluster: cluster) }
        #expect(error.description.contains("lists 2 lines but a Cisco 7811 has 1"))
    }
}
