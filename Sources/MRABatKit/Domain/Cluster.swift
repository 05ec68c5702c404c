/// A cluster's configuration: the domains, pools, models and settings a job validates against.
///
/// Loaded from a YAML file (see ``ClusterConfig/load(path:)``) into the store by `mrabat init`;
/// jobs read it back from the store.
public struct ClusterConfig: Sendable, Equatable, Codable {
    public var name: String
    /// The cluster's one MRA activation domain; it is also one of ``serviceDomains``.
    public var activationDomain: String
    /// Every MRA service domain, the activation domain included; exactly one is the default.
    public var serviceDomains: [ServiceDomain]
    public var callManagerGroups: [CallManagerGroup]
    public var devicePools: [DevicePool]
    public var models: [PhoneModel]
    public var enterprise: EnterpriseSettings
    public var expressway: ExpresswaySettings
    public var trust: TrustSettings

    public init(
        name: String, activationDomain: String, serviceDomains: [ServiceDomain],
        callManagerGroups: [CallManagerGroup], devicePools: [DevicePool], models: [PhoneModel],
        enterprise: EnterpriseSettings, expressway: ExpresswaySettings, trust: TrustSettings
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
    }

    public func serviceDomain(named name: String) -> ServiceDomain? {
        serviceDomains.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    public func devicePool(named name: String) -> DevicePool? {
        devicePools.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    public func callManagerGroup(named name: String) -> CallManagerGroup? {
        callManagerGroups.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    public func model(named name: String) -> PhoneModel? {
        models.first { $0.name == name }
    }

    /// The service domain named as the default (`IsDefault`).
    ///
    /// Loading guarantees exactly one (see ``ClusterConfig/load(path:)``); a configuration built in
    /// code without one falls back to the activation domain rather than trapping.
    public var defaultServiceDomain: ServiceDomain {
        serviceDomains.first { $0.isDefault } ?? activationServiceDomain
    }

    /// The activation domain's own entry.
    ///
    /// Loading guarantees it is one of ``serviceDomains``; otherwise it stands alone, as its own domain.
    public var activationServiceDomain: ServiceDomain {
        serviceDomains.first { $0.name == activationDomain }
            ?? ServiceDomain(name: activationDomain, domain: activationDomain, isDefault: false, srvTarget: nil)
    }

    /// A device's effective MRA service domain: its own, else its pool's, else the cluster default.
    public func effectiveServiceDomain(device: String?, pool: String) -> ServiceDomain {
        if let device, let domain = serviceDomain(named: device) { return domain }
        if let poolDomain = devicePool(named: pool)?.serviceDomain, let domain = serviceDomain(named: poolDomain) {
            return domain
        }
        return defaultServiceDomain
    }
}

/// An MRA service domain: a name and the DNS domain whose `_collab-edge._tls` SRV record leads to an Expressway-E.
public struct ServiceDomain: Sendable, Equatable, Codable {
    public var name: String
    public var domain: String
    public var isDefault: Bool
    /// The `_collab-edge._tls.<domain>` SRV target as configured, for `mrabat check`.
    public var srvTarget: String?
    public var srvPort: Int

    public init(name: String, domain: String, isDefault: Bool, srvTarget: String?, srvPort: Int = 8443) {
        self.name = name
        self.domain = domain
        self.isDefault = isDefault
        self.srvTarget = srvTarget
        self.srvPort = srvPort
    }
}

/// A Unified CM group: the call-processing nodes a phone registers to, in priority order.
public struct CallManagerGroup: Sendable, Equatable, Codable {
    public var name: String
    public var members: [CallManagerNode]

    public init(name: String, members: [CallManagerNode]) {
        self.name = name
        self.members = members
    }
}

/// One call-processing node of a ``CallManagerGroup``.
public struct CallManagerNode: Sendable, Equatable, Codable {
    public var name: String
    public var processNodeName: String
    public var sipPort: Int
    public var securedSipPort: Int

    public init(name: String, processNodeName: String, sipPort: Int = 5060, securedSipPort: Int = 5061) {
        self.name = name
        self.processNodeName = processNodeName
        self.sipPort = sipPort
        self.securedSipPort = securedSipPort
    }
}

/// A device pool: its Unified CM group and, optionally, the MRA service domain its phones use.
public struct DevicePool: Sendable, Equatable, Codable {
    public var name: String
    public var callManagerGroup: String
    public var serviceDomain: String?

    public init(name: String, callManagerGroup: String, serviceDomain: String?) {
        self.name = name
        self.callManagerGroup = callManagerGroup
        self.serviceDomain = serviceDomain
    }
}

/// Catalogue data for one supported model: line capacity and firmware load.
public struct PhoneModel: Sendable, Equatable, Codable {
    public var name: String
    public var lines: Int
    /// Capacity in enhanced line mode, where the model has one.
    public var enhancedLines: Int?
    public var loadInformation: String
    public var phoneButtonTemplate: String

    public init(name: String, lines: Int, enhancedLines: Int?, loadInformation: String, phoneButtonTemplate: String) {
        self.name = name
        self.lines = lines
        self.enhancedLines = enhancedLines
        self.loadInformation = loadInformation
        self.phoneButtonTemplate = phoneButtonTemplate
    }

    public func capacity(enhancedLineMode: Bool) -> Int {
        enhancedLineMode ? (enhancedLines ?? lines) : lines
    }
}

/// Enterprise and service parameters that matter to activation-code onboarding.
public struct EnterpriseSettings: Sendable, Equatable, Codable {
    /// *Activation Time to Live (Hours)*; Cisco's default is 168.
    public var activationTTLHours: Int
    /// Wrong proofs tolerated before a device is throttled and needs `regenerate`.
    public var maxActivationAttempts: Int
    public var oauthRefreshLoginFlow: Bool
    public var deviceActivationServiceRunning: Bool
    /// Self-Care's *Show Phones Ready to Activate*.
    public var showPhonesReadyToActivate: Bool

    public init(
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
public struct ExpresswaySettings: Sendable, Equatable, Codable {
    public var authorizeByOAuthTokenWithRefresh: Bool
    public var allowActivationCodeOnboarding: Bool

    public init(authorizeByOAuthTokenWithRefresh: Bool, allowActivationCodeOnboarding: Bool) {
        self.authorizeByOAuthTokenWithRefresh = authorizeByOAuthTokenWithRefresh
        self.allowActivationCodeOnboarding = allowActivationCodeOnboarding
    }
}

/// Certificate files the cluster trusts, as paths (resolved against the configuration file's folder).
public struct TrustSettings: Sendable, Equatable, Codable {
    public var micCAFiles: [String]
    public var phoneEdgeTrustFiles: [String]

    public init(micCAFiles: [String], phoneEdgeTrustFiles: [String]) {
        self.micCAFiles = micCAFiles
        self.phoneEdgeTrustFiles = phoneEdgeTrustFiles
    }
}
