/// A cluster's configuration: the domains, pools, models and settings a job validates against.
///
/// Loaded from a YAML file (see ``ClusterConfig/load(path:)``) into the store by `mrabat init`;
/// jobs read it back from the store.
package struct ClusterConfig: Sendable, Equatable, Codable {
    package var name: String
    /// The cluster's one MRA activation domain; it is also one of ``serviceDomains``.
    package var activationDomain: String
    /// Every MRA service domain, the activation domain included; exactly one is the default.
    package var serviceDomains: [ServiceDomain]
    package var callManagerGroups: [CallManagerGroup]
    package var devicePools: [DevicePool]
    package var models: [PhoneModel]
    package var enterprise: EnterpriseSettings
    package var expressway: ExpresswaySettings
    package var trust: TrustSettings
    /// What the phones' config files carry beyond the objects above: date/time groups, locales,
    /// SIP and phone security profiles, per-line settings.
    package var phoneFile: PhoneFileSettings

    package init(
        name: String, activationDomain: String, serviceDomains: [ServiceDomain],
        callManagerGroups: [CallManagerGroup], devicePools: [DevicePool], models: [PhoneModel],
        enterprise: EnterpriseSettings, expressway: ExpresswaySettings, trust: TrustSettings,
        phoneFile: PhoneFileSettings = PhoneFileSettings()
    ) {
        self.name = name
        self.activationDomain = activationDomain
        self.serviceDomains = serviceDomains
        self.callManagerGroups = callManagerGroups
        self.devicePools = devicePools
        self.models = models
        self.enterprise = enterprise
        self.expressway = expressway
        self.trust = trust
        self.phoneFile = phoneFile
    }

    // Names are unique regardless of case (the store's columns are NOCASE). A config file per device
    // asks for its pool and domain, and Foundation's case-insensitive comparison was a third of
    // building a config (100k files): see `isSameName(as:)`.
    package func serviceDomain(named name: String) -> ServiceDomain? {
        serviceDomains.first { $0.name.isSameName(as: name) }
    }

    package func devicePool(named name: String) -> DevicePool? {
        devicePools.first { $0.name.isSameName(as: name) }
    }

    package func callManagerGroup(named name: String) -> CallManagerGroup? {
        callManagerGroups.first { $0.name.isSameName(as: name) }
    }

    package func model(named name: String) -> PhoneModel? {
        models.first { $0.name == name }
    }

    /// The service domain named as the default (`IsDefault`).
    ///
    /// Loading guarantees exactly one (see ``ClusterConfig/load(path:)``); a configuration built in
    /// code without one falls back to the activation domain rather than trapping.
    package var defaultServiceDomain: ServiceDomain {
        serviceDomains.first { $0.isDefault } ?? activationServiceDomain
    }

    /// The activation domain's own entry.
    ///
    /// Loading guarantees it is one of ``serviceDomains``; otherwise it stands alone, as its own domain.
    package var activationServiceDomain: ServiceDomain {
        serviceDomains.first { $0.name == activationDomain }
            ?? ServiceDomain(name: activationDomain, domain: activationDomain, isDefault: false, srvTarget: nil)
    }

    /// A device's effective MRA service domain: its own, else its pool's, else the cluster default.
    package func effectiveServiceDomain(device: String?, pool: String) -> ServiceDomain {
        if let device, let domain = serviceDomain(named: device) { return domain }
        if let poolDomain = devicePool(named: pool)?.serviceDomain, let domain = serviceDomain(named: poolDomain) {
            return domain
        }
        return defaultServiceDomain
    }
}

/// An MRA service domain: a name and the DNS domain whose `_collab-edge._tls` SRV record leads to an Expressway-E.
package struct ServiceDomain: Sendable, Equatable, Codable {
    package var name: String
    package var domain: String
    package var isDefault: Bool
    /// The `_collab-edge._tls.<domain>` SRV target as configured, for `mrabat check`.
    package var srvTarget: String?
    package var srvPort: Int

    package init(name: String, domain: String, isDefault: Bool, srvTarget: String?, srvPort: Int = 8443) {
        self.name = name
        self.domain = domain
        self.isDefault = isDefault
        self.srvTarget = srvTarget
        self.srvPort = srvPort
    }
}

/// A Unified CM group: the call-processing nodes a phone registers to, in priority order.
package struct CallManagerGroup: Sendable, Equatable, Codable {
    package var name: String
    package var members: [CallManagerNode]

    package init(name: String, members: [CallManagerNode]) {
        self.name = name
        self.members = members
    }
}

