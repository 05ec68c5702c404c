import Foundation

extension ClusterConfig {
    /// Loads and checks a cluster configuration file (YAML; format in the README).
    ///
    /// - Throws: ``MRABatError`` (`.config`) naming the file, line and key of the first mistake:
    ///   unknown key, missing or mistyped value, duplicate name, dangling reference, no or several
    ///   default service domains, an unsupported model.
    package static func load(path: String) throws -> ClusterConfig {
        let file = try YAMLFile(path: path)
        let root = file.root
        try root.checkKeys([
            "name", "activationDomain", "serviceDomains", "callManagerGroups", "devicePools", "models",
            "enterprise", "expressway", "trust", "dateTimeGroups", "locales", "sipProfiles", "phoneSecurityProfiles",
            "lineSettings",
        ])
        let baseDirectory = URL(fileURLWithPath: path).deletingLastPathComponent()

        let activation = try root.mapping("activationDomain")
        var domains = [try serviceDomain(activation)]
        for entry in try root.mappings("serviceDomains", required: false) {
            let domain = try serviceDomain(entry)
            if domains.contains(where: { $0.name.caseInsensitiveCompare(domain.name) == .orderedSame }) {
                throw entry.error("name", "service domain \"\(domain.name)\" is defined twice", value: domain.name)
            }
            domains.append(domain)
        }
        let defaults = domains.filter(\.isDefault)
        if defaults.count != 1 {
            let names = defaults.map { "\"\($0.name)\"" }.joined(separator: ", ")
            throw MRABatError(
                .config,
                defaults.isEmpty
                    ? "serviceDomains: exactly one MRA service domain must have \"default: true\" (none does)"
                    : "serviceDomains: exactly one MRA service domain may have \"default: true\" (\(names) do)",
                at: root.location(of: "serviceDomains"))
        }

        var groups: [CallManagerGroup] = []
        for entry in try root.mappings("callManagerGroups", required: true) {
            try entry.checkKeys(["name", "members"])
            let name = try entry.string("name")
            if groups.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
                throw entry.error("name", "Unified CM group \"\(name)\" is defined twice", value: name)
            }
            let members = try entry.mappings("members", required: true).map { member in
                try member.checkKeys([
                    "name", "processNodeName", "sipPort", "securedSipPort", "sipOAuthPort", "sipMRAOAuthPort",
                    "tvsPort",
                ])
                let defaults = CallManagerNode(name: "", processNodeName: "")
                return CallManagerNode(
                    name: try member.string("name"),
                    processNodeName: try member.string("processNodeName"),
                    sipPort: try member.int("sipPort", range: 1...65535, default: defaults.sipPort),
                    securedSipPort: try member.int(
                        "securedSipPort", range: 1...65535, default: defaults.securedSipPort),
                    sipOAuthPort: try member.int("sipOAuthPort", range: 1...65535, default: defaults.sipOAuthPort),
                    sipMRAOAuthPort: try member.int(
                        "sipMRAOAuthPort", range: 1...65535, default: defaults.sipMRAOAuthPort),
                    tvsPort: try member.int("tvsPort", range: 1...65535, default: defaults.tvsPort))
            }
            groups.append(CallManagerGroup(name: name, members: members))
        }

