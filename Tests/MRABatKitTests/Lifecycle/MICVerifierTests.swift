import Foundation
import TestSupport
import Testing

@testable import MRABatKit

@Suite("MIC verification with OpenSSL")
struct MICVerifierTests {
    static let mac = MACAddress(parsing: "001A2B3C4D5E")!

    @Test func goodMICChainsToTheTrustedCA() throws {
        let pki = try TestPKI("mic-good")
        let ca = try pki.makeCA("Cisco Manufacturing CA SHA2")
        let mic = try pki.makeMIC(mac: "001A2B3C4D5E", by: ca)
        let verified = try MICVerifier(caFiles: [ca.certificate]).verify(micFile: mic, mac: Self.mac, at: Date())
        #expect(verified.subject.contains("CN=CP-8845-SEP001A2B3C4D5E"))
        #expect(verified.issuer.contains("CN=Cisco Manufacturing CA SHA2"))
        #expect(try #require(verified.notAfter) > Date())
    }

    @Test func intermediateCAInTheMICFileCompletesTheChain() throws {
        let pki = try TestPKI("mic-chain")
        let root = try pki.makeCA("Cisco Root CA M2")
        let intermediate = try pki.issue(
            "/O=Cisco/CN=Cisco Manufacturing CA", by: root, days: 3000, isCA: true, file: "sub")
        let mic = try pki.makeMIC(mac: "001A2B3C4D5E", by: intermediate)
        let verifier = MICVerifier(caFiles: [root.certificate])
        // Without the intermediate the chain is broken; with it the MIC verifies.
        let broken = #expect(throws: ActivationRefusal.self) {
            try verifier.verify(micFile: mic, mac: Self.mac, at: Date())
        }
        #expect(broken?.reason == .micUntrusted)
        let bundle = try pki.bundle([mic, intermediate.certificate], as: "mic-with-chain")
        #expect(
            try verifier.verify(micFile: bundle, mac: Self.mac, at: Date()).issuer.contains("Cisco Manufacturing CA"))
    }

    @Test func micFromAnotherCAIsUntrusted() throws {
        let pki = try TestPKI("mic-wrong-ca")
        let trusted = try pki.makeCA("Cisco Manufacturing CA SHA2")
        let rogue = try pki.makeCA("Rogue CA")
        let mic = try pki.makeMIC(mac: "001A2B3C4D5E", by: rogue)
        let refusal = #expect(throws: ActivationRefusal.self) {
            try MICVerifier(caFiles: [trusted.certificate]).verify(micFile: mic, mac: Self.mac, at: Date())
        }
        #expect(refusal?.reason == .micUntrusted)
        #expect(
            refusal?.message.contains("unable to get local issuer certificate") == true,
            "\(String(describing: refusal))")
    }

    @Test func expiredMICAndTimeOutsideValidityAreRefused() throws {
        let pki = try TestPKI("mic-expired")
        let ca = try pki.makeCA("Cisco Manufacturing CA SHA2")
        let expired = try pki.makeMIC(mac: "001A2B3C4D5E", by: ca, days: -1, file: "expired")
        let verifier = MICVerifier(caFiles: [ca.certificate])
        let refusal = #expect(throws: ActivationRefusal.self) {
            try verifier.verify(micFile: expired, mac: Self.mac, at: Date())
        }
        #expect(refusal?.reason == .micExpired)
        #expect(refusal?.message.contains("certificate has expired") == true, "\(String(describing: refusal))")
        // A valid MIC checked at a time after its end, or before its start, is refused the same way.
        let good = try pki.makeMIC(mac: "001A2B3C4D5E", by: ca, days: 30, file: "good")
        #expect(throws: ActivationRefusal.self) {
            try verifier.verify(micFile: good, mac: Self.mac, at: Date().addingTimeInterval(40 * 86_400))
        }
        #expect(throws: ActivationRefusal.self) {
            try verifier.verify(micFile: good, mac: Self.mac, at: Date().addingTimeInterval(-86_400))
        }
        #expect(
            try verifier.verify(micFile: good, mac: Self.mac, at: Date().addingTimeInterval(29 * 86_400)).subject
                .contains("SEP"))
    }

    /// The trusted CAs are read once per process and kept (``TrustAnchors``): a CA file that changes
    /// takes effect at the next verification, and one that disappears is a configuration error.
    @Test func aChangedOrMissingCAFileTakesEffectWithoutARestart() throws {
        let pki = try TestPKI("mic-ca-change")
        let first = try pki.makeCA("Cisco Manufacturing CA SHA2")
        let second = try pki.makeCA("Cisco Manufacturing CA SHA2 2099")
        let byFirst = try pki.makeMIC(mac: "001A2B3C4D5E", by: first, file: "by-first")
        let bySecond = try pki.makeMIC(mac: "001A2B3C4D5E", by: second, file: "by-second")
        let trusted = try TestFiles.temporaryFile(
            "trusted-ca.pem", try String(contentsOfFile: first.certificate, encoding: .utf8))
        let verifier = MICVerifier(caFiles: [trusted])
        #expect(try verifier.verify(micFile: byFirst, mac: Self.mac, at: Date()).issuer.contains("SHA2"))
        #expect(throws: ActivationRefusal.self) { try verifier.verify(micFile: bySecond, mac: Self.mac, at: Date()) }
        // The file now holds the other CA only: the cached store must not still trust the first.
        try String(contentsOfFile: second.certificate, encoding: .utf8).write(
            toFile: trusted + ".new", atomically: false, encoding: .utf8)
        #expect(rename(trusted + ".new", trusted) == 0)
        #expect(try verifier.verify(micFile: bySecond, mac: Self.mac, at: Date()).issuer.contains("2099"))
        let dropped = #expect(throws: ActivationRefusal.self) {
            try verifier.verify(micFile: byFirst, mac: Self.mac, at: Date())
        }
        #expect(dropped?.reason == .micUntrusted)
        try FileManager.default.removeItem(atPath: trusted)
        let missing = #expect(throws: MRABatError.self) {
            try verifier.verify(micFile: bySecond, mac: Self.mac, at: Date())
        }
        #expect(missing?.code == .config)
        #expect(missing?.message.contains(trusted) == true, "\(String(describing: missing))")
    }

    @Test func micOfAnotherPhoneIsRefused() throws {
        let pki = try TestPKI("mic-mac")
        let ca = try pki.makeCA("Cisco Manufacturing CA SHA2")
        let other = try pki.makeMIC(mac: "001A2B3C4D5F", by: ca)
        let refusal = #expect(throws: ActivationRefusal.self) {
            try MICVerifier(caFiles: [ca.certificate]).verify(micFile: other, mac: Self.mac, at: Date())
        }
        #expect(refusal?.reason == .micMACMismatch)
        #expect(refusal?.message.contains("001A2B3C4D5E") == true)
    }

    @Test func unreadableMICAndNoTrustedCAsAreRefused() throws {
        let pki = try TestPKI("mic-bad")
        let ca = try pki.makeCA("Cisco Manufacturing CA SHA2")
        let garbage = try TestFiles.temporaryFile("mic.pem", "not a certificate\n")
        let unreadable = #expect(throws: ActivationRefusal.self) {
            try MICVerifier(caFiles: [ca.certificate]).verify(micFile: garbage, mac: Self.mac, at: Date())
        }
        #expect(unreadable?.reason == .micUnreadable)
        let mic = try pki.makeMIC(mac: "001A2B3C4D5E", by: ca)
        let untrusted = #expect(throws: ActivationRefusal.self) {
            try MICVerifier(caFiles: []).verify(micFile: mic, mac: Self.mac, at: Date())
        }
        #expect(untrusted?.reason == .micUntrusted)
        #expect(untrusted?.message.contains("trust.micCAs") == true)
    }

    @Test func activationChecksTheMICAndAuditsTheRefusal() async throws {
        let pki = try TestPKI("mic-activate")
        let ca = try pki.makeCA("Cisco Manufacturing CA SHA2")
        let rogue = try pki.makeCA("Rogue CA")
        // The MICs first: the fixture's service clock stands a minute after its codes were issued, and a
        // MIC made later (a slow, loaded machine) would not be valid yet at that instant.
        let forged = try pki.makeMIC(mac: "0011223344A9", by: rogue, file: "forged")
        let mic = try pki.makeMIC(mac: "0011223344A9", by: ca)
        let f = try await LifecycleFixture.make { $0.trust.micCAFiles = [ca.certificate] }
        let code = try f.code(pool: "DP-Dallas")
        let name = try f.name(pool: "DP-Dallas")
        #expect(try await f.refusal(code, mac: "0011223344A9", mic: forged)?.reason == .micUntrusted)
        #expect(try await f.store.history(device: name).last?.outcome == "mic-untrusted")
        #expect(try f.count("SELECT failed_attempts FROM device WHERE name = ?", [name]) == 0)
        #expect(try await f.refusal(code, mac: "0011223344A9", mic: mic) == nil)
        #expect(
            try await f.store.history(device: "SEP0011223344A9").last?.detail?.contains(
                "MIC /O=Cisco Systems Inc./OU=cisco.com/CN=CP-8845-SEP0011223344A9 verified") == true)
    }
}
