/// Where an activated phone goes over MRA: the cluster's activation domain, and the service
/// domain its config file redirects it to when that is another one.
package struct MRATarget: Sendable, Equatable, CustomStringConvertible {
    package var activationDomain: ServiceDomain
    /// The device's effective service domain (its own → its pool's → the cluster default).
    package var serviceDomain: ServiceDomain

    package init(activationDomain: ServiceDomain, serviceDomain: ServiceDomain) {
        self.activationDomain = activationDomain
        self.serviceDomain = serviceDomain
    }

    /// The target of `device` in `cluster`.
    package init(device: StoredDevice, cluster: ClusterConfig) {
        self.init(
            activationDomain: cluster.activationServiceDomain,
            serviceDomain: cluster.effectiveServiceDomain(device: device.serviceDomain, pool: device.devicePool))
    }

    /// Whether the config file carries a redirect (the service domain is not the activation domain).
    package var isRedirected: Bool { serviceDomain.name != activationDomain.name }

    /// The DNS SRV name a phone looks up for `domain`.
    package static func srvName(_ domain: ServiceDomain) -> String { "_collab-edge._tls." + domain.domain }

    package var description: String {
        let activation =
            "MRA activation domain \(activationDomain.domain) (\(activationDomain.name), SRV \(Self.srvName(activationDomain)))"
        guard isRedirected else { return activation + "; no redirect: the phone stays on the activation domain" }
        return activation
            + "; redirected to MRA service domain \(serviceDomain.domain) (\(serviceDomain.name), SRV \(Self.srvName(serviceDomain)))"
    }
}
