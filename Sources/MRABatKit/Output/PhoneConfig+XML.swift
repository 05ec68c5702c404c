/// The layout of a `<deviceName>.cnf.xml` file.
///
/// This is the one place that decides element names and order. It follows Unified CM 12.5's files
/// for 78xx/88xx SIP phones element for element (the committed captures in
/// `Tests/MRABatKitTests/Fixtures/UnifiedCM` show the order), writing the subset a phone needs to
/// register over MRA; `Templates/device-config.xsd` checks it. The one element of mrabat's own,
/// `mraServiceDomainRedirect`, comes last. The values all come from ``PhoneConfig``; the literals
/// here are Unified CM's fixed words (`true`, `USECALLMANAGER`, `Unicast`, `featureID` 9 = a line).
extension PhoneConfig {
    func writeXML(to xml: some XMLElementWriter) throws {
        // Unified CM writes `xsi:type` without declaring the prefix; phones expect exactly this.
        try xml.element("device", attributes: ["xsi:type": "axl:XIPPhone", "uuid": uuid]) {
            try xml.element("fullConfig", true)
            try xml.element("deviceProtocol", deviceProtocol)
            try writeDevicePool(to: xml)
            try xml.element("TVS") {
                try xml.element("members") {
                    for member in devicePool.members {
                        try xml.element("member", attributes: ["priority": String(member.priority)]) {
                            try xml.element("port", member.tvsPort)
                            try xml.element("address", member.processNodeName)
                        }
                    }
                }
            }
            try xml.element("sipProfile") {
                try xml.element("sipProxies") {
                    try xml.element("backupProxy", "USECALLMANAGER")
                    try xml.element("backupProxyPort", sipPort)
                    try xml.element("emergencyProxy", "USECALLMANAGER")
                    try xml.element("emergencyProxyPort", sipPort)
                    try xml.element("outboundProxy", "USECALLMANAGER")
                    try xml.element("outboundProxyPort", sipPort)
                    try xml.element("registerWithProxy", true)
                }
                try writeSIPStack(to: xml)
                try xml.element("sipLines") {
                    for line in lines { try write(line, to: xml) }
                }
                try xml.element("externalNumberMask", ifPresent: externalNumberMask)
            }
            try xml.element("loadInformation", loadInformation)
            try xml.versionStamp("versionStamp")
            try xml.element("userLocale") {
                try xml.element("name", userLocale.name)
                try xml.element("uid", ifPresent: userLocale.uid.map(String.init))
                try xml.element("langCode", ifPresent: userLocale.langCode)
                try xml.element("version", ifPresent: userLocale.version)
                try xml.element("winCharSet", ifPresent: userLocale.winCharSet)
            }
            if let networkLocale {
                try xml.element("networkLocale", networkLocale.name)
                try xml.element("networkLocaleInfo") {
                    try xml.element("name", networkLocale.name)
                    try xml.element("uid", ifPresent: networkLocale.uid.map(String.init))
                    try xml.element("version", ifPresent: networkLocale.version)
                }
            }
            try xml.element("deviceSecurityMode", deviceSecurityMode)
            try xml.element("transportLayerProtocol", transportLayerProtocol)
            try xml.element("userId", userId)
            try xml.element("ownerId", userId)
            // mrabat's own element (Cisco documents none): where an activated phone goes next.
            if let redirect {
                try xml.element("mraServiceDomainRedirect") {
                    try xml.element("name", redirect.serviceDomainName)
                    try xml.element("domain", redirect.domain)
                }
            }
        }
    }

    private func writeDevicePool(to xml: some XMLElementWriter) throws {
        try xml.element("devicePool") {
            try xml.element("name", devicePool.name)
            let dateTime = devicePool.dateTime
            try xml.element("dateTimeSetting") {
                try xml.element("name", dateTime.name)
                try xml.element("dateTemplate", dateTime.dateTemplate)
                try xml.element("timeZone", dateTime.timeZone)
                try xml.element("olsonTimeZone", ifPresent: dateTime.olsonTimeZone)
                try xml.element("ntps") {
                    for server in dateTime.ntpServers {
                        try xml.element("ntp") {
                            try xml.element("name", server)
                            try xml.element("ntpMode", "Unicast")
                        }
                    }
                }
            }
            try xml.element("callManagerGroup") {
                try xml.element("name", devicePool.callManagerGroup)
                try xml.element("members") {
                    for member in devicePool.members {
                        try xml.element("member", attributes: ["priority": String(member.priority)]) {
                            try xml.element("callManager") {
                                try xml.element("name", member.name)
                                try xml.element("ports") {
                                    try xml.element("sipPort", member.sipPort)
                                    try xml.element("securedSipPort", member.securedSipPort)
                                    try xml.element("sipOAuthPort", member.sipOAuthPort)
                                    try xml.element("sipMRAOAuthPort", member.sipMRAOAuthPort)
                                }
                                try xml.element("processNodeName", member.processNodeName)
                            }
                        }
                    }
                }
            }
        }
    }

    private func writeSIPStack(to xml: some XMLElementWriter) throws {
        try xml.element("sipStack") {
            try xml.element("sipInviteRetx", sipStack.sipInviteRetx)
            try xml.element("sipRetx", sipStack.sipRetx)
            try xml.element("timerInviteExpires", sipStack.timerInviteExpires)
            try xml.element("timerRegisterExpires", sipStack.timerRegisterExpires)
            try xml.element("timerRegisterDelta", sipStack.timerRegisterDelta)
            try xml.element("timerKeepAliveExpires", sipStack.timerKeepAliveExpires)
            try xml.element("timerSubscribeExpires", sipStack.timerSubscribeExpires)
            try xml.element("timerSubscribeDelta", sipStack.timerSubscribeDelta)
            try xml.element("timerT1", sipStack.timerT1)
            try xml.element("timerT2", sipStack.timerT2)
            try xml.element("maxRedirects", sipStack.maxRedirects)
            try xml.element("remotePartyID", sipStack.remotePartyID)
            try xml.element("userInfo", sipStack.userInfo)
        }
    }

    private func write(_ line: LineConfig, to xml: some XMLElementWriter) throws {
        let button = String(line.index)
        try xml.element("line", attributes: ["button": button, "lineIndex": button]) {
            try xml.element("featureID", 9)
            try xml.element("featureLabel", line.label ?? "")
            try xml.element("proxy", "USECALLMANAGER")
            try xml.element("port", sipPort)
            try xml.element("name", line.directoryNumber)
            try xml.element("displayName", line.display ?? "")
            try xml.element("autoAnswer") {
                try xml.element("autoAnswerEnabled", line.settings.autoAnswer)
            }
            try xml.element("callWaiting", line.settings.callWaiting)
            try xml.element("sharedLine", line.settings.sharedLine)
            try xml.element("messageWaitingLampPolicy", line.settings.messageWaitingLampPolicy)
            try xml.element("ringSettingIdle", line.settings.ringSettingIdle)
            try xml.element("ringSettingActive", line.settings.ringSettingActive)
            try xml.element("contact", line.contact)
            try xml.element("forwardCallInfoDisplay") {
                try xml.element("callerName", line.settings.showCallerName)
                try xml.element("callerNumber", line.settings.showCallerNumber)
                try xml.element("redirectedNumber", line.settings.showRedirectedNumber)
                try xml.element("dialedNumber", line.settings.showDialedNumber)
            }
            try xml.element("maxNumCalls", line.maxNumCalls)
            try xml.element("busyTrigger", line.busyTrigger)
        }
    }
}
