import Foundation

extension PhoneTemplate {
    /// Loads a phone template file (YAML; format in the README) and, when a cluster is given,
    /// checks its references against it.
    ///
    /// - Throws: ``MRABatError`` (`.template`) naming the file, line and key of the first mistake.
    package static func load(path: String, cluster: ClusterConfig? = nil) throws -> PhoneTemplate {
        do {
            return try loadChecked(path: path, cluster: cluster)
        } catch var error as MRABatError where error.code == .config {
            error.code = .template
            throw error
        }
    }

    private static func loadChecked(path: String, cluster: ClusterConfig?) throws -> PhoneTemplate {
        let root = try YAMLFile(path: path).root
        try root.checkKeys([
            "name", "model", "protocol", "devicePool", "phoneButtonTemplate", "softkeyTemplate", "securityProfile",
            "sipProfile", "css", "location", "userLocale", "requiresActivationCodeOnboarding",
            "allowActivationCodeViaMRA", "mraServiceDomain", "enhancedLineMode", "lines",
        ])
        var model = try root.optionalString("model")
        if let written = model {
            guard let canonical = SupportedModels.canonical(written) else {
                throw root.error(
                    "model",
                    "\"\(written)\" does not support activation-code onboarding over MRA"
                        + DidYouMean.hint(for: written, among: SupportedModels.names), value: written)
            }
            model = canonical
        }
        let deviceProtocol = try root.optionalString("protocol") ?? "SIP"
        guard deviceProtocol == "SIP" else {
            throw root.error(
                "protocol", "activation-code onboarding over MRA needs SIP, not \"\(deviceProtocol)\"",
                value: deviceProtocol)
        }
        let lines = try root.mappings("lines", required: true).map { entry in
            try entry.checkKeys(["partition", "display", "label"])
            let line = LineTemplate(
                partition: try entry.optionalString("partition"), display: try entry.optionalString("display"),
                label: try entry.optionalString("label"))
            if let label = line.label, label.count > 30 {
                throw entry.error("label", "is \(label.count) characters long; at most 30 are allowed", value: label)
            }
            return line
        }
        let template = PhoneTemplate(
            name: try root.string("name"), model: model, deviceProtocol: deviceProtocol,
            devicePool: try root.optionalString("devicePool"),
            phoneButtonTemplate: try root.optionalString("phoneButtonTemplate"),
            softkeyTemplate: try root.string("softkeyTemplate"), securityProfile: try root.string("securityProfile"),
            sipProfile: try root.string("sipProfile"), css: try root.optionalString("css"),
            location: try root.optionalString("location"), userLocale: try root.string("userLocale"),
            requiresActivationCodeOnboarding: try root.bool("requiresActivationCodeOnboarding"),
            allowActivationCodeViaMRA: try root.bool("allowActivationCodeViaMRA"),
            mraServiceDomain: try root.optionalString("mraServiceDomain"),
            enhancedLineMode: try root.bool("enhancedLineMode", default: false), lines: lines)

        // CUCM's name limits: 100 for templates and profiles, 50 for CSS and location.
        for (key, value, limit) in [
            ("name", template.name, 100), ("phoneButtonTemplate", template.phoneButtonTemplate, 100),
            ("softkeyTemplate", template.softkeyTemplate, 100), ("securityProfile", template.securityProfile, 100),
            ("sipProfile", template.sipProfile, 100), ("css", template.css, 50), ("location", template.location, 50),
            ("userLocale", template.userLocale, 50),
        ] {
            if let value, value.count > limit {
                throw root.error(key, "is \(value.count) characters long; at most \(limit) are allowed", value: value)
            }
        }
        guard let cluster else { return template }
        if let pool = template.devicePool, cluster.devicePool(named: pool) == nil {
            throw root.error(
                "devicePool",
                "device pool \"\(pool)\" does not exist in cluster \(cluster.name)"
                    + DidYouMean.hint(for: pool, among: cluster.devicePools.map(\.name)), value: pool)
        }
        if let domain = template.mraServiceDomain, cluster.serviceDomain(named: domain) == nil {
            throw root.error(
                "mraServiceDomain",
                "MRA service domain \"\(domain)\" does not exist in cluster \(cluster.name)"
                    + DidYouMean.hint(for: domain, among: cluster.serviceDomains.map(\.name)), value: domain)
        }
        // The config file takes these profiles' and the locale's details from the cluster file; once
        // the cluster lists any, a name it does not list is a mistake rather than a default.
        let phoneFile = cluster.phoneFile
        for (key, value, listed, kind) in [
            ("sipProfile", template.sipProfile, phoneFile.sipProfiles.map(\.name), "SIP profile"),
            (
                "securityProfile", template.securityProfile, phoneFile.securityProfiles.map(\.name),
                "phone security profile"
            ),
            ("userLocale", template.userLocale, phoneFile.locales.user.map(\.name), "user locale"),
        ] where !listed.isEmpty && !listed.contains(where: { $0.caseInsensitiveCompare(value) == .orderedSame }) {
            throw root.error(
                key,
                "\(kind) \"\(FieldText.visible(value))\" is not listed in cluster \(cluster.name)"
                    + DidYouMean.hint(for: value, among: listed), value: value)
        }
        if let model = template.model, let entry = cluster.model(named: model),
            template.lines.count > entry.capacity(enhancedLineMode: template.enhancedLineMode)
        {
            throw root.error(
                "lines",
                "lists \(template.lines.count) lines but a \(model) has \(entry.capacity(enhancedLineMode: template.enhancedLineMode))"
            )
        }
        return template
    }
}
