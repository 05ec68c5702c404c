/// Everything one phone's TFTP configuration file (`<deviceName>.cnf.xml`) says, in Unified CM's terms.
///
/// A plain value: ``PhoneConfig/init(device:cluster:)`` resolves a stored device against the
/// cluster configuration, and ``TFTPConfigWriter`` turns it into bytes. What only the server needs
/// (partitions, CSS, location, button and softkey templates, the security profile's name, the
/// description, the onboarding flags) is not here: it stays in the store, as in Unified CM.
package struct PhoneConfig: Sendable, Hashable {
    /// `BAT` or `SEP` followed by 12 uppercase hex digits, e.g. `SEP001A2B3C4D5E`; the file's name.
    package var deviceName: String
    /// The `uuid` attribute of `<device>`, `{…}` as Unified CM writes it; stable for the device
    /// (see ``PhoneConfigIdentity``).
    package var uuid: String
    /// Signalling protocol; always `SIP` for MRA onboarding.
    package var deviceProtocol: String
    /// The device pool with its date/time group and call-manager group.
    package var devicePool: DevicePoolConfig
    /// The SIP profile's `<sipStack>` timers.
    package var sipStack: SIPStack
    /// The lines, in button order; each button appears once.
    package var lines: [LineConfig]
    /// `<externalNumberMask>`, after the lines (where a Unified CM 12.5 capture has it, one per phone): the
    /// lowest line's `EXTERNAL PHONE NUMBER MASK n`; nil writes none.
    package var externalNumberMask: String?
    /// Firmware load from the model catalogue; empty means "the cluster's default load".
    package var loadInformation: String
    package var userLocale: UserLocaleConfig
    package var networkLocale: NetworkLocaleConfig?
    /// 1 non-secure, 2 authenticated, 3 encrypted (from the phone security profile).
    package var deviceSecurityMode: Int
    /// Unified CM's `transportLayerProtocol` (from the phone security profile).
    package var transportLayerProtocol: Int
    /// Owner user ID, written as `<userId>` and `<ownerId>`.
    package var userId: String
    /// Set when the phone's effective MRA service domain is not the activation domain.
    package var redirect: MRARedirect?

    package init(
        deviceName: String, uuid: String, deviceProtocol: String = "SIP",
        devicePool: DevicePoolConfig, sipStack: SIPStack = .standard, lines: [LineConfig],
        externalNumberMask: String? = nil,
        loadInformation: String = "",
        userLocale: UserLocaleConfig, networkLocale: NetworkLocaleConfig? = nil, deviceSecurityMode: Int = 1,
        transportLayerProtocol: Int = 4, userId: String, redirect: MRARedirect? = nil
    ) {
        self.deviceName = deviceName
        self.uuid = uuid
        self.deviceProtocol = deviceProtocol
        self.devicePool = devicePool
        self.sipStack = sipStack
        self.lines = lines
        self.externalNumberMask = externalNumberMask
        self.loadInformation = loadInformation
        self.userLocale = userLocale
        self.networkLocale = networkLocale
        self.deviceSecurityMode = deviceSecurityMode
        self.transportLayerProtocol = transportLayerProtocol
        self.userId = userId
        self.redirect = redirect
    }

    /// The SIP port lines and proxies name: the primary node's, as Unified CM writes it.
    package var sipPort: Int { devicePool.members.first?.sipPort ?? 5060 }
}

/// A device pool as the phone sees it.
package struct DevicePoolConfig: Sendable, Hashable {
    package var name: String
    package var dateTime: DateTimeGroup
    /// Name of the call-manager group.
    package var callManagerGroup: String
    /// The group's nodes; the phone tries them in ``CallManagerMember/priority`` order. They are
    /// also the file's TVS list.
    package var members: [CallManagerMember]

    package init(
        name: String, dateTime: DateTimeGroup = .builtIn, callManagerGroup: String, members: [CallManagerMember]
    ) {
        self.name = name
        self.dateTime = dateTime
        self.callManagerGroup = callManagerGroup
        self.members = members
    }
}

