/// The cluster objects a phone's `SEP<MAC>.cnf.xml` draws on beyond pools and nodes: date/time
/// groups, locales, SIP profiles, phone security profiles and the per-line settings.
///
/// Every part is optional in the cluster file (see the README, "Cluster configuration"); what a
/// file leaves out takes Unified CM's own default, as the committed Unified CM captures show it
/// (`Tests/MRABatKitTests/Fixtures/UnifiedCM`).
package struct PhoneFileSettings: Sendable, Hashable, Codable {
    /// Unified CM *Date/Time Groups*; a device pool names one. Without any, only the built-in `CMLocal`.
    package var dateTimeGroups: [DateTimeGroup]
    package var locales: Locales
    /// SIP profiles by name; the template's `sipProfile` picks one. An unlisted name gets ``SIPStack/standard``.
    package var sipProfiles: [SIPProfile]
    /// Phone security profiles by name; an unlisted name gets ``PhoneSecurityProfile/nonSecure(name:)``.
    package var securityProfiles: [PhoneSecurityProfile]
    /// What every line appearance carries (auto answer, call waiting, ring settings, …).
    package var lineSettings: LineSettings

    package init(
        dateTimeGroups: [DateTimeGroup] = [], locales: Locales = Locales(), sipProfiles: [SIPProfile] = [],
        securityProfiles: [PhoneSecurityProfile] = [], lineSettings: LineSettings = LineSettings()
    ) {
        self.dateTimeGroups = dateTimeGroups
        self.locales = locales
        self.sipProfiles = sipProfiles
        self.securityProfiles = securityProfiles
        self.lineSettings = lineSettings
    }

    /// A configured group, or the built-in `CMLocal` when none of that name is configured.
    package func dateTimeGroup(named name: String) -> DateTimeGroup? {
        dateTimeGroups.first { $0.name.isSameName(as: name) }
            ?? (name.isSameName(as: DateTimeGroup.builtIn.name) ? DateTimeGroup.builtIn : nil)
    }

    /// The SIP stack of the SIP profile `name`, Unified CM's standard one when it is not listed.
    package func sipStack(profile name: String) -> SIPStack {
        sipProfiles.first { $0.name.isSameName(as: name) }?.sipStack ?? .standard
    }

    /// The security profile `name`, a non-secure one when it is not listed.
    package func securityProfile(named name: String) -> PhoneSecurityProfile {
        securityProfiles.first { $0.name.isSameName(as: name) } ?? .nonSecure(name: name)
    }
}

/// A Unified CM *Date/Time Group*: how the phone shows the date and which NTP servers it asks.
package struct DateTimeGroup: Sendable, Hashable, Codable {
    package var name: String
    /// Unified CM's date format, e.g. `M/D/Y`, `D/M/YA` (A: 12-hour clock).
    package var dateTemplate: String
    /// Unified CM's (Windows-style) zone name, e.g. `Central Standard/Daylight Time`.
    package var timeZone: String
    /// The same zone in the tz database, e.g. `America/Chicago`; Unified CM writes it since 8.6.
    package var olsonTimeZone: String?
    /// Host names or addresses, in the order the phone tries them.
    package var ntpServers: [String]

    package init(name: String, dateTemplate: String, timeZone: String, olsonTimeZone: String?, ntpServers: [String]) {
        self.name = name
        self.dateTemplate = dateTemplate
        self.timeZone = timeZone
        self.olsonTimeZone = olsonTimeZone
        self.ntpServers = ntpServers
    }

    /// What a pool without a configured group gets: Unified CM's built-in `CMLocal`, shown as UTC.
    package static let builtIn = DateTimeGroup(
        name: "CMLocal", dateTemplate: "M/D/Y", timeZone: "Greenwich Standard Time", olsonTimeZone: "Etc/GMT",
        ntpServers: [])
}

