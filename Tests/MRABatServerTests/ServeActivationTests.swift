import Foundation
import GRDB
import MRABatKit
import MRABatServer
import Testing

/// `mrabat serve` end to end: the built binary on 127.0.0.1, real TLS with MICs, real clients.
@Suite(.serialized) struct ServeActivationTests {
    @Test func activateThroughMrabatActivateServerThenDownloadTheConfig() async throws {
        let f = try await ServeFixture("cli", phones: 3)
        let server = try await f.serve()
        defer { _ = try? server.stop() }
        let phone = f.phones[0]
        let mic = try f.mic("00AA11BB22C1")
        let arguments = [
            "activate", "--server", server.https, "--code", phone.code, "--mac", "00:aa:11:bb:22:c1", "--model", "8845",
            "--mic", mic.certificate, "--mic-key", mic.key, "--server-ca", f.serverCA.certificate,
        ]
        let first = try await ServeFixture.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("activated SEP00AA11BB22C1"))
        #expect(first.stdout.contains("config file: /SEP00AA11BB22C1.cnf.xml"))
        #expect(first.stdout.contains("MRA target: activation domain"))

        // The same code again: refused with the CLI's tag and exit status.
        let again = try await ServeFixture.run(arguments)
        #expect(again.status == 4)
        #expect(again.stderr.contains("activation refused (already-used)"), "\(again.stderr)")

        // Without a MIC: mic-missing, exit 4.
        let bare = try await ServeFixture.run([
            "activate", "--server", server.https, "--code", f.phones[1].code, "--mac", "00AA11BB22C2", "--model",
            "8845",
            "--server-ca", f.serverCA.certificate,
        ])
        #expect(bare.status == 4)
        #expect(bare.stderr.contains("activation refused (mic-missing)"), "\(bare.stderr)")

        // A MIC from a CA the cluster does not trust.
        let rogueCA = try f.pki.makeCA("rogue")
        let rogue = try f.pki.makeMIC(mac: "00AA11BB22C2", by: rogueCA, file: "rogue-mic")
        let untrusted = try await ServeFixture.run([
            "activate", "--server", server.https, "--code", f.phones[1].code, "--mac", "00AA11BB22C2", "--model",
            "8845",
            "--mic", rogue, "--mic-key", TestPKIKey.of(rogue), "--server-ca", f.serverCA.certificate,
        ])
        #expect(untrusted.status == 4)
        #expect(untrusted.stderr.contains("activation refused (mic-untrusted)"), "\(untrusted.stderr)")

        // Config download: the SEP name serves with an ETag, 304 on If-None-Match, the BAT name is gone.
        let raw = try RawClient()
        defer { Task { await raw.shutdown() } }
        let config = try await raw.get(server.config + "/SEP00AA11BB22C1.cnf.xml")
        #expect(config.status == 200)
        #expect(config.body.contains("<device"))
        #expect(config.headers.first(name: "Content-Type")?.hasPrefix("text/xml") == true)
        let etag = try #require(config.headers.first(name: "ETag"))
        #expect(etag.hasPrefix("\"") && etag.count == 34)
        let cached = try await raw.get(server.config + "/SEP00AA11BB22C1.cnf.xml", headers: [("If-None-Match", etag)])
        #expect(cached.status == 304)
        #expect(cached.body.isEmpty)
        let stale = try await raw.get(
            server.config + "/SEP00AA11BB22C1.cnf.xml", headers: [("If-None-Match", "\"0000\"")])
        #expect(stale.status == 200)
        #expect(try await raw.get(server.config + "/\(phone.device).cnf.xml").status == 404)
        #expect(try await raw.get(server.config + "/\(f.phones[2].device).cnf.xml").status == 200)
        #expect(try await raw.get(server.config + "/SEP0000000000FF.cnf.xml").status == 404)
        #expect(try await raw.get(server.config + "/../mrabat.sqlite").status == 404)
        #expect(try await raw.get(server.config + "/healthz").body == "ok\n")
        let metrics = try await raw.get(server.config + "/metrics")
        #expect(metrics.body.contains("mrabat_activation_finishes_total{outcome=\"ok\"} 1"), "\(metrics.body)")
        #expect(metrics.body.contains("mrabat_config_requests_total{status=\"304\"} 1"))

