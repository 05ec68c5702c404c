extension PhoneConfig {
    /// The config file of a stored device, resolved against the cluster.
    ///
    /// From the cluster file: the pool's date/time group and call-manager group (nodes, ports, TVS),
    /// the SIP profile's stack, the phone security profile's mode and transport, the locales, the
    /// per-line settings, the redirect when the effective service domain is not the activation
    /// domain. From the model catalogue: the firmware load and the lines' call limits, unless a
    /// line sets its own. From the device: its name, pool, owner, locale and lines.
    package init(device: StoredDevice, cluster: ClusterConfig) {
        let settings = cluster.phoneFile
        let pool = cluster.devicePool(named: device.devicePool)
        let group = pool.flatMap { cluster.callManagerGroup(named: $0.callManagerGroup) }
        let effective = cluster.effectiveServiceDomain(device: device.serviceDomain, pool: device.devicePool)
        let activation = cluster.activationServiceDomain
        let model = cluster.model(named: device.model)
        let security = settings.securityProfile(named: device.securityProfile)
        let userLocale = settings.locales.user(named: device.userLocale)
        let networkName = pool?.networkLocale ?? settings.locales.defaultNetworkLocale
        self.init(
            deviceName: device.name,
            uuid: PhoneConfigIdentity.deviceUUID(cluster: cluster.name, deviceID: device.id),
            deviceProtocol: device.deviceProtocol,
            devicePool: DevicePoolConfig(
                name: device.devicePool, dateTime: cluster.dateTimeGroup(forPool: device.devicePool),
                callManagerGroup: group?.name ?? "",
                members: (group?.members ?? []).enumerated().map { priority, node in
                    CallManagerMember(
                        priority: priority, name: node.name, processNodeName: node.processNodeName,
                        sipPort: node.sipPort, securedSipPort: node.securedSipPort, sipOAuthPort: node.sipOAuthPort,
                        sipMRAOAuthPort: node.sipMRAOAuthPort, tvsPort: node.tvsPort)
                }),
            sipStack: settings.sipStack(profile: device.sipProfile),
            lines: device.lines.map { line in
                LineConfig(
                    index: line.index, directoryNumber: line.directoryNumber, display: line.display, label: line.label,
                    contact: PhoneConfigIdentity.lineContact(
                        cluster: cluster.name, deviceID: device.id, button: line.index),
                    maxNumCalls: line.maxNumCalls ?? model?.maxNumCalls ?? PhoneModel.defaultMaxNumCalls,
                    busyTrigger: line.busyTrigger ?? model?.busyTrigger ?? PhoneModel.defaultBusyTrigger,
                    settings: settings.lineSettings.overriding(
                        ringSettingIdle: line.ringSettingIdle, ringSettingActive: line.ringSettingActive))
            },
            externalNumberMask: device.lines.min { $0.index < $1.index }?.externalPhoneNumberMask,
            loadInformation: model?.loadInformation ?? "",
            userLocale: UserLocaleConfig(
                name: device.userLocale, uid: userLocale?.uid, langCode: userLocale?.langCode,
                version: userLocale == nil ? nil : settings.locales.version, winCharSet: userLocale?.winCharSet),
            networkLocale: networkName.map { name in
                let known = settings.locales.network(named: name)
                return NetworkLocaleConfig(
                    name: known?.name ?? name, uid: known?.uid, version: known == nil ? nil : settings.locales.version)
            },
            deviceSecurityMode: security.deviceSecurityMode, transportLayerProtocol: security.transportLayerProtocol,
            userId: device.ownerUserID,
            redirect: effective.name == activation.name
                ? nil : MRARedirect(serviceDomainName: effective.name, domain: effective.domain))
    }
}
