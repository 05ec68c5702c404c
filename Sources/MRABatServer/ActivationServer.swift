import Foundation
import Logging
import MRABatKit
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// `mrabat serve`: both listeners under one service group, until SIGTERM or SIGINT.
package enum ActivationServer {
    /// Checks everything a start needs, then serves `store` until SIGTERM/SIGINT and returns once
    /// in-flight requests have finished.
    ///
    /// - Parameter announce: told one line per listener once it is bound (with the real port when
    ///   the configuration asked for port 0).
    /// - Throws: ``MRABatError`` with one clear line: `.usage` for bad limits, `.config` for a missing
    ///   store, an unloaded cluster, an unreadable certificate, key or user file, `.io` when a listener
    ///   cannot bind (port in use).
    package static func run(
        _ configuration: ServeConfiguration, store: any Store, logger: Logger,
        announce: @escaping @Sendable (String) -> Void
    ) async throws {
        try configuration.limits.validate()
        let cluster = try await store.loadCluster()
        let sslContext = try makeSSLContext(configuration)
        let users = try configuration.selfCareUsers.map { try HTPasswd.load(path: $0) }

        let metrics = ServeMetrics()
        let worker = StoreWorker(store: store, onBatch: { metrics.batch($0) })
        let limiter = GuessLimiter(limits: configuration.limits)
        let sessions = ActivationSessions(limits: configuration.limits)
        let configFiles = ConfigFiles(worker: worker, cluster: cluster)
        let vault = users == nil ? nil : try await CodeVault.open(for: store, keyFile: configuration.keyFile)
        let selfCare = try users.flatMap { users in
            try vault.map { vault in
                try SelfCareController(
                    users: users, worker: worker, cluster: cluster, vault: vault, limiter: limiter,
                    limits: configuration.limits, metrics: metrics, logger: logger)
            }
        }
        let context = ServeContext(
            configuration: configuration, cluster: cluster, worker: worker, metrics: metrics, sessions: sessions,
            limiter: limiter, configFiles: configFiles, selfCare: selfCare, logger: logger)

        let https = configuration.listen
        let plain = configuration.configListen
        let activation = try buildActivationApplication(context, sslContext: sslContext) { port in
            announce("activation service on https://\(ListenAddress(host: https.host, port: port))/activation/v1/")
            if selfCare != nil {
                announce("Self-Care on https://\(ListenAddress(host: https.host, port: port))/selfcare/")
            }
        }
        let config = buildConfigApplication(context) { port in
            announce("config files on http://\(ListenAddress(host: plain.host, port: port))/")
        }
        // Shut down in reverse order: the activation listener first (its in-flight requests finish
        // and their commits land), then the config listener.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: config), .init(service: activation)],
                gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        do {
            try await group.run()
        } catch {
            throw bindError(error, https: https, plain: plain) ?? error
        }
        logger.info("stopped")
    }

    private static func makeSSLContext(_ configuration: ServeConfiguration) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(configuration.tlsCertificate)
        } catch {
            throw MRABatError(
                .config, "--tls-cert \(configuration.tlsCertificate): not a readable PEM certificate (\(error))")
        }
        guard !chain.isEmpty else {
            throw MRABatError(.config, "--tls-cert \(configuration.tlsCertificate): holds no certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: configuration.tlsKey, format: .pem)
        } catch {
            throw MRABatError(.config, "--tls-key \(configuration.tlsKey): not a readable PEM private key (\(error))")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // Ask for the phone's MIC but let the handshake succeed without one: the request then gets
        // `403 mic-missing`, and a MIC that fails the cluster's trust gets its own reason (see MICTLSChannel).
        tls.certificateVerification = .optionalVerification
        tls.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw MRABatError(
                .config,
                "--tls-cert \(configuration.tlsCertificate) / --tls-key \(configuration.tlsKey): "
                    + "the key does not fit the certificate or cannot be used (\(error))")
        }
    }

    /// A bind failure as one line naming the address.
    private static func bindError(_ error: any Error, https: ListenAddress, plain: ListenAddress) -> MRABatError? {
        guard let io = error as? IOError else { return nil }
        let reason = String(cString: strerror(io.errnoCode))
        return MRABatError(.io, "cannot listen on \(https) or \(plain): \(reason)")
    }
}
