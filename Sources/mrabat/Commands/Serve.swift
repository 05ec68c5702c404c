import ArgumentParser
import Foundation
import Logging
import MRABatKit
import MRABatServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Serve the activation API and Self-Care over HTTPS, and config files over HTTP, until SIGTERM/SIGINT.",
        discussion: """
            Phones reach POST /activation/v1/start and /finish on --listen (TLS; the phone's MIC is its \
            client certificate) and download GET /<NAME>.cnf.xml from --config-listen (plain HTTP, like Unified \
            CM's TFTP HTTP port), which also answers /healthz and /metrics. Each listener prints one line once \
            bound. Exit status 0 after a graceful shutdown; 2 when it cannot start (store missing, unreadable \
            certificate or key, port in use, bad limits), with one message.
            """)

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "HTTPS listener, HOST:PORT or :PORT (default 0.0.0.0:8443).")
    var listen: ListenAddress = .defaultHTTPS

    @Option(name: .customLong("tls-cert"), help: "PEM file: the server's certificate (chain).")
    var tlsCert: String

    @Option(name: .customLong("tls-key"), help: "PEM file: the server certificate's private key.")
    var tlsKey: String

    @Option(name: .customLong("config-listen"), help: "Plain-HTTP config listener (default :6970).")
    var configListen: ListenAddress = .defaultConfig

    @Option(
        name: .customLong("selfcare-users"), help: "htpasswd file with bcrypt hashes (htpasswd -B); enables Self-Care.")
    var selfCareUsers: String?

    @Option(name: .customLong("guess-window"), help: "Seconds per guessing window, 1…60 (default 60).")
    var guessWindow: Int = ServeLimits().guessWindow

    @Option(
        name: .customLong("guesses-per-address"), help: "Failed attempts per client address per window (default 20).")
    var guessesPerAddress: Int = ServeLimits().guessesPerAddress

    @Option(name: .customLong("guesses-per-mac"), help: "Failed attempts per MAC per window (default 5).")
    var guessesPerMAC: Int = ServeLimits().guessesPerMAC

    @Option(name: .customLong("guesses-global"), help: "Failed attempts in all per window (default 600).")
    var guessesGlobal: Int = ServeLimits().guessesGlobal

    @Option(name: .customLong("starts-per-code"), help: "Starts per code record per window (default 60).")
    var startsPerCode: Int = ServeLimits().startsPerCode

    @Option(name: .customLong("session-ttl"), help: "Seconds a start waits for its finish, 1…60 (default 60).")
    var sessionTTL: Int = ServeLimits().sessionTTL

    @Option(name: .customLong("max-sessions"), help: "Open start→finish sessions in all (default 10000).")
    var maxSessions: Int = ServeLimits().maxSessions

    @Option(name: .customLong("max-connections"), help: "Open connections per listener (default 1024).")
    var maxConnections: Int = ServeLimits().maxConnections

    @Option(name: .customLong("idle-timeout"), help: "Seconds an idle connection stays open (default 30).")
    var idleTimeout: Int = ServeLimits().idleTimeout

    @Option(name: .customLong("request-timeout"), help: "Seconds a request may take to arrive (default 10).")
    var requestTimeout: Int = ServeLimits().requestTimeout

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body, 1024…65536 (default 65536).")
    var maxBodyBytes: Int = ServeLimits().maxBodyBytes

    @Option(
        name: .customLong("logins-per-address"), help: "Failed Self-Care logins per address per window (default 10).")
    var loginsPerAddress: Int = ServeLimits().loginsPerAddress

    func run() async throws {
        let https = listen
        let plain = configListen
        var limits = ServeLimits()
        limits.guessWindow = guessWindow
        limits.guessesPerAddress = guessesPerAddress
        limits.guessesPerMAC = guessesPerMAC
        limits.guessesGlobal = guessesGlobal
        limits.startsPerCode = startsPerCode
        limits.sessionTTL = sessionTTL
        limits.maxSessions = maxSessions
        limits.maxConnections = maxConnections
        limits.idleTimeout = idleTimeout
        limits.requestTimeout = requestTimeout
        limits.maxBodyBytes = maxBodyBytes
        limits.loginsPerAddress = loginsPerAddress
        // serve never creates a store: a missing one is a mistyped --db, not a fresh start.
        if !store.path.contains("://") && !FileManager.default.fileExists(atPath: store.path) {
            throw MRABatError(.config, "there is no store at \(store.path); run `mrabat init --cluster FILE` first")
        }
        let opened = try await store.open()
        let configuration = ServeConfiguration(
            keyFile: store.keyFile, listen: https,
            tlsCertificate: tlsCert, tlsKey: tlsKey, configListen: plain, selfCareUsers: selfCareUsers,
            limits: limits)
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "mrabat.serve")
        logger.logLevel = .info
        try await ActivationServer.run(configuration, store: opened, logger: logger) { line in
            // Unbuffered: whoever started the server waits for these lines.
            FileHandle.standardOutput.write(Data("mrabat serve: \(line)\n".utf8))
        }
    }
}