/// The locales the cluster has installed, with the details Unified CM writes for them.
package struct Locales: Sendable, Hashable, Codable {
    /// The locale installer's version Unified CM writes in `<version>` (e.g. `12.5.0.0(1)`); nil omits it.
    package var version: String?
    package var user: [UserLocale]
    package var network: [NetworkLocale]
    /// The network locale of pools that name none; nil writes none.
    package var defaultNetworkLocale: String?

    package init(
        version: String? = nil, user: [UserLocale] = [], network: [NetworkLocale] = [],
        defaultNetworkLocale: String? = nil
    ) {
        self.version = version
        self.user = user
        self.network = network
        self.defaultNetworkLocale = defaultNetworkLocale
    }

    package func user(named name: String) -> UserLocale? {
        user.first { $0.name.isSameName(as: name) }
    }

    package func network(named name: String) -> NetworkLocale? {
        network.first { $0.name.isSameName(as: name) }
    }
}

/// A user locale (language of the phone's screens), e.g. `English_United_States`.
package struct UserLocale: Sendable, Hashable, Codable {
    package var name: String
    /// Unified CM's `<uid>`; 1 in both committed captures. Nil omits it.
    package var uid: Int?
    /// e.g. `en_US`.
    package var langCode: String
    /// Unified CM writes `iso-8859-1` for the Western locales.
    package var winCharSet: String

    /// What Unified CM writes for the Western locales (both committed captures).
    package static let defaultWinCharSet = "iso-8859-1"

    package init(name: String, uid: Int?, langCode: String, winCharSet: String = UserLocale.defaultWinCharSet) {
        self.name = name
        self.uid = uid
        self.langCode = langCode
        self.winCharSet = winCharSet
    }
}

/// A network locale (tones and cadences), e.g. `United_States`.
package struct NetworkLocale: Sendable, Hashable, Codable {
    package var name: String
    /// Unified CM's `<uid>`; 64 in both committed captures. Nil omits it.
    package var uid: Int?

    package init(name: String, uid: Int?) {
        self.name = name
        self.uid = uid
    }
}

/// A SIP profile as far as the config file shows it: its SIP stack timers.
package struct SIPProfile: Sendable, Hashable, Codable {
    package var name: String
    package var sipStack: SIPStack

    package init(name: String, sipStack: SIPStack) {
        self.name = name
        self.sipStack = sipStack
    }
}

/// The `<sipStack>` block: retransmission counts and timers (milliseconds for T1/T2, seconds otherwise).
package struct SIPStack: Sendable, Hashable, Codable {
    package var sipInviteRetx: Int
    package var sipRetx: Int
    package var timerInviteExpires: Int
    package var timerRegisterExpires: Int
    package var timerRegisterDelta: Int
    package var timerKeepAliveExpires: Int
    package var timerSubscribeExpires: Int
    package var timerSubscribeDelta: Int
    package var timerT1: Int
    package var timerT2: Int
    package var maxRedirects: Int
    package var remotePartyID: Bool
    /// `None`, `Phone` or `IP`.
    package var userInfo: String

    package init(
        sipInviteRetx: Int, sipRetx: Int, timerInviteExpires: Int, timerRegisterExpires: Int,
        timerRegisterDelta: Int, timerKeepAliveExpires: Int, timerSubscribeExpires: Int, timerSubscribeDelta: Int,
        timerT1: Int, timerT2: Int, maxRedirects: Int, remotePartyID: Bool, userInfo: String
    ) {
        self.sipInviteRetx = sipInviteRetx
        self.sipRetx = sipRetx
        self.timerInviteExpires = timerInviteExpires
        self.timerRegisterExpires = timerRegisterExpires
        self.timerRegisterDelta = timerRegisterDelta
        self.timerKeepAliveExpires = timerKeepAliveExpires
        self.timerSubscribeExpires = timerSubscribeExpires
        self.timerSubscribeDelta = timerSubscribeDelta
        self.timerT1 = timerT1
        self.timerT2 = timerT2
        self.maxRedirects = maxRedirects
        self.remotePartyID = remotePartyID
        self.userInfo = userInfo
    }

    /// Unified CM's *Standard SIP Profile*, as the committed 7821 capture carries it.
    package static let standard = SIPStack(
        sipInviteRetx: 6, sipRetx: 10, timerInviteExpires: 180, timerRegisterExpires: 3600, timerRegisterDelta: 5,
        timerKeepAliveExpires: 120, timerSubscribeExpires: 120, timerSubscribeDelta: 5, timerT1: 500,
        timerT2: 4000, maxRedirects: 70, remotePartyID: true, userInfo: "None")
}