/// One Unified CM node of a call-manager group.
package struct CallManagerMember: Sendable, Hashable {
    /// 0 is the primary node, as in Unified CM's own files.
    package var priority: Int
    /// The server name as configured in Unified CM.
    package var name: String
    /// Host name or address the phone connects to.
    package var processNodeName: String
    package var sipPort: Int
    /// SIP over TLS port.
    package var securedSipPort: Int
    package var sipOAuthPort: Int
    package var sipMRAOAuthPort: Int
    /// Trust Verification Service port.
    package var tvsPort: Int

    package init(
        priority: Int, name: String, processNodeName: String, sipPort: Int = 5060, securedSipPort: Int = 5061,
        sipOAuthPort: Int = 5090, sipMRAOAuthPort: Int = 5091, tvsPort: Int = 2445
    ) {
        self.priority = priority
        self.name = name
        self.processNodeName = processNodeName
        self.sipPort = sipPort
        self.securedSipPort = securedSipPort
        self.sipOAuthPort = sipOAuthPort
        self.sipMRAOAuthPort = sipMRAOAuthPort
        self.tvsPort = tvsPort
    }
}

/// One line appearance: a directory number on a button.
package struct LineConfig: Sendable, Hashable {
    /// Button number, 1-based; also the `lineIndex`.
    package var index: Int
    /// Up to 24 of `0-9 + * # \ X`.
    package var directoryNumber: String
    /// Caller-ID display name; nil writes an empty `<displayName>`, as Unified CM does.
    package var display: String?
    /// Text shown next to the button; nil writes an empty `<featureLabel>`.
    package var label: String?
    /// The per-line GUID Unified CM writes in `<contact>` (see ``PhoneConfigIdentity``).
    package var contact: String
    package var maxNumCalls: Int
    package var busyTrigger: Int
    package var settings: LineSettings

    package init(
        index: Int, directoryNumber: String, display: String? = nil, label: String? = nil, contact: String,
        maxNumCalls: Int = 4, busyTrigger: Int = 2, settings: LineSettings = LineSettings()
    ) {
        self.index = index
        self.directoryNumber = directoryNumber
        self.display = display
        self.label = label
        self.contact = contact
        self.maxNumCalls = maxNumCalls
        self.busyTrigger = busyTrigger
        self.settings = settings
    }
}

/// The `<userLocale>` block; the details are written when the cluster's locale list has them.
package struct UserLocaleConfig: Sendable, Hashable {
    package var name: String
    package var uid: Int?
    package var langCode: String?
    package var version: String?
    package var winCharSet: String?

    package init(
        name: String, uid: Int? = nil, langCode: String? = nil, version: String? = nil, winCharSet: String? = nil
    ) {
        self.name = name
        self.uid = uid
        self.langCode = langCode
        self.version = version
        self.winCharSet = winCharSet
    }
}

/// `<networkLocale>` and its `<networkLocaleInfo>`.
package struct NetworkLocaleConfig: Sendable, Hashable {
    package var name: String
    package var uid: Int?
    package var version: String?

    package init(name: String, uid: Int? = nil, version: String? = nil) {
        self.name = name
        self.uid = uid
        self.version = version
    }
}

/// Where an activated phone must go when its MRA service domain is not the activation domain.
///
/// mrabat's own element: Cisco documents no config-file element for it.
package struct MRARedirect: Sendable, Hashable {
    /// The MRA service domain's name in Unified CM, e.g. `EMEA`.
    package var serviceDomainName: String
    /// Its DNS domain, e.g. `emea.mra.example.com`.
    package var domain: String

    package init(serviceDomainName: String, domain: String) {
        self.serviceDomainName = serviceDomainName
        self.domain = domain
    }
}
