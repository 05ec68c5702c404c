import Foundation
import GRDB
import TestSupport
import Testing

@testable import MRABatKit

@Suite("Activation service", .timeLimit(.minutes(15)))
struct ActivationServiceTests {
    @Test(arguments: TestBackend.allCases) func batPhoneActivatesAsSEPWithRedirectAndErasedSecrets(backend: TestBackend)
        async throws
    {
        let f = try await LifecycleFixture.make(backend)
        let bat = try f.name(pool: "DP-Dallas")
        #expect(DeviceNamer.isDummyName(bat))
        let code = try f.code(pool: "DP-Dallas")
        let result = try await PhoneActivation.run(
            code: code, phone: PhoneIdentity(mac: LifecycleFixture.mac("00:11:22:aa:bb:cc"), model: "Cisco 8845"),
            service: f.service())
        #expect(result.commit.previousName == bat)
        #expect(result.commit.device.name == "SEP001122AABBCC")
        #expect(result.commit.device.mac == "001122AABBCC")
        #expect(result.target.isRedirected)
        #expect(result.target.activationDomain.domain == "activate.mra.acme.example")
        #expect(result.target.serviceDomain.name == "US-MRA")
        #expect(result.target.description.contains("redirected to MRA service domain us.mra.acme.example"))

        // In the store: renamed, activated, code used with every secret erased, audited.
        #expect(try f.count("SELECT COUNT(*) FROM device WHERE name = ?", [bat]) == 0)
        #expect(
            try f.count("SELECT COUNT(*) FROM device WHERE name = 'SEP001122AABBCC' AND activated_at IS NOT NULL") == 1)
        let device: Int64 = try #require(try f.value("SELECT id FROM device WHERE name = 'SEP001122AABBCC'"))
        #expect(
            try f.count(
                "SELECT COUNT(*) FROM activation_code WHERE device_id = ? AND status = 'used' AND salt IS NULL AND verifier IS NULL AND sealed IS NULL AND ended_at IS NOT NULL",
                [device]) == 1)
        #expect(
            try f.count("SELECT COUNT(*) FROM activation_code WHERE device_id = ? AND status = 'outstanding'", [device])
                == 0)
        let history = try await f.store.history(device: "SEP001122AABBCC")
        #expect(history.map(\.event) == ["issue", "activate"])
        #expect(history.last?.outcome == "ok")
        #expect(history.last?.detail?.contains("renamed \(bat) → SEP001122AABBCC") == true)
        // The former name finds the same history.
        #expect(try await f.store.history(device: bat) == history)

        // The config file: SEP written with the redirect, the BAT file gone.
        #expect(FileManager.default.fileExists(atPath: f.out + "/tftp/\(bat).cnf.xml"))
        let batXML = try String(contentsOfFile: f.out + "/tftp/\(bat).cnf.xml", encoding: .utf8)
        let written = try ActivationConfigFile.write(result.commit, cluster: f.cluster, outDirectory: f.out)
        #expect(written.path == f.out + "/tftp/SEP001122AABBCC.cnf.xml")
        #expect(written.removed == f.out + "/tftp/\(bat).cnf.xml")
        #expect(!FileManager.default.fileExists(atPath: f.out + "/tftp/\(bat).cnf.xml"))
        let xml = try String(contentsOfFile: written.path, encoding: .utf8)
        #expect(xml.contains("<domain>us.mra.acme.example</domain>"))
        // The file names neither name (Unified CM's files do not); it is the device's by its file name,
        // and keeps the identifiers the BAT device's file had.
        #expect(!xml.contains(bat) && !xml.contains("SEP001122AABBCC"))
        let uuid = "uuid=\"\(PhoneConfigIdentity.deviceUUID(cluster: f.cluster.name, deviceID: device))\""
        #expect(xml.contains(uuid) && batXML.contains(uuid))
        let contact =
            "<contact>\(PhoneConfigIdentity.lineContact(cluster: f.cluster.name, deviceID: device, button: 1))<"
        #expect(xml.contains(contact) && batXML.contains(contact))
        let validator = try XMLSchemaValidator(schemaPath: TestFiles.path("Templates/device-config.xsd"))
        #expect(validator.validate(fileAt: written.path).isEmpty)
    }

    @Test(arguments: TestBackend.allCases) func phoneOnTheActivationDomainGetsNoRedirect(backend: TestBackend)
        async throws
    {
        let f = try await LifecycleFixture.make(backend)
        let result = try await PhoneActivation.run(
            code: try f.code(pool: "DP-NewYork"),
            phone: PhoneIdentity(mac: LifecycleFixture.mac("0011223344A1"), model: "8845"),
            service: f.service())
        #expect(!result.target.isRedirected)
        #expect(result.target.description.contains("no redirect"))
        let written = try ActivationConfigFile.write(result.commit, cluster: f.cluster, outDirectory: f.out)
        let xml = try String(contentsOfFile: written.path, encoding: .utf8)
        #expect(!xml.contains("mraServiceDomainRedirect"), "\(xml)")
        #expect(!xml.contains("mra.acme.example"), "no domain: the phone stays where it activated")
    }

    @Test(arguments: TestBackend.allCases) func optionOneDeviceAcceptsOnlyItsMAC(backend: TestBackend) async throws {
        let f = try await LifecycleFixture.make(backend)
        let sep = "SEP" + LifecycleFixture.optionOneMAC
        let code = try #require(f.codes[sep])
        let wrong = try #require(try await f.refusal(code, mac: "001A2B3C4D5F"))
        #expect(wrong.reason == .macMismatch)
        #expect(wrong.message.contains("bound to MAC 001A2B3C4D5E"))
        // A MAC mismatch after a valid proof is not a guess: no attempt counted, the code still works.
        #expect(try f.count("SELECT failed_attempts FROM device WHERE name = ?", [sep]) == 0)
        #expect(try await f.refusal(code, mac: "00:1a:2b:3c:4d:5e") == nil)
        #expect(try f.count("SELECT COUNT(*) FROM device WHERE name = ? AND activated_at IS NOT NULL", [sep]) == 1)
        let outcomes = try await f.store.history(device: sep).map(\.outcome)
        #expect(outcomes == ["ok", "mac-mismatch", "ok"])
    }

    @Test(arguments: [
        ("8841", "is a Cisco 8845, but the phone is a Cisco 8841"), ("7960", "not a model that supports"),
    ])
    func modelMismatchIsRefused(model: String, message: String) async throws {
        let f = try await LifecycleFixture.make()
        let refusal = try #require(
            try await f.refusal(try f.code(pool: "DP-Dallas"), mac: "0011223344A2", model: model))
        #expect(refusal.reason == .modelMismatch)
        #expect(refusal.message.contains(message), "\(refusal)")
        #expect(try f.count("SELECT COUNT(*) FROM activation_code WHERE status = 'outstanding'") == 3)
    }

    @Test(arguments: TestBackend.allCases) func unknownCodeIsRefusedAuditedAndNeverLocksThePhoneOut(
        backend: TestBackend
    ) async throws {
        let f = try await LifecycleFixture.make(backend) { $0.enterprise.maxActivationAttempts = 2 }
        var wrong = try ActivationCode.generate()
        while f.codes.values.contains(wrong) { wrong = try ActivationCode.generate() }
        // A phone nobody provisioned: refused, audited under the phone's name, nothing counted.
        let stranger = try #require(try await f.refusal(wrong, mac: "00AABBCCDDEE"))
        #expect(stranger.reason == .unknownCode)
        #expect(
            try f.count(
                "SELECT COUNT(*) FROM audit WHERE device_id IS NULL AND device_name = 'SEP00AABBCCDDEE' AND outcome = 'unknown-code'"
            ) == 1)
        #expect(try f.count("SELECT SUM(failed_attempts) FROM device") == 0)

        // Wrong codes with the Option 1 phone's MAC — anyone can send those: audited under that device,
        // but never counted, so a stranger cannot lock the real phone out.
        let sep = "SEP" + LifecycleFixture.optionOneMAC
        for _ in 0..<5 {
            #expect(try await f.refusal(wrong, mac: LifecycleFixture.optionOneMAC)?.reason == .unknownCode)
        }
        #expect(try f.count("SELECT failed_attempts FROM device WHERE name = ?", [sep]) == 0)
        #expect(try f.count("SELECT throttled FROM device WHERE name = ?", [sep]) == 0)
        #expect(try await f.store.history(device: sep).filter { $0.outcome == "unknown-code" }.count == 5)
        // The real phone with its real code still activates.
        #expect(try await f.refusal(f.codes[sep]!, mac: LifecycleFixture.optionOneMAC) == nil)
    }

    @Test(arguments: TestBackend.allCases) func wrongProofCountsAttemptsThrottlesAndRegenerateClearsIt(
        backend: TestBackend
    ) async throws {
        let f = try await LifecycleFixture.make(backend) { $0.enterprise.maxActivationAttempts = 3 }
        let name = try f.name(pool: "DP-Dallas")
        let code = try f.code(pool: "DP-Dallas")
        let service = f.service()
        let phone = PhoneIdentity(mac: LifecycleFixture.mac("0011223344B1"), model: "8845")
        // A client that knows the identity but not the code: the proof fails on the server.
        for attempt in 1...3 {
            var client = try SRPClient(
                parameters: .mrabat, identity: try ActivationIdentity(code: code).value, password: "0000000000000000")
            let handshake = try await service.begin(hello: client.hello(), phone: phone)
            #expect(handshake.deviceName == name)
            let proof = try client.respond(to: handshake.challenge)
            await #expect(throws: ActivationRefusal.self) { try await service.finish(handshake, proof: proof) }
            #expect(try f.count("SELECT failed_attempts FROM device WHERE name = ?", [name]) == attempt)
        }
        #expect(try f.count("SELECT throttled FROM device WHERE name = ?", [name]) == 1)
        #expect(try await f.store.history(device: name).map(\.outcome).filter { $0 == "wrong-proof" }.count == 3)
        #expect(try await f.refusal(code, mac: "0011223344B1", service: service)?.reason == .throttled)

        let issued = try await CodeReplacement.replace(
            deviceNamed: name, kind: .regenerate, store: f.store, vault: f.vault, ttlHours: 168, now: f.issuedAt)
        #expect(issued.code != code)
        #expect(!issued.device.throttled && issued.device.failedAttempts == 0)
        #expect(try await f.refusal(code, mac: "0011223344B1", service: service)?.reason == .released)
        #expect(try await f.refusal(issued.code, mac: "0011223344B1", service: service) == nil)
    }

    @Test(arguments: TestBackend.allCases) func expiredCodeIsRefusedAndMarkedExpired(backend: TestBackend) async throws
    {
        let f = try await LifecycleFixture.make(backend)
        let name = try f.name(pool: "DP-Dallas")
        let late = f.service(after: 168 * 3600 + 1)
        let refusal = try #require(
            try await f.refusal(try f.code(pool: "DP-Dallas"), mac: "0011223344C1", service: late))
        #expect(refusal.reason == .expired)
        #expect(refusal.message.contains("mrabat regenerate \(name)"))
        #expect(
            try f.count(
                "SELECT COUNT(*) FROM activation_code WHERE status = 'expired' AND verifier IS NULL AND sealed IS NULL")
                == 1)
        // Second try: the record says expired before any handshake.
        #expect(
            try await f.refusal(try f.code(pool: "DP-Dallas"), mac: "0011223344C1", service: late)?.reason == .expired)
        // One second before the end it still works (another device).
        let inTime = f.service(after: 168 * 3600 - 1)
        #expect(try await f.refusal(try f.code(pool: "DP-NewYork"), mac: "0011223344C2", service: inTime) == nil)
    }

    @Test(arguments: TestBackend.allCases) func usedAndReleasedCodesAreRefused(backend: TestBackend) async throws {
        let f = try await LifecycleFixture.make(backend)
        let dallas = try f.code(pool: "DP-Dallas")
        #expect(try await f.refusal(dallas, mac: "0011223344D1") == nil)
        #expect(try await f.refusal(dallas, mac: "0011223344D1")?.reason == .alreadyUsed)
        #expect(try await f.refusal(dallas, mac: "0011223344D2")?.reason == .alreadyUsed)

        let newYork = try f.name(pool: "DP-NewYork")
        let ended = try await f.store.releaseCode(deviceNamed: newYork, now: f.issuedAt)
        #expect(ended.deviceName == newYork)
        #expect(try await f.refusal(f.codes[newYork]!, mac: "0011223344D3")?.reason == .released)
        await #expect(throws: MRABatError.self) { try await f.store.releaseCode(deviceNamed: newYork, now: f.issuedAt) }
        await #expect(throws: MRABatError.self) {
            try await f.store.releaseCode(deviceNamed: "BAT000000000000", now: f.issuedAt)
        }
    }

    @Test(arguments: TestBackend.allCases) func aMACAlreadyOnAnotherDeviceIsRefused(backend: TestBackend) async throws {
        let f = try await LifecycleFixture.make(backend)
        let refusal = try #require(
            try await f.refusal(try f.code(pool: "DP-Dallas"), mac: LifecycleFixture.optionOneMAC))
        #expect(refusal.reason == .macInUse)
        #expect(refusal.message.contains("SEP\(LifecycleFixture.optionOneMAC)"))
        // Nothing changed: the code is still outstanding and the BAT device keeps its name.
        #expect(try f.count("SELECT COUNT(*) FROM activation_code WHERE status = 'outstanding'") == 3)
        #expect(try f.count("SELECT COUNT(*) FROM device WHERE name LIKE 'BAT%'") == 2)
    }

    @Test(arguments: TestBackend.allCases) func twoHandshakesForOneCodeCommitExactlyOnce(backend: TestBackend)
        async throws
    {
        let f = try await LifecycleFixture.make(backend)
        let code = try f.code(pool: "DP-Dallas")
        let service = f.service()
        var first = try SRPClient(
            parameters: .mrabat, identity: try ActivationIdentity(code: code).value, password: code.digits)
        var second = try SRPClient(
            parameters: .mrabat, identity: try ActivationIdentity(code: code).value, password: code.digits)
        let h1 = try await service.begin(
            hello: first.hello(), phone: PhoneIdentity(mac: LifecycleFixture.mac("0011223344E1"), model: "8845"))
        let h2 = try await service.begin(
            hello: second.hello(), phone: PhoneIdentity(mac: LifecycleFixture.mac("0011223344E2"), model: "8845"))
        let p1 = try first.respond(to: h1.challenge)
        let p2 = try second.respond(to: h2.challenge)
        let won = try await service.finish(h1, proof: p1)
        try first.verify(won.serverProof)
        #expect(first.sessionKey != nil)
        let lost = await #expect(throws: ActivationRefusal.self) { try await service.finish(h2, proof: p2) }
        #expect(lost?.reason == .alreadyUsed)
        #expect(try f.count("SELECT COUNT(*) FROM device WHERE name IN ('SEP0011223344E1', 'SEP0011223344E2')") == 1)
    }

    @Test(arguments: TestBackend.allCases) func relockBindsTheNewCodeToTheMAC(backend: TestBackend) async throws {
        let f = try await LifecycleFixture.make(backend)
        let bat = try f.name(pool: "DP-Dallas")
        // Not activated: relock refuses, regenerate works.
        await #expect(throws: MRABatError.self) {
            try await CodeReplacement.replace(
                deviceNamed: bat, kind: .relock, store: f.store, vault: f.vault, ttlHours: 168, now: f.issuedAt)
        }
        #expect(try await f.refusal(try f.code(pool: "DP-Dallas"), mac: "0011223344F1") == nil)
        let sep = "SEP0011223344F1"
        let regenerate = await #expect(throws: MRABatError.self) {
            try await CodeReplacement.replace(
                deviceNamed: sep, kind: .regenerate, store: f.store, vault: f.vault, ttlHours: 168, now: f.issuedAt)
        }
        #expect(regenerate?.message.contains("mrabat relock") == true)

        let relocked = try await CodeReplacement.replace(
            deviceNamed: sep, kind: .relock, store: f.store, vault: f.vault, ttlHours: 24, now: f.issuedAt)
        #expect(relocked.device.activatedAt == nil)
        #expect(relocked.expiresAt == f.issuedAt.addingTimeInterval(24 * 3600))
        #expect(
            try f.count(
                "SELECT COUNT(*) FROM activation_code WHERE bound_mac = '0011223344F1' AND status = 'outstanding'") == 1
        )
        // Another phone of the same model is refused; the phone itself activates again under the same name.
        #expect(try await f.refusal(relocked.code, mac: "0011223344F2")?.reason == .macMismatch)
        let again = try await PhoneActivation.run(
            code: relocked.code, phone: PhoneIdentity(mac: LifecycleFixture.mac("0011223344F1"), model: "8845"),
            service: f.service())
        #expect(again.commit.previousName == sep && again.commit.device.name == sep)
        #expect(
            try await f.store.history(device: sep).map(\.event) == [
                "issue", "activate", "relock", "activate", "activate",
            ])
    }

    @Test(arguments: TestBackend.allCases) func expireEndsOnlyCodesPastTheirTimeToLive(backend: TestBackend)
        async throws
    {
        let f = try await LifecycleFixture.make(backend)
        let newYork = try f.name(pool: "DP-NewYork")
        // Give one device a fresh code issued a day later, so it outlives the others.
        let later = f.issuedAt.addingTimeInterval(86_400)
        _ = try await CodeReplacement.replace(
            deviceNamed: newYork, kind: .regenerate, store: f.store, vault: f.vault, ttlHours: 168, now: later)
        #expect(try await f.store.expireCodes(now: f.issuedAt.addingTimeInterval(3600)).isEmpty)
        let ended = try await f.store.expireCodes(now: f.issuedAt.addingTimeInterval(168 * 3600))
        #expect(Set(ended.map(\.deviceName)) == [try f.name(pool: "DP-Dallas"), "SEP" + LifecycleFixture.optionOneMAC])
        #expect(try f.count("SELECT COUNT(*) FROM activation_code WHERE status = 'expired' AND sealed IS NULL") == 2)
        let listed = try await f.store.outstandingCodes(jobID: nil, now: f.issuedAt, after: 0, limit: 10).map(
            \.deviceName)
        #expect(listed == [newYork])
        #expect(
            try await f.store.history(device: "SEP" + LifecycleFixture.optionOneMAC).map(\.event) == [
                "issue", "expire",
            ])
        #expect(try await f.store.expireCodes(now: f.issuedAt.addingTimeInterval(168 * 3600)).isEmpty, "idempotent")
    }
}