/// A phone security profile as far as the config file shows it.
package struct PhoneSecurityProfile: Sendable, Hashable, Codable {
    package var name: String
    /// `deviceSecurityMode`: 1 non-secure, 2 authenticated, 3 encrypted (Cisco's *Device Security Mode*).
    package var deviceSecurityMode: Int
    /// `transportLayerProtocol` as Unified CM writes it: 4 in the committed non-secure TCP+UDP
    /// capture (phones then use TCP), 2 for UDP, 1 for the phone's own default.
    package var transportLayerProtocol: Int

    package init(name: String, deviceSecurityMode: Int, transportLayerProtocol: Int) {
        self.name = name
        self.deviceSecurityMode = deviceSecurityMode
        self.transportLayerProtocol = transportLayerProtocol
    }

    /// What an unlisted profile gets: non-secure (1) over TCP (4), as in the committed capture.
    package static func nonSecure(name: String) -> PhoneSecurityProfile {
        PhoneSecurityProfile(name: name, deviceSecurityMode: 1, transportLayerProtocol: 4)
    }
}

/// What each `<line>` carries besides its number, names, contact and call limits.
///
/// The defaults are the values of the committed Unified CM 7821 capture (its line's *Directory
/// Number Configuration* left at Unified CM's defaults), except `sharedLine`, which Unified CM sets
/// when the number appears on more than one device: mrabat gives each device its own numbers.
package struct LineSettings: Sendable, Hashable, Codable {
    /// `autoAnswerEnabled`: 2 is *Auto Answer Off*.
    package var autoAnswer: Int
    /// `callWaiting`: 3 is *Use System Default*.
    package var callWaiting: Int
    package var sharedLine: Bool
    /// `messageWaitingLampPolicy`: 3 is *Use System Policy*.
    package var messageWaitingLampPolicy: Int
    /// `ringSettingIdle`: 4 is *Ring*.
    package var ringSettingIdle: Int
    /// `ringSettingActive`: 5 is *Beep Only*.
    package var ringSettingActive: Int
    /// *Forwarded Call Information Display*.
    package var showCallerName: Bool
    package var showCallerNumber: Bool
    package var showRedirectedNumber: Bool
    package var showDialedNumber: Bool

    package init(
        autoAnswer: Int = 2, callWaiting: Int = 3, sharedLine: Bool = false, messageWaitingLampPolicy: Int = 3,
        ringSettingIdle: Int = 4, ringSettingActive: Int = 5, showCallerName: Bool = true,
        showCallerNumber: Bool = false, showRedirectedNumber: Bool = false, showDialedNumber: Bool = true
    ) {
        self.autoAnswer = autoAnswer
        self.callWaiting = callWaiting
        self.sharedLine = sharedLine
        self.messageWaitingLampPolicy = messageWaitingLampPolicy
        self.ringSettingIdle = ringSettingIdle
        self.ringSettingActive = ringSettingActive
        self.showCallerName = showCallerName
        self.showCallerNumber = showCallerNumber
        self.showRedirectedNumber = showRedirectedNumber
        self.showDialedNumber = showDialedNumber
    }
}

extension LineSettings {
    /// The cluster's line settings with a row's own ring settings (BAT `RING SETTING (PHONE IDLE) n`,
    /// `RING SETTING (PHONE ACTIVE) n`) in their place where the row gives them.
    package func overriding(ringSettingIdle idle: RingSetting?, ringSettingActive active: RingSetting?) -> LineSettings
    {
        var settings = self
        if let idle { settings.ringSettingIdle = idle.code }
        if let active { settings.ringSettingActive = active.code }
        return settings
    }
}
