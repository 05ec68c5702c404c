import Foundation
import MRABatKit

/// Everything `mrabat serve` is told on its command line.
package struct ServeConfiguration: Sendable {
    /// The sealing-key file (`--key`); nil: the store's default. Self-Care opens the codes with it.
    package var keyFile: String?
    /// The HTTPS listener: activation API and Self-Care.
    package var listen: ListenAddress
    /// PEM files of the server certificate (chain) and its private key.
    package var tlsCertificate: String
    package var tlsKey: String
    /// The plain-HTTP listener: config files, `/healthz`, `/metrics`.
    package var configListen: ListenAddress
    /// An htpasswd file with bcrypt hashes; Self-Care is off without it.
    package var selfCareUsers: String?
    package var limits: ServeLimits

    package init(
        keyFile: String? = nil, listen: ListenAddress = .defaultHTTPS, tlsCertificate: String, tlsKey: String,
        configListen: ListenAddress = .defaultConfig, selfCareUsers: String? = nil, limits: ServeLimits = ServeLimits()
    ) {
        self.keyFile = keyFile
        self.listen = listen
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.configListen = configListen
        self.selfCareUsers = selfCareUsers
        self.limits = limits
    }
}

/// `HOST:PORT`, `:PORT` (every interface) or `[IPv6]:PORT`; port 0 picks a free port (tests).
package struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// 0.0.0.0:8443 — phones reach the service from anywhere; 8443 needs no privileges (443 would).
    package static let defaultHTTPS = ListenAddress(host: "0.0.0.0", port: 8443)
    /// 0.0.0.0:6970 — Unified CM's TFTP HTTP port.
    package static let defaultConfig = ListenAddress(host: "0.0.0.0", port: 6970)

    /// Parses `text`, or nil when it is not one of the accepted forms.
    package init?(parsing text: String) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { return nil }
        }
        guard let port = Int(portPart), (0...65535).contains(port), portPart.allSatisfy(\.isASCII) else { return nil }
        self.host = hostPart.isEmpty ? "0.0.0.0" : String(hostPart)
        self.port = port
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The bounds of `mrabat serve`: guessing, sessions, requests and connections.
///
/// Guessing counts failures — a `start` for an identity no code has, a wrong proof, a failed Self-Care
/// login — per key (address, MAC, all of them; login address) in windows of ``guessWindow`` that begin
/// with the key's first failure: once a key's budget for its window is spent, further requests for that
/// key get `429` with `Retry-After` = the rest of that window. A request that matches a
/// real code is never charged, but every request is checked before the store is read, so a `429` says
/// nothing about whether a code exists. Per-MAC budgets spare addresses with no failure in the window:
/// a stranger sending wrong codes with a real phone's MAC from elsewhere does not hold that phone back,
/// and one at the phone's own address delays it by at most one window (≤ 60 s) after it stops.
package struct ServeLimits: Sendable, Equatable {
    /// The length of a guessing window, in seconds (1...60).
    package var guessWindow: Int = 60
    /// Failed attempts per client address per window.
    package var guessesPerAddress: Int = 20
    /// Failed attempts per phone MAC per window (from addresses that have failed themselves).
    package var guessesPerMAC: Int = 5
    /// Failed attempts in all per window: the ceiling a distributed guesser cannot lift.
    package var guessesGlobal: Int = 600
    /// `start` requests per code record per window (a real code: bounds the exponentiations spent on it).
    package var startsPerCode: Int = 60
    /// Seconds a `start` session stays open for its `finish` (1...60).
    package var sessionTTL: Int = 60
    /// Open sessions in all; beyond it `start` gets `429`.
    package var maxSessions: Int = 10_000
    /// Open sessions per code record.
    package var maxSessionsPerCode: Int = 16
    /// Largest request body, in bytes (at most the 64 KiB SPEC §7 allows).
    package var maxBodyBytes: Int = 65_536
    /// Open connections per listener; more wait in the kernel's backlog.
    package var maxConnections: Int = 1_024
    /// Seconds a connection may sit without a complete request before it is closed.
    package var idleTimeout: Int = 30
    /// Seconds a request's headers and body may take to arrive once its first byte has (slow clients).
    package var requestTimeout: Int = 10
    /// Failed Self-Care logins per address per window.
    package var loginsPerAddress: Int = 10
    /// Minutes a Self-Care login lasts.
    package var selfCareSessionMinutes: Int = 15

    package init() {}

    /// Checks every bound; the message names the option.
    package func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw MRABatError(.usage, message) }
        }
        try require((1...60).contains(guessWindow), "--guess-window must be 1…60 seconds")
        try require((1...60).contains(sessionTTL), "--session-ttl must be 1…60 seconds (SPEC §7: at most 60)")
        try require(guessesPerAddress >= 1, "--guesses-per-address must be at least 1")
        try require(guessesPerMAC >= 1, "--guesses-per-mac must be at least 1")
        try require(guessesGlobal >= 1, "--guesses-global must be at least 1")
        try require(startsPerCode >= 1, "--starts-per-code must be at least 1")
        try require(maxSessions >= 1, "--max-sessions must be at least 1")
        try require(maxSessionsPerCode >= 1, "--max-sessions-per-code must be at least 1")
        try require((1_024...65_536).contains(maxBodyBytes), "--max-body-bytes must be 1024…65536")
        try require((1...100_000).contains(maxConnections), "--max-connections must be 1…100000")
        try require(idleTimeout >= 1, "--idle-timeout must be at least 1 second")
        try require(requestTimeout >= 1, "--request-timeout must be at least 1 second")
        try require(loginsPerAddress >= 1, "--logins-per-address must be at least 1")
        try require(selfCareSessionMinutes >= 1, "--selfcare-session-minutes must be at least 1")
    }
}
