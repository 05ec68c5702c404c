import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MRABatKit
import NIOCore
import Synchronization

/// Self-Care on the HTTPS listener (`--selfcare-users`): log in, see one's own phones ready to
/// activate — code and QR code — and log out.
///
/// A login is a random session id in a cookie (`HttpOnly`, `Secure`, `SameSite=Strict`, path
/// `/selfcare/`) that maps to the user on the server. Every form carries a CSRF token: the login form
/// one that must equal a cookie set with the form (double submit), the logout form the session's own.
/// Failed logins are limited per client address like activation guesses. Nothing is shown unless the
/// cluster's *Show Phones Ready to Activate* is on.
final class SelfCareController: Sendable {
    private struct Login {
        var user: String
        var csrf: String
        var expiresAt: Date
    }

    private static let sessionCookie = "mrabat_selfcare"
    private static let loginCookie = "mrabat_selfcare_login"
    private static let maxLogins = 10_000

    private let users: HTPasswd
    private let worker: StoreWorker
    private let cluster: ClusterConfig
    private let vault: CodeVault
    private let limiter: GuessLimiter
    private let limits: ServeLimits
    private let metrics: ServeMetrics
    private let logger: Logger
    private let logins = Mutex([String: Login]())

    init(
        users: HTPasswd, worker: StoreWorker, cluster: ClusterConfig, vault: CodeVault, limiter: GuessLimiter,
        limits: ServeLimits, metrics: ServeMetrics, logger: Logger
    ) throws {
        self.users = users
        self.worker = worker
        self.cluster = cluster
        self.vault = vault
        self.limiter = limiter
        self.limits = limits
        self.metrics = metrics
        self.logger = logger
    }

    func addRoutes(to router: Router<ServeRequestContext>) {
        // Hummingbird matches "/selfcare" and "/selfcare/" alike.
        router.get("selfcare") { request, context in try await self.page(request, context) }
        router.post("selfcare/login") { request, context in try await self.login(request, context) }
        router.post("selfcare/logout") { request, context in try await self.logout(request, context) }
    }

    // MARK: - Routes

    private func page(_ request: Request, _ context: ServeRequestContext) async throws -> Response {
        guard cluster.enterprise.showPhonesReadyToActivate else { return Self.disabled() }
        guard let (_, login) = currentLogin(request) else { return try loginPage(message: nil, status: .ok) }
        let now = Date()
        let user = login.user
        let stored = try await worker.store.readyToActivate(ownerUserID: user, now: now)
        var phones: [SelfCareHTML.Phone] = []
        for entry in stored {
            let code = try vault.open(entry.sealed, associatedData: Array(entry.identity.utf8))
            phones.append(
                SelfCareHTML.Phone(
                    deviceName: entry.deviceName, model: entry.model, description: entry.description,
                    code: code.digits, expiresAt: entry.expiresAt, qr: try QRCode(encoding: code.digits)))
        }
        metrics.selfCare("page")
        return Self.html(.ok, SelfCareHTML.phones(user: user, phones: phones, csrf: login.csrf))
    }

    private func login(_ request: Request, _ context: ServeRequestContext) async throws -> Response {
        guard cluster.enterprise.showPhonesReadyToActivate else { return Self.disabled() }
        let address = context.clientAddress
        if let limited = limiter.checkLogin(address: address) {
            metrics.selfCare("limited")
            var response = try loginPage(
                message: "Too many failed logins; try again in \(limited.retryAfter) s.", status: .tooManyRequests)
            response.headers[.retryAfter] = String(limited.retryAfter)
            return response
        }
        let form = try await Self.form(request, limit: 4_096)
        guard let token = form["csrf"], let cookie = Self.cookies(request)[Self.loginCookie],
            Self.constantTimeEqual(token, cookie)
        else {
            metrics.selfCare("csrf-refused")
            return try loginPage(message: "The login form expired; please try again.", status: .forbidden)
        }
        let user = form["user"] ?? ""
        let password = form["password"] ?? ""
        guard users.verify(user: user, password: password) else {
            limiter.recordFailedLogin(address: address)
            metrics.selfCare("login-failed")
            logger.notice("Self-Care login failed", metadata: ["client": .string(address)])
            return try loginPage(message: "Wrong user name or password.", status: .unauthorized)
        }
        let session = try Self.token()
        let csrf = try Self.token()
        let expires = Date().addingTimeInterval(TimeInterval(limits.selfCareSessionMinutes * 60))
        logins.withLock { logins in
            if logins.count >= Self.maxLogins {
                let now = Date()
                logins = logins.filter { $0.value.expiresAt > now }
                if logins.count >= Self.maxLogins,
                    let oldest = logins.min(by: { $0.value.expiresAt < $1.value.expiresAt })
                {
                    logins[oldest.key] = nil
                }
            }
            logins[session] = Login(user: user, csrf: csrf, expiresAt: expires)
        }
        metrics.selfCare("login")
        logger.info("Self-Care login", metadata: ["user": .string(user), "client": .string(address)])
        var response = Self.redirect("/selfcare/")
        response.headers.append(
            HTTPField(
                name: .setCookie,
                value: Self.cookie(Self.sessionCookie, session, maxAge: limits.selfCareSessionMinutes * 60)))
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.loginCookie, "", maxAge: 0)))
        return response
    }

    private func logout(_ request: Request, _ context: ServeRequestContext) async throws -> Response {
        let form = try await Self.form(request, limit: 4_096)
        if let (session, login) = currentLogin(request) {
            guard let token = form["csrf"], Self.constantTimeEqual(token, login.csrf) else {
                metrics.selfCare("csrf-refused")
                return Self.html(.forbidden, SelfCareHTML.message("The logout form is stale; reload the page."))
            }
            logins.withLock { $0[session] = nil }
            metrics.selfCare("logout")
        }
        var response = Self.redirect("/selfcare/")
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.sessionCookie, "", maxAge: 0)))
        return response
    }

    // MARK: - Pieces

    private func currentLogin(_ request: Request) -> (String, Login)? {
        guard let session = Self.cookies(request)[Self.sessionCookie], !session.isEmpty else { return nil }
        let now = Date()
        return logins.withLock { logins in
            guard let login = logins[session] else { return nil }
            guard login.expiresAt > now else {
                logins[session] = nil
                return nil
            }
            return (session, login)
        }
    }

    /// The login form, with a fresh CSRF token in it and in a cookie.
    private func loginPage(message: String?, status: HTTPResponse.Status) throws -> Response {
        let token = try Self.token()
        var response = Self.html(status, SelfCareHTML.login(csrf: token, message: message))
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.loginCookie, token, maxAge: 600)))
        return response
    }

    private static func disabled() -> Response {
        html(
            .forbidden,
            SelfCareHTML.message(
                "Self-Care does not show phones ready to activate on this cluster "
                    + "(enterprise.showPhonesReadyToActivate is false)."))
    }

    private static func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    private static func cookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/selfcare/; Max-Age=\(maxAge); HttpOnly; Secure; SameSite=Strict"
    }

    private static func token() throws -> String { WireHex.encode(try SecureRandom.bytes(32)) }

    private static func cookies(_ request: Request) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                cookies[parts[0].trimmingCharacters(in: .whitespaces)] = String(parts[1])
                    .trimmingCharacters(in: .whitespaces)
            }
        }
        return cookies
    }

    /// An `application/x-www-form-urlencoded` body of at most `limit` bytes.
    private static func form(_ request: Request, limit: Int) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: limit)
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    private static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
