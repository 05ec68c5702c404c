import Foundation

/// One line of `mrabat check`: a prerequisite, whether it holds, and how to fix it.
package struct PrerequisiteResult: Sendable, Equatable {
    /// A stable identifier, e.g. `oauth-refresh-login-flow` or `srv:us.mra.acme.example`.
    package var id: String
    package var passed: Bool
    /// What was found.
    package var detail: String
    /// What to change when it fails.
    package var fix: String?

    package var line: String {
        (passed ? "PASS  " : "FAIL  ") + id + ": " + detail + (passed ? "" : fix.map { " — fix: " + $0 } ?? "")
    }
}

/// The prerequisites Cisco lists for activation-code onboarding over MRA, evaluated against a cluster configuration.
package enum Prerequisites {
    /// The MRA port Expressway-E serves `_collab-edge._tls` on.
    package static let collabEdgePort = 8443

    /// Every check, in a fixed order.
    ///
    /// - Parameters:
    ///   - resolver: when given, each domain's `_collab-edge._tls` SRV record is looked up in DNS and
    ///     must exist (and match the configured target, when one is configured); without it the
    ///     configured target and port are checked.
    ///   - now: certificates must be valid at this time.
    package static func evaluate(_ cluster: ClusterConfig, now: Date, resolver: (any SRVResolving)? = nil)
        -> [PrerequisiteResult]
    {
        var results: [PrerequisiteResult] = []
        func check(_ id: String, _ passed: Bool, _ detail: String, fix: String) {
            results.append(PrerequisiteResult(id: id, passed: passed, detail: detail, fix: passed ? nil : fix))
        }
        let enterprise = cluster.enterprise
        check(
            "oauth-refresh-login-flow", enterprise.oauthRefreshLoginFlow,
            "OAuth with Refresh Login Flow is \(enterprise.oauthRefreshLoginFlow ? "enabled" : "disabled")",
            fix:
                "Enterprise Parameters → OAuth with Refresh Login Flow = Enabled (enterprise.oauthRefreshLoginFlow: true)"
        )
        check(
            "expressway-oauth-refresh", cluster.expressway.authorizeByOAuthTokenWithRefresh,
            "Expressway \"Authorize by OAuth token with refresh\" is \(cluster.expressway.authorizeByOAuthTokenWithRefresh ? "on" : "off")",
            fix: "Expressway-C → Configuration → Unified Communications → Authorize by OAuth token with refresh = On "
                + "(expressway.authorizeByOAuthTokenWithRefresh: true)")
        check(
            "expressway-activation-onboarding", cluster.expressway.allowActivationCodeOnboarding,
            "Expressway \"Allow activation code onboarding\" is \(cluster.expressway.allowActivationCodeOnboarding ? "yes" : "no")",
            fix: "Expressway-C → Unified CM servers → Allow activation code onboarding = Yes "
                + "(expressway.allowActivationCodeOnboarding: true)")
        check(
            "device-activation-service", enterprise.deviceActivationServiceRunning,
            "Cisco Device Activation Service is \(enterprise.deviceActivationServiceRunning ? "running" : "not running")",
            fix: "Cisco Unified Serviceability → Feature Services → start Cisco Device Activation Service "
                + "(enterprise.deviceActivationServiceRunning: true)")

        let activation = cluster.serviceDomains.filter { $0.name == cluster.activationDomain }
        check(
            "activation-domain", !cluster.activationDomain.isEmpty && activation.count == 1,
            activation.count == 1
                ? "MRA activation domain \(activation[0].name) (\(activation[0].domain))"
                : "the activation domain \"\(cluster.activationDomain)\" is \(activation.isEmpty ? "not among" : "duplicated in") the MRA service domains",
            fix: "set exactly one activationDomain (name, domain, srvTarget) in the cluster configuration")
        let defaults = cluster.serviceDomains.filter(\.isDefault)
        check(
            "default-service-domain", defaults.count == 1,
            defaults.count == 1
                ? "default MRA service domain \(defaults[0].name)"
                : "\(defaults.count) MRA service domains are marked default (\(defaults.map(\.name).joined(separator: ", ")))",
            fix: "mark exactly one service domain (or the activation domain) with default: true")
        let dangling = cluster.devicePools.filter { pool in
            pool.serviceDomain.map { cluster.serviceDomain(named: $0) == nil } ?? false
        }
        check(
            "device-pool-domains", dangling.isEmpty,
            dangling.isEmpty
                ? "every device pool's MRA service domain exists (\(cluster.devicePools.count) pools)"
                : dangling.map {
                    "pool \($0.name) names MRA service domain \"\($0.serviceDomain ?? "")\", which does not exist"
                }
                .joined(separator: "; "),
            fix: "add the service domain, or correct the pool's serviceDomain")

        for domain in cluster.serviceDomains {
            results.append(srvCheck(domain, resolver: resolver))
        }

        results.append(
            certificateCheck(
                id: "mic-trust-cas", files: cluster.trust.micCAFiles, now: now, required: true,
                what: "MIC trust CA",
                fix:
                    "list the Cisco manufacturing CA certificates (PEM) under trust.micCAs and install them in CallManager-trust"
            ))
        results.append(
            certificateCheck(
                id: "phone-edge-trust", files: cluster.trust.phoneEdgeTrustFiles, now: now, required: false,
                what: "PhoneEdge-trust certificate",
                fix:
                    "replace the file with the CA certificate (PEM) that signed the Expressway-E certificate, within its validity"
            ))

        check(
            "self-care-ready-to-activate", enterprise.showPhonesReadyToActivate,
            "Self-Care \"Show Phones Ready to Activate\" is \(enterprise.showPhonesReadyToActivate ? "true" : "false")",
            fix: "Enterprise Parameters → Self Care Portal → Show Phones Ready to Activate = True "
                + "(enterprise.showPhonesReadyToActivate: true)")
        return results
    }

    static func srvCheck(_ domain: ServiceDomain, resolver: (any SRVResolving)?) -> PrerequisiteResult {
        let name = "_collab-edge._tls." + domain.domain
        let id = "srv:" + domain.domain
        func result(_ passed: Bool, _ detail: String, _ fix: String) -> PrerequisiteResult {
            PrerequisiteResult(id: id, passed: passed, detail: detail, fix: passed ? nil : fix)
        }
        let configured = domain.srvTarget.map { Self.normalise($0) }
        guard let resolver else {
            guard let configured, !configured.isEmpty else {
                return result(
                    false, "no SRV target configured for \(name)",
                    "publish \(name) SRV 10 10 \(collabEdgePort) <your Expressway-E> and set srvTarget for \(domain.name)"
                )
            }
            guard domain.srvPort == collabEdgePort else {
                return result(
                    false, "\(name) → \(configured):\(domain.srvPort), but MRA answers on port \(collabEdgePort)",
                    "point the SRV record at port \(collabEdgePort) and set srvPort: \(collabEdgePort)")
            }
            return result(true, "\(name) → \(configured):\(domain.srvPort) (configured)", "")
        }
        let records: [SRVRecord]
        do {
            records = try resolver.lookup(name)
        } catch {
            return result(false, "cannot look up \(name): \(error)", "check the DNS resolver of this machine")
        }
        guard !records.isEmpty else {
            return result(
                false, "DNS has no SRV record \(name)",
                "publish \(name) SRV 10 10 \(collabEdgePort) \(configured ?? "<your Expressway-E>")")
        }
        let found = records.map { "\(Self.normalise($0.target)):\($0.port)" }.joined(separator: ", ")
        if let configured, !records.contains(where: { Self.normalise($0.target) == configured }) {
            return result(
                false, "\(name) → \(found) in DNS, but the configuration says \(configured)",
                "correct the SRV record or srvTarget of \(domain.name)")
        }
        guard records.contains(where: { Int($0.port) == collabEdgePort }) else {
            return result(
                false, "\(name) → \(found) in DNS, not on port \(collabEdgePort)",
                "point the SRV record at port \(collabEdgePort)")
        }
        return result(true, "\(name) → \(found) (DNS)", "")
    }

    static func certificateCheck(
        id: String, files: [String], now: Date, required: Bool, what: String, fix: String
    ) -> PrerequisiteResult {
        guard !files.isEmpty else {
            return PrerequisiteResult(
                id: id, passed: !required,
                detail: required ? "no \(what) is configured" : "no \(what) configured (optional)",
                fix: required ? fix : nil)
        }
        var problems: [String] = []
        var good = 0
        for file in files {
            let certificates: [Certificate]
            do {
                certificates = try Certificate.load(pemFile: file)
            } catch {
                problems.append("\(file): \(error)")
                continue
            }
            for certificate in certificates {
                let subject = certificate.subject
                if !certificate.isCA {
                    problems.append(
                        "\(file): \(subject) is not a CA certificate (basic constraints CA:TRUE, keyCertSign)")
                } else if !certificate.isValid(at: now) {
                    let range =
                        "\(certificate.notBefore.map(AuditTime.format) ?? "?") – \(certificate.notAfter.map(AuditTime.format) ?? "?")"
                    problems.append("\(file): \(subject) is not valid now (valid \(range))")
                } else {
                    good += 1
                }
            }
        }
        if problems.isEmpty {
            return PrerequisiteResult(
                id: id, passed: true, detail: "\(good) \(what)\(good == 1 ? "" : "s") parse, are CAs and are valid",
                fix: nil)
        }
        return PrerequisiteResult(id: id, passed: false, detail: problems.joined(separator: "; "), fix: fix)
    }

    static func normalise(_ host: String) -> String {
        (host.hasSuffix(".") ? String(host.dropLast()) : host).lowercased()
    }
}
