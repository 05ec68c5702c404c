/// Everything one phone's TFTP configuration file (`<deviceName>.cnf.xml`) says.
///
/// A plain value: the pipeline builds one per accepted device from the template, the row and the
/// cluster configuration, and ``TFTPConfigWriter`` turns it into bytes. No field is looked up
/// later, so a config can be rendered on any task.
package struct PhoneConfig: Sendable, Hashable {
    /// `BAT` or `SEP` followed by 12 uppercase hex digits, e.g. `SEP001A2B3C4D5E`.
    package var deviceName: String
    /// Signalling protocol; always `SIP` for MRA onboarding.
    package var deviceProtocol: String
    /// Product name as CUCM spells it, e.g. `Cisco 8845`.
    package var model: String
    /// The device pool with the call-manager group the phone registers to.
    package var devicePool: DevicePoolConfig
    /// Name of the SIP profile.
    package var sipProfile: String
    package var phoneButtonTemplate: String
    package var softkeyTemplate: String
    /// Name of the phone security profile.
    package var securityProfile: String
    /// Calling search space; `nil` leaves it out of the file.
    package var css: String?
    package var location: String?
    /// The lines, in button order; each button appears once.
    package var lines: [LineConfig]
    /// Firmware load from the model catalogue; empty means "the cluster's default load".
    package var loadInformation: String
    /// User locale name, e.g. `English_United_States`.
    package var userLocale: String
    /// Owner user ID.
    package var userId: String
    package var description: String?
    /// *Requires Activation Code Onboarding*.
    package var activationCodeOnboarding: Bool
    /// *Allow Activation Code via MRA*.
    package var allowActivationCodeViaMRA: Bool
    /// The cluster's MRA activation domain, e.g. `mra.example.com`.
    package var activationDomain: String
    /// Set when the phone's effective MRA service domain is not the activation domain.
    package var redirect: MRARedirect?

    package init(
        deviceName: String, deviceProtocol: String = "SIP", model: String, devicePool: DevicePoolConfig,
        sipProfile: String, phoneButtonTemplate: String, softkeyTemplate: String, securityProfile: String,
        css: String? = nil, location: String? = nil, lines: [LineConfig], loadInformation: String = "",
        userLocale: String, userId: String, description: String? = nil, activationCodeOnboarding: Bool = true,
        allowActivationCodeViaMRA: Bool = true, activationDomain: String, redirect: MRARedirect? = nil
    ) {
        self.deviceName = deviceName
        self.deviceProtocol = deviceProtocol
        self.model = model
        self.devicePool = devicePool
        self.sipProfile = sipProfile
        self.phoneButtonTemplate = phoneButtonTemplate
        self.softkeyTemplate = softkeyTemplate
        self.securityProfile = securityProfile
        self.css = css
        self.location = location
        self.lines = lines
        self.loadInformation = loadInformation
        self.userLocale = userLocale
        self.userId = userId
        self.description = description
        self.activationCodeOnboarding = activationCodeOnboarding
        self.allowActivationCodeViaMRA = allowActivationCodeViaMRA
        self.activationDomain = activationDomain
        self.redirect = redirect
    }
}

/// A device pool as the phone sees it: its name and its call-manager group.
package struct DevicePoolConfig: Sendable, Hashable {
    package var name: String
    /// Name of the call-manager group.
    package var callManagerGroup: String
    /// The group's nodes; the phone tries them in ``CallManagerMember/priority`` order.
    package var members: [CallManagerMember]

    package init(name: String, callManagerGroup: String, members: [CallManagerMember]) {
        self.name = name
        self.callManagerGroup = callManagerGroup
        self.members = members
    }
}

/// One Unified CM node of a call-manager group.
package struct CallManagerMember: Sendable, Hashable {
    /// 0 is the primary node, as in CUCM's own files.
    package var priority: Int
    /// The server name as configured in CUCM.
    package var name: String
    /// Host name or address the phone connects to.
    package var processNodeName: String
    package var sipPort: Int
    /// SIP over TLS port.
    package var securedSipPort: Int

    package init(priority: Int, name: String, processNodeName: String, sipPort: Int = 5060, securedSipPort: Int = 5061)
    {
        self.priority = priority
        self.name = name
        self.processNodeName = processNodeName
        self.sipPort = sipPort
        self.securedSipPort = securedSipPort
    }
}

/// One line appearance: a directory number on a button.
package struct LineConfig: Sendable, Hashable {
    /// Button number, 1-based.
    package var index: Int
    /// Up to 24 of `0-9 + * # \ X`.
    package var directoryNumber: String
    /// Caller-ID display name.
    package var display: String?
    /// Text shown next to the button.
    package var label: String?
    /// Route partition of the directory number.
    package var partition: String?
    /// From the row's BAT columns (nil: the phone's default): `<maxNumCalls>`, `<busyTrigger>`,
    /// `<ringSettingIdle>`/`<ringSettingActive>` (``RingSetting/code``), the line's external mask.
    package var maxNumCalls: Int?
    package var busyTrigger: Int?
    package var ringSettingIdle: RingSetting?
    package var ringSettingActive: RingSetting?
    package var externalPhoneNumberMask: String?

    package init(
        index: Int, directoryNumber: String, display: String? = nil, label: String? = nil, partition: String? = nil,
        maxNumCalls: Int? = nil, busyTrigger: Int? = nil, ringSettingIdle: RingSetting? = nil,
        ringSettingActive: RingSetting? = nil, externalPhoneNumberMask: String? = nil
    ) {
        self.index = index
        self.directoryNumber = directoryNumber
        self.display = display
        self.label = label
        self.partition = partition
        self.maxNumCalls = maxNumCalls
        self.busyTrigger = busyTrigger
        self.ringSettingIdle = ringSettingIdle
        self.ringSettingActive = ringSettingActive
        self.externalPhoneNumberMask = externalPhoneNumberMask
    }
}

/// Where an activated phone must go when its MRA service domain is not the activation domain.
package struct MRARedirect: Sendable, Hashable {
    /// The MRA service domain's name in CUCM, e.g. `EMEA`.
    package var serviceDomainName: String
    /// Its DNS domain, e.g. `emea.mra.example.com`.
    package var domain: String

    package init(serviceDomainName: String, domain: String) {
        self.serviceDomainName = serviceDomainName
        self.domain = domain
    }
}
