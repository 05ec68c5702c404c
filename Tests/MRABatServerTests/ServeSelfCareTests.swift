import Foundation
import TestSupport
import Testing

/// Self-Care in a real browser: headless Chromium logs in, sees its own phones with code and QR, logs out.
@Suite(.serialized) struct ServeSelfCareTests {
    /// An htpasswd file written by `htpasswd -B` (apache2-utils).
    static func htpasswd(_ users: [(String, String)], in directory: String) throws -> String {
        let path = directory + "/users.htpasswd"
        for (index, (user, password)) in users.enumerated() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/htpasswd")
            process.arguments = (index == 0 ? ["-c"] : []) + ["-B", "-b", path, user, password]
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw FixtureError("htpasswd -B failed (apt-get install apache2-utils)")
            }
        }
        return path
    }

    @Test func aUserLogsInSeesOnlyTheirPhonesWithQRAndLogsOut() async throws {
        let f = try await ServeFixture("selfcare", phones: 4)
        let users = try Self.htpasswd([("alice", "correct horse"), ("bob", "battery staple")], in: f.directory)
        #expect(try String(contentsOfFile: users, encoding: .utf8).contains(":$2y$"))
        let server = try await f.serve(["--selfcare-users", users])
        defer { _ = try? server.stop() }
        let alice = f.phones.filter { $0.owner == "alice" }
        let others = f.phones.filter { $0.owner != "alice" }
        #expect(alice.count == 2)

        let shot = f.directory + "/alice.png"
        let page = try await Browser.selfCare(
            server.https + "/selfcare/", user: "alice", password: "correct horse", screenshot: shot)
        let loginPage = try #require(page["login_page"] as? String)
        #expect(loginPage.contains("Log in"))
        let phonesPage = try #require(page["phones_page"] as? String)
        #expect(phonesPage.contains("Phones ready to activate"))
        for phone in alice {
            let grouped = stride(from: 0, to: 16, by: 4).map { String(phone.code.dropFirst($0).prefix(4)) }
                .joined(separator: " ")
            #expect(phonesPage.contains(grouped), "alice's code \(grouped) is on her page")
            #expect(phonesPage.contains(phone.device))
        }
        for phone in others {
            #expect(!phonesPage.contains(phone.device), "another user's phone \(phone.device) is not shown")
        }
        // The QR codes in the screenshot decode to alice's codes.
        let decoded = Set(try zbar(shot))
        #expect(decoded == Set(alice.map(\.code)), "QR codes in the screenshot: \(decoded)")
        // The session cookie's attributes.
        let cookies = try #require(page["cookies"] as? [[String: Any]])
        let session = try #require(cookies.first { ($0["name"] as? String) == "mrabat_selfcare" }, "\(cookies)")
        #expect(session["httpOnly"] as? Bool == true && session["secure"] as? Bool == true, "\(session)")
        #expect(session["sameSite"] as? String == "Strict", "\(session)")
        let remaining = try #require(page["cookies_after_logout"] as? [[String: Any]])
        #expect(
            !remaining.contains { ($0["name"] as? String) == "mrabat_selfcare" },
            "logged out: the session cookie is gone")
        let afterLogout = try #require(page["after_logout"] as? String)
        #expect(afterLogout.contains("Log in"))

        // Bob sees his own phone, and a wrong password gets nowhere.
        let bob = try await Browser.selfCare(
            server.https + "/selfcare/", user: "bob", password: "battery staple", screenshot: f.directory + "/bob.png")
        let bobPage = try #require(bob["phones_page"] as? String)
        for phone in alice { #expect(!bobPage.contains(phone.device)) }
        for phone in f.phones where phone.owner == "bob" { #expect(bobPage.contains(phone.device)) }
        let wrong = try await Browser.selfCare(
            server.https + "/selfcare/", user: "alice", password: "wrong", screenshot: f.directory + "/wrong.png")
        let wrongPage = try #require(wrong["phones_page"] as? String)
        #expect(wrongPage.contains("Wrong user name or password"))
        for phone in alice { #expect(!wrongPage.contains(phone.device)) }
        #expect(try server.stop() == 0)
    }

    @Test func cookiesFormsAndTheClusterSwitch() async throws {
        let f = try await ServeFixture("selfcare-http", phones: 2)
        let users = try Self.htpasswd([("alice", "pw1")], in: f.directory)
        let server = try await f.serve(["--selfcare-users", users, "--logins-per-address", "3"])
        defer { _ = try? server.stop() }
        let raw = try RawClient(serverCA: f.serverCA.certificate)
        defer { Task { await raw.shutdown() } }
        let login = try await raw.get(server.https + "/selfcare/")
        #expect(login.status == 200)
        let cookie = try #require(login.headers["Set-Cookie"].first)
        for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/selfcare/"] {
            #expect(cookie.contains(attribute), "\(cookie)")
        }
        #expect(login.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
        // A login post without the CSRF token pair is refused before the password is looked at.
        let forged = try await raw.send(
            .POST, server.https + "/selfcare/login", body: Array("user=alice&password=pw1".utf8),
            headers: [("Content-Type", "application/x-www-form-urlencoded")])
        #expect(forged.status == 403)
        #expect(!forged.body.contains("Phones ready"))
        // Failed logins are limited per address: three refusals, then 429. The address's window begins
        // with its first failure and lasts 60 s, far longer than four requests take even on a loaded machine.
        let token = String(cookie.split(separator: ";")[0].split(separator: "=")[1])
        var statuses: [Int] = []
        for _ in 0..<4 {
            let answer = try await raw.send(
                .POST, server.https + "/selfcare/login", body: Array("user=alice&password=nope&csrf=\(token)".utf8),
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "mrabat_selfcare_login=\(token)"),
                ])
            statuses.append(answer.status)
        }
        #expect(statuses == [401, 401, 401, 429], "\(statuses)")
        #expect(try server.stop() == 0)

        // With showPhonesReadyToActivate off, Self-Care refuses.
        let off = try await ServeFixture("selfcare-off", phones: 1, showPhonesReadyToActivate: false)
        let offUsers = try Self.htpasswd([("alice", "pw1")], in: off.directory)
        let offServer = try await off.serve(["--selfcare-users", offUsers])
        defer { _ = try? offServer.stop() }
        let offRaw = try RawClient(serverCA: off.serverCA.certificate)
        defer { Task { await offRaw.shutdown() } }
        let answer = try await offRaw.get(offServer.https + "/selfcare/")
        #expect(answer.status == 403)
        #expect(answer.body.contains("showPhonesReadyToActivate"))
        #expect(try offServer.stop() == 0)
    }
}

enum Browser {
    static let script = ServeFixture.repo("Tests/MRABatServerTests/Fixtures/selfcare_browser.py")

    static func selfCare(_ url: String, user: String, password: String, screenshot: String) async throws
        -> [String: Any]
    {
        let run = try await ServeFixture.runChild(
            "/usr/bin/env", ["python3", script, url, user, password, screenshot], timeout: 90,
            name: "headless Chromium")
        let (stdout, stderr) = (run.stdout, run.stderr)
        guard let line = stdout.split(separator: "\n").last,
            let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], json["error"] == nil
        else {
            throw FixtureError("the Chromium driver failed (exit \(run.status)): \(stdout) \(stderr)")
        }
        return json
    }
}
