import Foundation
import GRDB
import MRABatKit
import MRABatServer
import Testing

/// Guessing limits (429 with Retry-After) and graceful shutdown under load.
@Suite(.serialized) struct ServeLimitsTests {
    @Test func guessesAreLimitedAndARealPhoneStillActivatesWithinTheWindow() async throws {
        // Each counter's window begins with its first failure. What must happen inside one window (the stranger's
        // guesses and the neighbour held back) runs in this process, a few requests that take well under a second
        // on a quiet machine; on one too loaded to finish them within the window, they are run again after it with
        // the next pair of phones (at most three times). Nothing else depends on how fast this machine is.
        let attempts = 3
        let f = try await ServeFixture("limits", phones: 2 * attempts)
        let window = 30
        let server = try await f.serve([
            "--guess-window", String(window), "--guesses-per-address", "2", "--guesses-per-mac", "2",
        ])
        defer { _ = try? server.stop() }
        let start = server.https + "/activation/v1/start"
        // The MAC each phone activates with.
        func mac(_ phone: Int) -> String { String(format: "00AA11BB23%02X", phone + 1) }

        typealias MIC = (certificate: String, key: String)
        // The attempt that finished within its window, with its two phones' MICs for what follows.
        var settled: (phone: Int, began: Date, mic: MIC, neighbourMIC: MIC)?
        var earlierWindowEnds = Date.distantPast
        for attempt in 0..<attempts where settled == nil {
            if earlierWindowEnds > Date() {
                try await Task.sleep(for: .milliseconds(Int(earlierWindowEnds.timeIntervalSinceNow * 1000) + 100))
            }
            // The server's windows begin no earlier than this.
            let began = Date()
            let phoneMAC = mac(2 * attempt)
            let mic = try f.mic(phoneMAC)
            let client = try RawClient(mic: mic, serverCA: f.serverCA.certificate)

            // A stranger at 127.0.0.1 guesses codes with the real phone's MAC: decoys, then 429.
            var statuses: [Int] = []
            var retryAfter: Int?
            for guess in 0..<5 {
                let phone = try TestPhone(code: String(format: "%016d", 1_234_567_000 + 10 * attempt + guess))
                let answer = try await client.post(
                    start,
                    json: ["identity": phone.identity, "A": phone.publicValueHex, "model": "8845", "mac": phoneMAC])
                statuses.append(answer.status)
                if answer.status == 429 { retryAfter = answer.headers.first(name: "Retry-After").flatMap { Int($0) } }
            }
            await client.shutdown()
            // Another real phone behind the stranger's address, with its right code: held back now.
            let neighbour = f.phones[2 * attempt + 1]
            let neighbourMIC = try f.mic(mac(2 * attempt + 1))
            let neighbourClient = try ActivationClient(
                server: server.https, micCertificate: neighbourMIC.certificate, micKey: neighbourMIC.key,
                serverCA: f.serverCA.certificate, connections: 1)
            var held: String?
            do {
                _ = try await neighbourClient.activate(
                    code: try #require(ActivationCode(userInput: neighbour.code)),
                    mac: try #require(MACAddress(parsing: mac(2 * attempt + 1))), model: "8845")
            } catch {
                held = "\(error)"
            }
            await neighbourClient.shutdown()
            // Any window this attempt opened is over one window after its last request: a guess the server
            // judged after the first window had ended opened another, so the first guess's time is not enough.
            earlierWindowEnds = Date().addingTimeInterval(Double(window))
            // Too slow: the window may have ended before the neighbour asked, so its outcome proves nothing.
            guard Date().timeIntervalSince(began) < Double(window) else { continue }
            #expect(
                statuses == [200, 200, 429, 429, 429], "unknown identities get decoy challenges, then 429: \(statuses)")
            let wait = try #require(retryAfter)
            #expect((1...window).contains(wait))
            #expect(held?.contains("too-many-attempts") == true, "\(held ?? "activated")")
            settled = (2 * attempt, began, mic, neighbourMIC)
        }
        let (phone, began, mic, neighbourMIC) = try #require(settled, "no attempt finished within one window")
        let phoneMAC = mac(phone)

        // The real phone, from another address (127.0.0.2), is not held back by the stranger.
        let elsewhere = try await Python.activate(
            server: server.https, ca: f.serverCA.certificate, mic: mic, code: f.phones[phone].code, mac: phoneMAC,
            source: "127.0.0.2")
        #expect(elsewhere["status"] as? Int == 200, "\(elsewhere)")

        // The neighbour, with `mrabat activate`: refused (exit 4, the reason named) until the address's window is
        // over, one window after the first guess, and then it activates.
        let neighbour = f.phones[phone + 1]
        let arguments = [
            "activate", "--server", server.https, "--code", neighbour.code, "--mac", mac(phone + 1), "--model", "8845",
            "--mic", neighbourMIC.certificate, "--mic-key", neighbourMIC.key, "--server-ca", f.serverCA.certificate,
        ]
        var activatedAfter: TimeInterval?
        while Date().timeIntervalSince(began) < Double(window) + 60 {
            let attempt = try await ServeFixture.run(arguments)
            if attempt.status == 0 {
                activatedAfter = Date().timeIntervalSince(began)
                break
            }
            #expect(attempt.status == 4, "\(attempt.stderr)")
            #expect(attempt.stderr.contains("too-many-attempts"), "\(attempt.stderr)")
            try await Task.sleep(for: .milliseconds(300))
        }
        let delay = try #require(activatedAfter, "the neighbour never activated")
        #expect(delay >= Double(window) - 1, "released after \(delay) s, before its window of \(window) s was over")

        // Every attempt is audited with its source address; the settled attempt's guesses as unknown-code.
        let store = try DatabaseQueue(path: f.db)
        let guesses = try await store.read { db in
            try String.fetchAll(db, sql: "SELECT detail FROM audit WHERE outcome = 'unknown-code'")
        }
        let settledGuesses = guesses.filter { $0.contains("SEP\(phoneMAC)") }
        #expect(settledGuesses.count == 2, "\(guesses)")
        #expect(guesses.allSatisfy { $0.contains("from 127.0.0.1") })
        let throttled = try await store.read { db in try Int.fetchOne(db, sql: "SELECT SUM(throttled) FROM device") }
        #expect(throttled == 0, "guesses never throttle a device")
        #expect(try server.stop() == 0)
    }