        let locales = try Self.locales(try root.optionalMapping("locales"))
        let dateTimeGroups = try Self.dateTimeGroups(try root.mappings("dateTimeGroups", required: false))
        var pools: [DevicePool] = []
        for entry in try root.mappings("devicePools", required: true) {
            try entry.checkKeys(["name", "callManagerGroup", "serviceDomain", "dateTimeGroup", "networkLocale"])
            let name = try entry.string("name")
            if pools.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
                throw entry.error("name", "device pool \"\(name)\" is defined twice", value: name)
            }
            let groupName = try entry.string("callManagerGroup")
            guard let group = groups.first(where: { $0.name.caseInsensitiveCompare(groupName) == .orderedSame }) else {
                throw entry.error(
                    "callManagerGroup",
                    "Unified CM group \"\(groupName)\" is not defined\(DidYouMean.hint(for: groupName, among: groups.map(\.name)))",
                    value: groupName)
            }
            var domainName = try entry.optionalString("serviceDomain")
            if let wanted = domainName {
                guard let domain = domains.first(where: { $0.name.caseInsensitiveCompare(wanted) == .orderedSame })
                else {
                    throw entry.error(
                        "serviceDomain",
                        "MRA service domain \"\(wanted)\" is not defined\(DidYouMean.hint(for: wanted, among: domains.map(\.name)))",
                        value: wanted)
                }
                domainName = domain.name
            }
            let settings = PhoneFileSettings(dateTimeGroups: dateTimeGroups)
            let wantedGroup = try entry.optionalString("dateTimeGroup") ?? DateTimeGroup.builtIn.name
            guard let dateTime = settings.dateTimeGroup(named: wantedGroup) else {
                throw entry.error(
                    "dateTimeGroup",
                    "date/time group \"\(wantedGroup)\" is not defined"
                        + DidYouMean.hint(for: wantedGroup, among: dateTimeGroups.map(\.name)),
                    value: wantedGroup)
            }
            var networkLocale = try entry.optionalString("networkLocale")
            if let wanted = networkLocale {
                guard let known = locales.network(named: wanted) else {
                    throw entry.error(
                        "networkLocale",
                        "network locale \"\(wanted)\" is not listed under locales.network"
                            + DidYouMean.hint(for: wanted, among: locales.network.map(\.name)),
                        value: wanted)
                }
                networkLocale = known.name
            }
            pools.append(
                DevicePool(
                    name: name, callManagerGroup: group.name, serviceDomain: domainName, dateTimeGroup: dateTime.name,
                    networkLocale: networkLocale))
        }

        var models: [PhoneModel] = []
        for entry in try root.mappings("models", required: true) {
            try entry.checkKeys([
                "name", "lines", "enhancedLines", "load", "phoneButtonTemplate", "maxNumCalls", "busyTrigger",
            ])
            let written = try entry.string("name")
            guard let name = SupportedModels.canonical(written) else {
                throw entry.error(
                    "name",
                    "\"\(written)\" does not support activation-code onboarding over MRA"
                        + DidYouMean.hint(for: written, among: SupportedModels.names),
                    value: written)
            }
            if models.contains(where: { $0.name == name }) {
                throw entry.error("name", "model \"\(name)\" is listed twice", value: written)
            }
            // Unified CM allows 1–200 calls per line and a busy trigger of at most that many.
            let maxNumCalls = try entry.int("maxNumCalls", range: 1...200, default: PhoneModel.defaultMaxNumCalls)
            let busyTrigger = try entry.int(
                "busyTrigger", range: 1...200, default: min(PhoneModel.defaultBusyTrigger, maxNumCalls))
            if busyTrigger > maxNumCalls {
                throw entry.error(
                    "busyTrigger", "is \(busyTrigger) but maxNumCalls is \(maxNumCalls); it may not be more",
                    value: String(busyTrigger))
            }
            models.append(
                PhoneModel(
                    name: name, lines: try entry.int("lines", range: 1...64),
                    enhancedLines: try entry.optionalInt("enhancedLines", range: 1...64),
                    loadInformation: try entry.optionalString("load") ?? "",
                    phoneButtonTemplate: try entry.optionalString("phoneButtonTemplate") ?? "Standard \(name) SIP",
                    maxNumCalls: maxNumCalls, busyTrigger: busyTrigger))
        }

        let enterprise = try root.mapping("enterprise")
        try enterprise.checkKeys([
            "activationTTLHours", "maxActivationAttempts", "oauthRefreshLoginFlow", "deviceActivationServiceRunning",
            "showPhonesReadyToActivate",
        ])
        let expressway = try root.mapping("expressway")
        try expressway.checkKeys(["authorizeByOAuthTokenWithRefresh", "allowActivationCodeOnboarding"])
        let trust = try root.optionalMapping("trust")
        try trust?.checkKeys(["micCAs", "phoneEdgeTrust"])
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") ? file : baseDirectory.appendingPathComponent(file).standardizedFileURL.path
        }

        let phoneFile = PhoneFileSettings(
            dateTimeGroups: dateTimeGroups, locales: locales,
            sipProfiles: try Self.sipProfiles(try root.mappings("sipProfiles", required: false)),
            securityProfiles: try Self.securityProfiles(try root.mappings("phoneSecurityProfiles", required: false)),
            lineSettings: try Self.lineSettings(try root.optionalMapping("lineSettings")))

        return ClusterConfig(
            name: try root.string("name"),
            activationDomain: domains[0].name,
            serviceDomains: domains,
            callManagerGroups: groups,
            devicePools: pools,
            models: models,
            enterprise: EnterpriseSettings(
                activationTTLHours: try enterprise.int("activationTTLHours", range: 1...8760, default: 168),
                maxActivationAttempts: try enterprise.int("maxActivationAttempts", range: 1...100, default: 5),
                oauthRefreshLoginFlow: try enterprise.bool("oauthRefreshLoginFlow"),
                deviceActivationServiceRunning: try enterprise.bool("deviceActivationServiceRunning"),
                showPhonesReadyToActivate: try enterprise.bool("showPhonesReadyToActivate")),
            expressway: ExpresswaySettings(
                authorizeByOAuthTokenWithRefresh: try expressway.bool("authorizeByOAuthTokenWithRefresh"),
                allowActivationCodeOnboarding: try expressway.bool("allowActivationCodeOnboarding")),
            trust: TrustSettings(
                micCAFiles: try (trust?.strings("micCAs") ?? []).map(resolve),
                phoneEdgeTrustFiles: try (trust?.strings("phoneEdgeTrust") ?? []).map(resolve)),
            phoneFile: phoneFile)
    }

    private static func serviceDomain(_ entry: YAMLMapping) throws -> ServiceDomain {
        try entry.checkKeys(["name", "domain", "default", "srvTarget", "srvPort"])
        let domain = try entry.string("domain").lowercased()
        guard isHostName(domain) else {
            throw entry.error("domain", "\"\(domain)\" is not a DNS domain name", value: domain)
        }
        return ServiceDomain(
            name: try entry.string("name"), domain: domain, isDefault: try entry.bool("default", default: false),
            srvTarget: try entry.optionalString("srvTarget"),
            srvPort: try entry.int("srvPort", range: 1...65535, default: 8443))
    }

    /// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
    static func isHostName(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, text.utf8.count <= 253 else { return false }
        return labels.allSatisfy { label in
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-" else { return false }
            return label.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
        }
    }
}
