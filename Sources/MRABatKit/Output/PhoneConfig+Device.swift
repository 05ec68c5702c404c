extension PhoneConfig {
    /// The config file of a stored device, resolved against the cluster: pool members, firmware
    /// load and, when the effective service domain is not the activation domain, the redirect.
    package init(device: StoredDevice, cluster: ClusterConfig) {
        let pool = cluster.devicePool(named: device.devicePool)
        let group = pool.flatMap { cluster.callManagerGroup(named: $0.callManagerGroup) }
        let effective = cluster.effectiveServiceDomain(device: device.serviceDomain, pool: device.devicePool)
        let activation = cluster.activationServiceDomain
        self.init(
            deviceName: device.name, deviceProtocol: device.deviceProtocol, model: device.model,
            devicePool: DevicePoolConfig(
                name: device.devicePool, callManagerGroup: group?.name ?? "",
                members: (group?.members ?? []).enumerated().map { priority, node in
                    CallManagerMember(
                        priority: priority, name: node.name, processNodeName: node.processNodeName,
                        sipPort: node.sipPort,
                        securedSipPort: node.securedSipPort)
                }),
            sipProfile: device.sipProfile, phoneButtonTemplate: device.phoneButtonTemplate,
            softkeyTemplate: device.softkeyTemplate, securityProfile: device.securityProfile, css: device.css,
            location: device.location,
            lines: device.lines.map {
                LineConfig(
                    index: $0.index, directoryNumber: $0.directoryNumber, display: $0.display, label: $0.label,
                    partition: $0.partition, maxNumCalls: $0.maxNumCalls, busyTrigger: $0.busyTrigger,
                    ringSettingIdle: $0.ringSettingIdle, ringSettingActive: $0.ringSettingActive,
                    externalPhoneNumberMask: $0.externalPhoneNumberMask)
            },
            loadInformation: cluster.model(named: device.model)?.loadInformation ?? "", userLocale: device.userLocale,
            userId: device.ownerUserID, description: device.description,
            activationCodeOnboarding: device.requiresActivationCodeOnboarding,
            allowActivationCodeViaMRA: device.allowActivationCodeViaMRA, activationDomain: activation.domain,
            redirect: effective.name == activation.name
                ? nil : MRARedirect(serviceDomainName: effective.name, domain: effective.domain))
    }
}