    @Test func theGlobalCeilingHoldsAcrossAddresses() async throws {
        let f = try await ServeFixture("global", phones: 1)
        let server = try await f.serve(["--guess-window", "60", "--guesses-global", "2"])
        defer { _ = try? server.stop() }
        let mic = try f.mic("00AA11BB2401")
        for (index, source) in ["127.0.0.3", "127.0.0.4", "127.0.0.5"].enumerated() {
            let answer = try await Python.activate(
                server: server.https, ca: f.serverCA.certificate, mic: mic, code: String(format: "%016d", 42 + index),
                mac: "00AA11BB2401", source: source)
            if index < 2 {
                #expect(answer["status"] as? Int == 403, "\(answer)")
            } else {
                #expect(answer["status"] as? Int == 429, "\(answer)")
                #expect((answer["retryAfter"] as? String).flatMap { Int($0) } != nil)
            }
        }
        #expect(try server.stop() == 0)
    }

    @Test func sigtermDuringALoadRunLeavesNothingHalfWritten() async throws {
        let count = 40
        let f = try await ServeFixture("sigterm", phones: count)
        let server = try await f.serve()
        let mics = try (0..<count).map { index in try f.mic(String(format: "00AA11BC%04X", index)) }
        let serverCA = f.serverCA.certificate
        let https = server.https
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<count {
                group.addTask {
                    do {
                        let client = try ActivationClient(
                            server: https, micCertificate: mics[index].certificate, micKey: mics[index].key,
                            serverCA: serverCA, connections: 1)
                        defer { Task { await client.shutdown() } }
                        let code = ActivationCode(userInput: f.phones[index].code)!
                        let mac = MACAddress(parsing: String(format: "00AA11BC%04X", index))!
                        _ = try await client.activate(code: code, mac: mac, model: "8845")
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(150))
                kill(server.pid, SIGTERM)
                return (-1, true)
            }
            var all: [(Int, Bool)] = []
            for await outcome in group where outcome.0 >= 0 { all.append(outcome) }
            return all
        }
        #expect(try server.wait(timeout: 30) == 0, "graceful shutdown exits 0: \(server.stderr)")
        let succeeded = Set(outcomes.filter(\.1).map(\.0))

        // Every phone told "activated" is activated in the store; every other code is still outstanding on
        // its untouched BAT device; no code is used without its device renamed, or the other way round.
        let store = try DatabaseQueue(path: f.db)
        let rows = try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.name, d.mac, d.activated_at, c.status FROM activation_code c JOIN device d ON d.id = c.device_id
                    ORDER BY c.id
                    """)
        }
        #expect(rows.count == count)
        for (index, row) in rows.enumerated() {
            let status: String = row["status"]
            let name: String = row["name"]
            let activatedAt: Int64? = row["activated_at"]
            if status == "used" {
                #expect(name == String(format: "SEP00AA11BC%04X", index) && activatedAt != nil)
            } else {
                #expect(status == "outstanding" && name == f.phones[index].device && activatedAt == nil)
                #expect(!succeeded.contains(index), "phone \(index) was told it activated")
            }
            if succeeded.contains(index) { #expect(status == "used") }
        }
        let integrity = try await store.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
        print("SIGTERM during load: \(succeeded.count) of \(count) activations finished before shutdown")
    }
}
