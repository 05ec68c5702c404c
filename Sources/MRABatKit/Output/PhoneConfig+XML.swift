/// The layout of a `<deviceName>.cnf.xml` file.
///
/// This is the one place that decides element names and order; it mirrors, element for element,
/// `Templates/device-config.xsd` (which is what a file is checked against), and names follow
/// CUCM's own TFTP configuration files where they have an equivalent.
extension PhoneConfig {
    func writeXML(to xml: XMLDocumentWriter) throws {
        try xml.element("device", attributes: ["name": deviceName, "model": model]) {
            try xml.element("deviceProtocol", deviceProtocol)
            try xml.element("devicePool") {
                try xml.element("name", devicePool.name)
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
                                    }
                                    try xml.element("processNodeName", member.processNodeName)
                                }
                            }
                        }
                    }
                }
            }
            try xml.element("sipProfile") {
                try xml.element("name", sipProfile)
                try xml.element("sipLines") {
                    for line in lines {
                        try xml.element("line", attributes: ["button": String(line.index)]) {
                            try xml.element("featureLabel", ifPresent: line.label)
                            try xml.element("name", line.directoryNumber)
                            try xml.element("displayName", ifPresent: line.display)
                            // CUCM puts the DN in <contact> too: it is the user part the phone registers.
                            try xml.element("contact", line.directoryNumber)
                            try xml.element("partition", ifPresent: line.partition)
                        }
                    }
                }
            }
            try xml.element("phoneButtonTemplate", phoneButtonTemplate)
            try xml.element("softkeyTemplate", softkeyTemplate)
            try xml.element("securityProfile", securityProfile)
            try xml.element("css", ifPresent: css)
            try xml.element("location", ifPresent: location)
            try xml.element("loadInformation", loadInformation)
            try xml.element("userLocale") {
                try xml.element("name", userLocale)
            }
            try xml.element("userId", userId)
            try xml.element("description", ifPresent: description)
            try xml.element("onboarding") {
                try xml.element("requireActivationCodeOnboarding", activationCodeOnboarding)
                try xml.element("allowActivationCodeViaMRA", allowActivationCodeViaMRA)
                try xml.element("activationDomain", activationDomain)
            }
            if let redirect {
                try xml.element("mraServiceDomainRedirect") {
                    try xml.element("name", redirect.serviceDomainName)
                    try xml.element("domain", redirect.domain)
                }
            }
        }
    }
}
