/// Reading the cluster file's parts that only the phones' config files use: `dateTimeGroups`,
/// `locales`, `sipProfiles`, `phoneSecurityProfiles` and `lineSettings` (all optional; the README
/// documents each key and its default).
extension ClusterConfig {
    static func dateTimeGroups(_ entries: [YAMLMapping]) throws -> [DateTimeGroup] {
        var groups: [DateTimeGroup] = []
        for entry in entries {
            try entry.checkKeys(["name", "dateTemplate", "timeZone", "olsonTimeZone", "ntpServers"])
            let name = try entry.string("name")
            if groups.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
                throw entry.error("name", "date/time group \"\(name)\" is defined twice", value: name)
            }
            let dateTemplate = try entry.string("dateTemplate")
            // Unified CM's formats: D, M and Y in some order, one separator, an optional A (12-hour clock).
            let letters = dateTemplate.filter { "DMY".contains($0) }
            guard letters.count == 3, Set(letters) == ["D", "M", "Y"],
                dateTemplate.allSatisfy({ "DMYA.-/".contains($0) })
            else {
                throw entry.error(
                    "dateTemplate", "\"\(dateTemplate)\" is not a Unified CM date format such as M/D/Y or D.M.YA",
                    value: dateTemplate)
            }
            let servers = try entry.strings("ntpServers")
            if servers.count > 5 {
                throw entry.error("ntpServers", "lists \(servers.count) servers; a date/time group takes at most 5")
            }
            groups.append(
                DateTimeGroup(
                    name: name, dateTemplate: dateTemplate, timeZone: try entry.string("timeZone"),
                    olsonTimeZone: try entry.optionalString("olsonTimeZone"), ntpServers: servers))
        }
        return groups
    }

    static func locales(_ entry: YAMLMapping?) throws -> Locales {
        guard let entry else { return Locales() }
        try entry.checkKeys(["version", "user", "network", "defaultNetworkLocale"])
        var user: [UserLocale] = []
        for item in try entry.mappings("user", required: false) {
            try item.checkKeys(["name", "uid", "langCode", "winCharSet"])
            let name = try item.string("name")
            if user.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
                throw item.error("name", "user locale \"\(name)\" is listed twice", value: name)
            }
            user.append(
                UserLocale(
                    name: name, uid: try item.optionalInt("uid", range: 0...65535),
                    langCode: try item.string("langCode"),
                    winCharSet: try item.optionalString("winCharSet") ?? UserLocale.defaultWinCharSet))
        }
        var network: [NetworkLocale] = []
        for item in try entry.mappings("network", required: false) {
            try item.checkKeys(["name", "uid"])
            let name = try item.string("name")
            if network.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
                throw item.error("name", "network locale \"\(name)\" is listed twice", value: name)
            }
            network.append(NetworkLocale(name: name, uid: try item.optionalInt("uid", range: 0...65535)))
        }
        var defaultNetwork = try entry.optionalString("defaultNetworkLocale")
        if let wanted = defaultNetwork {
            guard let known = network.first(where: { $0.name.caseInsensitiveCompare(wanted) == .orderedSame }) else {
                throw entry.error(
                    "defaultNetworkLocale",
                    "network locale \"\(wanted)\" is not listed under locales.network"
                        + DidYouMean.hint(for: wanted, among: network.map(\.name)), value: wanted)
            }
            defaultNetwork = known.name
        }
        return Locales(
            version: try entry.optionalString("version"), user: user, network: network,
            defaultNetworkLocale: defaultNetwork)
    }

    static func sipProfiles(_ entries: [YAMLMapping]) throws -> [SIPProfile] {
        var profiles: [SIPProfile] = []
        let standard = SIPStack.standard
        for entry in entries {
            try entry.checkKeys([
                "name", "sipInviteRetx", "sipRetx", "timerInviteExpires", "timerRegisterExpires",
                "timerRegisterDelta", "timerKeepAliveExpires", "timerSubscribeExpires", "timerSubscribeDelta",
                "timerT1", "timerT2", "maxRedirects", "remotePartyID", "userInfo",
            ])
            let name = try entry.string("name")
            if profiles.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
                throw entry.error("name", "SIP profile \"\(name)\" is defined twice", value: name)
            }
            let userInfo = try entry.optionalString("userInfo") ?? standard.userInfo
            guard ["None", "Phone", "IP"].contains(userInfo) else {
                throw entry.error("userInfo", "is \"\(userInfo)\"; Unified CM takes None, Phone or IP", value: userInfo)
            }
            // Ranges as Unified CM's SIP profile page allows them.
            let stack = SIPStack(
                sipInviteRetx: try entry.int("sipInviteRetx", range: 1...10, default: standard.sipInviteRetx),
                sipRetx: try entry.int("sipRetx", range: 1...10, default: standard.sipRetx),
                timerInviteExpires: try entry.int(
                    "timerInviteExpires", range: 1...3600, default: standard.timerInviteExpires),
                timerRegisterExpires: try entry.int(
                    "timerRegisterExpires", range: 1...86400, default: standard.timerRegisterExpires),
                timerRegisterDelta: try entry.int(
                    "timerRegisterDelta", range: 1...32767, default: standard.timerRegisterDelta),
                timerKeepAliveExpires: try entry.int(
                    "timerKeepAliveExpires", range: 1...86400, default: standard.timerKeepAliveExpires),
                timerSubscribeExpires: try entry.int(
                    "timerSubscribeExpires", range: 1...86400, default: standard.timerSubscribeExpires),
                timerSubscribeDelta: try entry.int(
                    "timerSubscribeDelta", range: 1...32767, default: standard.timerSubscribeDelta),
                timerT1: try entry.int("timerT1", range: 100...1000, default: standard.timerT1),
                timerT2: try entry.int("timerT2", range: 200...10000, default: standard.timerT2),
                maxRedirects: try entry.int("maxRedirects", range: 1...70, default: standard.maxRedirects),
                remotePartyID: try entry.bool("remotePartyID", default: standard.remotePartyID), userInfo: userInfo)
            profiles.append(SIPProfile(name: name, sipStack: stack))
        }
        return profiles
    }

    static func securityProfiles(_ entries: [YAMLMapping]) throws -> [PhoneSecurityProfile] {
        var profiles: [PhoneSecurityProfile] = []
        for entry in entries {
            try entry.checkKeys(["name", "deviceSecurityMode", "transportLayerProtocol"])
            let name = try entry.string("name")
            if profiles.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
                throw entry.error("name", "phone security profile \"\(name)\" is defined twice", value: name)
            }
            let defaults = PhoneSecurityProfile.nonSecure(name: name)
            profiles.append(
                PhoneSecurityProfile(
                    name: name,
                    deviceSecurityMode: try entry.int(
                        "deviceSecurityMode", range: 1...3, default: defaults.deviceSecurityMode),
                    transportLayerProtocol: try entry.int(
                        "transportLayerProtocol", range: 1...4, default: defaults.transportLayerProtocol)))
        }
        return profiles
    }

    static func lineSettings(_ entry: YAMLMapping?) throws -> LineSettings {
        let standard = LineSettings()
        guard let entry else { return standard }
        try entry.checkKeys([
            "autoAnswer", "callWaiting", "sharedLine", "messageWaitingLampPolicy", "ringSettingIdle",
            "ringSettingActive", "showCallerName", "showCallerNumber", "showRedirectedNumber", "showDialedNumber",
        ])
        return LineSettings(
            autoAnswer: try entry.int("autoAnswer", range: 1...4, default: standard.autoAnswer),
            callWaiting: try entry.int("callWaiting", range: 1...3, default: standard.callWaiting),
            sharedLine: try entry.bool("sharedLine", default: standard.sharedLine),
            messageWaitingLampPolicy: try entry.int(
                "messageWaitingLampPolicy", range: 1...5, default: standard.messageWaitingLampPolicy),
            ringSettingIdle: try entry.int("ringSettingIdle", range: 1...6, default: standard.ringSettingIdle),
            ringSettingActive: try entry.int("ringSettingActive", range: 1...6, default: standard.ringSettingActive),
            showCallerName: try entry.bool("showCallerName", default: standard.showCallerName),
            showCallerNumber: try entry.bool("showCallerNumber", default: standard.showCallerNumber),
            showRedirectedNumber: try entry.bool("showRedirectedNumber", default: standard.showRedirectedNumber),
            showDialedNumber: try entry.bool("showDialedNumber", default: standard.showDialedNumber))
    }
}