        // The store: activated once, every attempt audited with its address, no code in the log.
        let store = try DatabaseQueue(path: f.db)
        let outcomes = try await store.read { db in
            try String.fetchAll(
                db, sql: "SELECT outcome || ' ' || detail FROM audit WHERE event = 'activate' ORDER BY id")
        }
        #expect(outcomes.filter { $0.hasPrefix("ok ") }.count == 1)
        #expect(outcomes.allSatisfy { $0.contains("from 127.0.0.1") }, "\(outcomes)")
        for row in outcomes { #expect(!f.phones.contains { row.contains($0.code) }) }
        #expect(try server.stop() == 0)
        for code in f.phones.map(\.code) { #expect(!server.stderr.contains(code)) }
    }

    @Test func anIndependentPysrpClientActivates() async throws {
        let f = try await ServeFixture("pysrp", phones: 2)
        let server = try await f.serve()
        defer { _ = try? server.stop() }
        let mic = try f.mic("00AA11BB22D1")
        let good = try await Python.activate(
            server: server.https, ca: f.serverCA.certificate, mic: mic, code: f.phones[0].code, mac: "00AA11BB22D1")
        #expect(good["status"] as? Int == 200, "\(good)")
        #expect(good["m2_ok"] as? Bool == true, "the server's M2 must verify in pysrp: \(good)")
        let body = try #require(good["body"] as? [String: Any])
        #expect(body["device"] as? String == "SEP00AA11BB22D1")
        #expect(body["config"] as? String == "/SEP00AA11BB22D1.cnf.xml")
        // The fixture's phones are in DP-Dallas, whose MRA service domain is US-MRA: redirected.
        let target = try #require(body["mraTarget"] as? [String: Any])
        #expect(target["redirect"] as? Bool == true, "\(target)")
        #expect(target["serviceDomain"] as? String == "us.mra.acme.example", "\(target)")

        // A wrong code from pysrp: a decoy challenge, refused at finish like a wrong proof.
        let wrong = try await Python.activate(
            server: server.https, ca: f.serverCA.certificate, mic: mic, code: "0000000000000001", mac: "00AA11BB22D1")
        #expect(wrong["step"] as? String == "finish")
        #expect(wrong["status"] as? Int == 403)
        #expect((wrong["body"] as? [String: Any])?["error"] as? String == "wrong-proof")
        #expect(try server.stop() == 0)
    }

    @Test func eightClientsRaceForOneCodeAndExactlyOneWins() async throws {
        let f = try await ServeFixture("race", phones: 2)
        let server = try await f.serve()
        defer { _ = try? server.stop() }
        let mic = try f.mic("00AA11BB22E1")
        let code = try #require(ActivationCode(userInput: f.phones[0].code))
        let mac = try #require(MACAddress(parsing: "00AA11BB22E1"))
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        let client = try ActivationClient(
                            server: server.https, micCertificate: mic.certificate, micKey: mic.key,
                            serverCA: f.serverCA.certificate, connections: 1)
                        defer { Task { await client.shutdown() } }
                        return try await client.activate(code: code, mac: mac, model: "8845").device
                    } catch let refusal as ActivationRefusal {
                        return refusal.reason.rawValue
                    } catch {
                        return "error: \(error)"
                    }
                }
            }
            var all: [String] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter { $0 == "SEP00AA11BB22E1" }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == "already-used" }.count == 7, "\(outcomes)")
        let store = try DatabaseQueue(path: f.db)
        let (used, renamed, ok) = try await store.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM activation_code WHERE status = 'used'") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM device WHERE name = 'SEP00AA11BB22E1'") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'activate' AND outcome = 'ok'")
                    ?? -1
            )
        }
        #expect(used == 1 && renamed == 1 && ok == 1)
        #expect(try server.stop() == 0)
    }
}

enum TestPKIKey {
    static func of(_ certificate: String) -> String { String(certificate.dropLast(".pem".count)) + ".key" }
}

/// The independent client: `Fixtures/pysrp_activate.py` with the `srp` package.
enum Python {
    static let script = ServeFixture.repo("Tests/MRABatServerTests/Fixtures/pysrp_activate.py")

    /// Runs one activation; fails (never skips) when python3 or the srp package is missing.
    static func activate(
        server: String, ca: String, mic: (certificate: String, key: String), code: String, mac: String,
        model: String = "8845", source: String? = nil
    ) async throws -> [String: Any] {
        let run = try await ServeFixture.runChild(
            "/usr/bin/env",
            ["python3", script, server, ca, mic.certificate, mic.key, code, mac, model] + (source.map { [$0] } ?? []),
            timeout: 60, name: "the pysrp client")
        let (stdout, stderr) = (run.stdout, run.stderr)
        guard
            let line = stdout.split(separator: "\n").last,
            let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else {
            throw FixtureError(
                "the pysrp client (python3 with the srp package: `python3 -m pip install srp`) failed: "
                    + "exit \(run.status), \(stdout) \(stderr)")
        }
        if let error = json["error"] as? String, json["status"] == nil { throw FixtureError(error) }
        return json
    }
}