/// One call-processing node of a ``CallManagerGroup``.
///
/// The port defaults are Unified CM's: SIP 5060, SIP over TLS 5061, SIP OAuth 5090 (on premises)
/// and 5091 (over MRA), both since 12.5, and the Trust Verification Service on 2445.
package struct CallManagerNode: Sendable, Equatable, Codable {
    package var name: String
    package var processNodeName: String
    package var sipPort: Int
    package var securedSipPort: Int
    /// SIP OAuth port for phones on premises (Unified CM 12.5+ `sipOAuthPort`).
    package var sipOAuthPort: Int
    /// SIP OAuth port for phones over MRA (Unified CM 12.5+ `sipMRAOAuthPort`).
    package var sipMRAOAuthPort: Int
    /// The node's Trust Verification Service port (the config file's TVS list).
    package var tvsPort: Int

    package init(
        name: String, processNodeName: String, sipPort: Int = 5060, securedSipPort: Int = 5061,
        sipOAuthPort: Int = 5090, sipMRAOAuthPort: Int = 5091, tvsPort: Int = 2445
    ) {
        self.name = name
        self.processNodeName = processNodeName
        self.sipPort = sipPort
        self.securedSipPort = securedSipPort
        self.sipOAuthPort = sipOAuthPort
        self.sipMRAOAuthPort = sipMRAOAuthPort
        self.tvsPort = tvsPort
    }

    /// Decodes a stored configuration, including one saved before the OAuth and TVS ports existed.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            processNodeName: try container.decode(String.self, forKey: .processNodeName),
            sipPort: try container.decode(Int.self, forKey: .sipPort),
            securedSipPort: try container.decode(Int.self, forKey: .securedSipPort),
            sipOAuthPort: try container.decodeIfPresent(Int.self, forKey: .sipOAuthPort) ?? 5090,
            sipMRAOAuthPort: try container.decodeIfPresent(Int.self, forKey: .sipMRAOAuthPort) ?? 5091,
            tvsPort: try container.decodeIfPresent(Int.self, forKey: .tvsPort) ?? 2445)
    }
}

/// A device pool: its Unified CM group, date/time group, network locale and, optionally, the MRA
/// service domain its phones use.
package struct DevicePool: Sendable, Equatable, Codable {
    package var name: String
    package var callManagerGroup: String
    package var serviceDomain: String?
    /// Name of one of ``PhoneFileSettings/dateTimeGroups``; Unified CM's built-in group is `CMLocal`.
    package var dateTimeGroup: String
    /// Name of one of ``Locales/network``; nil uses ``Locales/defaultNetworkLocale``.
    package var networkLocale: String?

    package init(
        name: String, callManagerGroup: String, serviceDomain: String?,
        dateTimeGroup: String = DateTimeGroup.builtIn.name, networkLocale: String? = nil
    ) {
        self.name = name
        self.callManagerGroup = callManagerGroup
        self.serviceDomain = serviceDomain
        self.dateTimeGroup = dateTimeGroup
        self.networkLocale = networkLocale
    }

    /// Decodes a stored configuration, including one saved before pools named a date/time group.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            callManagerGroup: try container.decode(String.self, forKey: .callManagerGroup),
            serviceDomain: try container.decodeIfPresent(String.self, forKey: .serviceDomain),
            dateTimeGroup: try container.decodeIfPresent(String.self, forKey: .dateTimeGroup)
                ?? DateTimeGroup.builtIn.name,
            networkLocale: try container.decodeIfPresent(String.self, forKey: .networkLocale))
    }
}

/// Catalogue data for one supported model: line capacity, firmware load and per-line call limits.
package struct PhoneModel: Sendable, Equatable, Codable {
    package var name: String
    package var lines: Int
    /// Capacity in enhanced line mode, where the model has one.
    package var enhancedLines: Int?
    package var loadInformation: String
    package var phoneButtonTemplate: String
    /// *Maximum Number of Calls* of a line on this model unless the line sets its own (Unified CM: 4).
    package var maxNumCalls: Int
    /// *Busy Trigger* of a line on this model unless the line sets its own (Unified CM: 2).
    package var busyTrigger: Int

    /// Unified CM's defaults for a line on a 78xx/88xx phone.
    package static let defaultMaxNumCalls = 4
    package static let defaultBusyTrigger = 2

    package init(
        name: String, lines: Int, enhancedLines: Int?, loadInformation: String, phoneButtonTemplate: String,
        maxNumCalls: Int = PhoneModel.defaultMaxNumCalls, busyTrigger: Int = PhoneModel.defaultBusyTrigger
    ) {
        self.name = name
        self.lines = lines
        self.enhancedLines = enhancedLines
        self.loadInformation = loadInformation
        self.phoneButtonTemplate = phoneButtonTemplate
        self.maxNumCalls = maxNumCalls
        self.busyTrigger = busyTrigger
    }

    /// Decodes a stored configuration, including one saved before the call limits existed.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            lines: try container.decode(Int.self, forKey: .lines),
            enhancedLines: try container.decodeIfPresent(Int.self, forKey: .enhancedLines),
            loadInformation: try container.decode(String.self, forKey: .loadInformation),
            phoneButtonTemplate: try container.decode(String.self, forKey: .phoneButtonTemplate),
            maxNumCalls: try container.decodeIfPresent(Int.self, forKey: .maxNumCalls) ?? Self.defaultMaxNumCalls,
            busyTrigger: try container.decodeIfPresent(Int.self, forKey: .busyTrigger) ?? Self.defaultBusyTrigger)
    }

    package func capacity(enhancedLineMode: Bool) -> Int {
        enhancedLineMode ? (enhancedLines ?? lines) : lines
    }
}

