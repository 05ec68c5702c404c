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
                    of: "serviceDomain: EU-MRA\n    dateTimeGroup: DTG-CET\n    networkLocale: Netherlands",
                    with: "serviceDomian: EU-MRA\n    dateTimeGroup: DTG-CET\n    networkLocale: Netherlands")
            },
            "unknown key \"devicePools[4].serviceDomian\" (did you mean \"serviceDomain\"?)"
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
        // The parts only the phones' config files use.
        (
            { $0.replacingOccurrences(of: "dateTimeGroup: DTG-CET", with: "dateTimeGroup: DTG-CTE") },
            "devicePools[3].dateTimeGroup: date/time group \"DTG-CTE\" is not defined (did you mean \"DTG-CET\"?)"
        ),
        (
            { $0.replacingOccurrences(of: "dateTemplate: D.M.Y\n", with: "dateTemplate: D.M.Q\n") },
            "dateTimeGroups[3].dateTemplate: \"D.M.Q\" is not a Unified CM date format"
        ),
        (
            {
                $0.replacingOccurrences(of: "ntpServers: [ntp-eu.acme.example]", with: "ntpServers: [a, b, c, d, e, f]")
            },
            "dateTimeGroups[3].ntpServers: lists 6 servers; a date/time group takes at most 5"
        ),
        (
            { $0.replacingOccurrences(of: "  - name: DTG-Eastern", with: "  - name: DTG-Central") },
            "date/time group \"DTG-Central\" is defined twice"
        ),
        (
            { $0.replacingOccurrences(of: "networkLocale: Germany", with: "networkLocale: Germnay") },
            "devicePools[3].networkLocale: network locale \"Germnay\" is not listed under locales.network (did you mean \"Germany\"?)"
        ),
        (
            { $0.replacingOccurrences(of: "defaultNetworkLocale: United_States", with: "defaultNetworkLocale: USA") },
            "locales.defaultNetworkLocale: network locale \"USA\" is not listed under locales.network"
        ),
        (
            { $0.replacingOccurrences(of: "langCode: en_GB }", with: "langCode: en_GB, charset: utf-8 }") },
            "unknown key \"locales.user[2].charset\""
        ),
        (
            {
                $0.replacingOccurrences(
                    of: "maxNumCalls: 4, busyTrigger: 2 }", with: "maxNumCalls: 4, busyTrigger: 5 }")
            },
            "models[1].busyTrigger: is 5 but maxNumCalls is 4; it may not be more"
        ),
        (
            {
                $0.replacingOccurrences(
                    of: "maxNumCalls: 4, busyTrigger: 2 }", with: "maxNumCalls: 0, busyTrigger: 2 }")
            },
            "models[1].maxNumCalls: 0 is out of range 1–200"
        ),
        (
            {
                $0.replacingOccurrences(of: "        sipMRAOAuthPort: 5091\n", with: "        sipMRAOAuthPort: 95091\n")
            },
            "callManagerGroups[1].members[1].sipMRAOAuthPort: 95091 is out of range 1–65535"
        ),
        (
            { $0.replacingOccurrences(of: "    timerRegisterExpires: 720", with: "    userInfo: Everybody") },
            "sipProfiles[1].userInfo: is \"Everybody\"; Unified CM takes None, Phone or IP"
        ),
        (
            { $0.replacingOccurrences(of: "    timerRegisterExpires: 720", with: "    timerT1: 50") },
            "sipProfiles[1].timerT1: 50 is out of range 100–1000"
        ),
        (
            {
                $0.replacingOccurrences(
                    of: "Cisco 8845 - Standard SIP Non-Secure Profile, deviceSecurityMode: 1",
                    with: "Cisco 8845 - Standard SIP Non-Secure Profile, deviceSecurityMode: 4")
            },
            "phoneSecurityProfiles[2].deviceSecurityMode: 4 is out of range 1–3"
        ),
        (
            { $0.replacingOccurrences(of: "  ringSettingIdle: 4", with: "  ringSettingIdle: 9") },
            "lineSettings.ringSettingIdle: 9 is out of range 1–6"
        ),
    ]

    /// What the phones' files take from the cluster file: each part as written in the sample, and
    /// Unified CM's defaults where it is silent.
    @Test func loadsThePhoneFileParts() throws {
        let config = try ClusterConfig.load(path: TestFiles.sampleCluster)
        let node = try #require(config.callManagerGroup(named: "CMG-EU")?.members.first)
        #expect(
            [node.sipPort, node.securedSipPort, node.sipOAuthPort, node.sipMRAOAuthPort, node.tvsPort] as [Int]
                == [5060, 5061, 5090, 5091, 2445])
        #expect(config.devicePool(named: "DP-Amsterdam")?.dateTimeGroup == "DTG-CET")
        #expect(config.devicePool(named: "DP-Amsterdam")?.networkLocale == "Netherlands")
        #expect(config.dateTimeGroup(forPool: "DP-Singapore").olsonTimeZone == "Asia/Singapore")
        #expect(config.dateTimeGroup(forPool: "DP-NewYork").ntpServers == ["ntp1.acme.example", "ntp2.acme.example"])
        #expect(config.dateTimeGroup(forPool: "no such pool") == DateTimeGroup.builtIn)
        let files = config.phoneFile
        #expect(files.locales.version == "12.5.0.0(1)")
        #expect(
            files.locales.user(named: "english_united_states")
                == UserLocale(name: "English_United_States", uid: 1, langCode: "en_US"))
        #expect(files.locales.network(named: "Germany")?.uid == nil)
        #expect(files.locales.defaultNetworkLocale == "United_States")
        var mobile = SIPStack.standard
        mobile.timerRegisterExpires = 720
        #expect(files.sipStack(profile: "Standard SIP Profile For Mobile Device") == mobile)
        #expect(files.sipStack(profile: "Some Other Profile") == .standard)
        #expect(
            files.securityProfile(named: "Cisco 7811 - Standard SIP Non-Secure Profile").transportLayerProtocol == 4)
        #expect(files.securityProfile(named: "unlisted") == .nonSecure(name: "unlisted"))
        #expect(files.lineSettings == LineSettings())
        #expect(config.model(named: "Cisco 7811").map { [$0.maxNumCalls, $0.busyTrigger] } == [4, 2])
    }

    /// A cluster file written before these parts existed still loads, with Unified CM's defaults.
    @Test func aClusterFileWithoutThemLoads() throws {
        let text = """
            name: OLD
            activationDomain: { name: A, domain: a.example.com }
            callManagerGroups:
              - { name: G, members: [{ name: n1, processNodeName: n1.example.com }] }
            devicePools:
              - { name: P, callManagerGroup: G }
            models:
              - { name: Cisco 8845, lines: 5 }
            enterprise: { oauthRefreshLoginFlow: true, deviceActivationServiceRunning: true, showPhonesReadyToActivate: true }
            expressway: { authorizeByOAuthTokenWithRefresh: true, allowActivationCodeOnboarding: true }
            """
        let text2 = text.replacingOccurrences(of: "name: A, domain", with: "name: A, default: true, domain")
        let config = try ClusterConfig.load(path: try TestFiles.temporaryFile("old.yaml", text2))
        #expect(config.phoneFile == PhoneFileSettings())
        #expect(config.devicePool(named: "P")?.dateTimeGroup == "CMLocal")
        #expect(config.dateTimeGroup(forPool: "P") == .builtIn)
        #expect(config.callManagerGroups[0].members[0].tvsPort == 2445)
        #expect(config.model(named: "Cisco 8845")?.maxNumCalls == 4)
    }

    /// The store keeps the configuration as JSON; one saved before these fields existed decodes.
    @Test func storedJSONWithoutTheNewFieldsDecodes() throws {
        let config = try ClusterConfig.load(path: TestFiles.sampleCluster)
        var json = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any])
        json["phoneFile"] = nil
        json["devicePools"] = (json["devicePools"] as? [[String: Any]])?.map { pool in
            pool.filter { !["dateTimeGroup", "networkLocale"].contains($0.key) }
        }
        json["models"] = (json["models"] as? [[String: Any]])?.map { model in
            model.filter { !["maxNumCalls", "busyTrigger"].contains($0.key) }
        }
        json["callManagerGroups"] = (json["callManagerGroups"] as? [[String: Any]])?.map { group in
            var group = group
            group["members"] = (group["members"] as? [[String: Any]])?.map { node in
                node.filter { !["sipOAuthPort", "sipMRAOAuthPort", "tvsPort"].contains($0.key) }
            }
            return group
        }
        let old = try JSONSerialization.data(withJSONObject: json)
        let decoded = try JSONDecoder().decode(ClusterConfig.self, from: old)
        #expect(decoded.phoneFile == PhoneFileSettings())
        #expect(decoded.devicePools.allSatisfy { $0.dateTimeGroup == "CMLocal" && $0.networkLocale == nil })
        #expect(decoded.models.allSatisfy { $0.maxNumCalls == 4 && $0.busyTrigger == 2 })
        #expect(decoded.callManagerGroups.flatMap(\.members).allSatisfy { $0.sipMRAOAuthPort == 5091 })
        // And what is there survives a round trip.
        #expect(try JSONDecoder().decode(ClusterConfig.self, from: JSONEncoder().encode(config)) == config)
    }

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
        securityProfile: Universal Device Template - Model-independent Security Profile
        sipProfile: Standard SIP Profile For Mobile Device
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
        ("sipProfile: Standard SIP Profile For Mobile Device\n", "", "sipProfile: is required"),
        ("userLocale:", "userLocal:", "unknown key \"userLocal\" (did you mean \"userLocale\"?)"),
        (
            "allowActivationCodeViaMRA: true", "allowActivationCodeViaMRA: maybe",
            "expected true or false, found \"maybe\""
        ),
        ("name: T", "name: T\nprotocol: SCCP", "needs SIP, not \"SCCP\""),
        ("name: T", "name: T\nmraServiceDomain: EU", "MRA service domain \"EU\" does not exist"),
        ("name: T", "name: T\nlines:\n  - {}", "duplicated key(s) lines"),
        ("name: T", "name: T\nskin: blue", "unknown key \"skin\""),
        // The sample cluster lists its SIP and security profiles and locales: a template must name one.
        (
            "sipProfile: Standard SIP Profile For Mobile Device", "sipProfile: Standard SIP Profile For Mobil Device",
            "sipProfile: SIP profile \"Standard SIP Profile For Mobil Device\" is not listed in cluster ACME-EAST (did you mean \"Standard SIP Profile For Mobile Device\"?)"
        ),
        (
            "securityProfile: Universal Device Template - Model-independent Security Profile",
            "securityProfile: Cisco 8845 - Standard SIP Secure Profile",
            "securityProfile: phone security profile \"Cisco 8845 - Standard SIP Secure Profile\" is not listed"
        ),
        (
            "userLocale: English_United_States", "userLocale: French_France",
            "userLocale: user locale \"French_France\" is not listed in cluster ACME-EAST"
        ),
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