/// Enterprise and service parameters that matter to activation-code onboarding.
package struct EnterpriseSettings: Sendable, Equatable, Codable {
    /// *Activation Time to Live (Hours)*; Cisco's default is 168.
    package var activationTTLHours: Int
    /// Wrong proofs tolerated before a device is throttled and needs `regenerate`.
    package var maxActivationAttempts: Int
    package var oauthRefreshLoginFlow: Bool
    package var deviceActivationServiceRunning: Bool
    /// Self-Care's *Show Phones Ready to Activate*.
    package var showPhonesReadyToActivate: Bool

    package init(
        activationTTLHours: Int = 168, maxActivationAttempts: Int = 5, oauthRefreshLoginFlow: Bool,
        deviceActivationServiceRunning: Bool, showPhonesReadyToActivate: Bool
    ) {
        self.activationTTLHours = activationTTLHours
        self.maxActivationAttempts = maxActivationAttempts
        self.oauthRefreshLoginFlow = oauthRefreshLoginFlow
        self.deviceActivationServiceRunning = deviceActivationServiceRunning
        self.showPhonesReadyToActivate = showPhonesReadyToActivate
    }
}

/// Expressway-C/E settings Cisco lists as prerequisites.
package struct ExpresswaySettings: Sendable, Equatable, Codable {
    package var authorizeByOAuthTokenWithRefresh: Bool
    package var allowActivationCodeOnboarding: Bool

    package init(authorizeByOAuthTokenWithRefresh: Bool, allowActivationCodeOnboarding: Bool) {
        self.authorizeByOAuthTokenWithRefresh = authorizeByOAuthTokenWithRefresh
        self.allowActivationCodeOnboarding = allowActivationCodeOnboarding
    }
}

/// Certificate files the cluster trusts, as paths (resolved against the configuration file's folder).
package struct TrustSettings: Sendable, Equatable, Codable {
    package var micCAFiles: [String]
    package var phoneEdgeTrustFiles: [String]

    package init(micCAFiles: [String], phoneEdgeTrustFiles: [String]) {
        self.micCAFiles = micCAFiles
        self.phoneEdgeTrustFiles = phoneEdgeTrustFiles
    }
}

extension ClusterConfig {
    /// Decodes a stored configuration, including one saved before ``phoneFile`` existed.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            activationDomain: try container.decode(String.self, forKey: .activationDomain),
            serviceDomains: try container.decode([ServiceDomain].self, forKey: .serviceDomains),
            callManagerGroups: try container.decode([CallManagerGroup].self, forKey: .callManagerGroups),
            devicePools: try container.decode([DevicePool].self, forKey: .devicePools),
            models: try container.decode([PhoneModel].self, forKey: .models),
            enterprise: try container.decode(EnterpriseSettings.self, forKey: .enterprise),
            expressway: try container.decode(ExpresswaySettings.self, forKey: .expressway),
            trust: try container.decode(TrustSettings.self, forKey: .trust),
            phoneFile: try container.decodeIfPresent(PhoneFileSettings.self, forKey: .phoneFile)
                ?? PhoneFileSettings())
    }

    /// The date/time group a device pool's phones get (the built-in `CMLocal` when the pool is unknown).
    package func dateTimeGroup(forPool pool: String) -> DateTimeGroup {
        let wanted = devicePool(named: pool)?.dateTimeGroup ?? DateTimeGroup.builtIn.name
        return phoneFile.dateTimeGroup(named: wanted) ?? DateTimeGroup.builtIn
    }
}
