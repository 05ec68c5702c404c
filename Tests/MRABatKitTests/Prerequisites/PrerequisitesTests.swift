import Foundation
import Glibc
import TestSupport
import Testing

@testable import MRABatKit

/// Answers SRV lookups from a table, so `--resolve` logic is tested without DNS.
struct TableResolver: SRVResolving {
    var records: [String: [SRVRecord]]
    var failing = false

    func lookup(_ name: String) throws -> [SRVRecord] {
        if failing { throw MRABatError(.io, "resolver unreachable") }
        return records[name] ?? []
    }
}

@Suite("Prerequisite check")
struct PrerequisitesTests {
    static func sample(_ change: (inout ClusterConfig) -> Void = { _ in }) throws -> ClusterConfig {
        var cluster = try ClusterConfig.load(path: TestFiles.sampleCluster)
        change(&cluster)
        return cluster
    }

    static func failures(_ cluster: ClusterConfig, now: Date = Date(), resolver: (any SRVResolving)? = nil) -> [String]
    {
        Prerequisites.evaluate(cluster, now: now, resolver: resolver).filter { !$0.passed }.map(\.id)
    }

    @Test func sampleClusterWithAMICCAPassesEverything() throws {
        let pki = try TestPKI("check-good")
        let ca = try pki.makeCA("Cisco Manufacturing CA SHA2")
        let edge = try pki.makeCA("ACME Expressway Issuing CA")
        let cluster = try Self.sample {
            $0.trust.micCAFiles = [ca.certificate]
            $0.trust.phoneEdgeTrustFiles = [edge.certificate]
        }
        let results = Prerequisites.evaluate(cluster, now: Date())
        let failing = results.filter { !$0.passed }.map(\.line)
        #expect(failing.isEmpty, "\(failing)")
        #expect(results.count == 14)
        #expect(results.map(\.id).contains("srv:apac.mra.acme.example"))
        #expect(results.first { $0.id == "mic-trust-cas" }?.detail == "1 MIC trust CA parse, are CAs and are valid")
        // The sample as shipped lists no MIC CA: exactly that fails, with its fix.
        let shippedCluster = try Self.sample()
        let shipped = Prerequisites.evaluate(shippedCluster, now: Date()).filter { !$0.passed }
        #expect(shipped.map(\.id) == ["mic-trust-cas"])
        #expect(shipped[0].line.hasPrefix("FAIL  mic-trust-cas: no MIC trust CA is configured — fix: "))
    }

    @Test func eachDisabledSettingFailsItsOwnCheck() throws {
        #expect(
            Self.failures(try Self.sample { $0.enterprise.oauthRefreshLoginFlow = false }).contains(
                "oauth-refresh-login-flow"))
        #expect(
            Self.failures(try Self.sample { $0.expressway.authorizeByOAuthTokenWithRefresh = false }).contains(
                "expressway-oauth-refresh"))
        #expect(
            Self.failures(try Self.sample { $0.expressway.allowActivationCodeOnboarding = false }).contains(
                "expressway-activation-onboarding"))
        #expect(
            Self.failures(try Self.sample { $0.enterprise.deviceActivationServiceRunning = false }).contains(
                "device-activation-service"))
        #expect(
            Self.failures(try Self.sample { $0.enterprise.showPhonesReadyToActivate = false }).contains(
                "self-care-ready-to-activate"))
    }

    @Test func domainStructureIsChecked() throws {
        #expect(Self.failures(try Self.sample { $0.activationDomain = "Nowhere" }).contains("activation-domain"))
        #expect(
            Self.failures(try Self.sample { $0.serviceDomains[2].isDefault = true }).contains("default-service-domain"))
        #expect(
            Self.failures(
                try Self.sample { for i in $0.serviceDomains.indices { $0.serviceDomains[i].isDefault = false } }
            )
            .contains("default-service-domain"))
        let dangling = Prerequisites.evaluate(
            try Self.sample { $0.devicePools[0].serviceDomain = "MARS-MRA" }, now: Date()
        )
        .first { $0.id == "device-pool-domains" }
        #expect(dangling?.passed == false)
        #expect(dangling?.detail.contains("pool DP-Dallas names MRA service domain \"MARS-MRA\"") == true)
    }

    @Test func configuredSRVRecordsNeedATargetOnPort8443() throws {
        let missing = try Self.sample { $0.serviceDomains[1].srvTarget = nil }
        #expect(Self.failures(missing).contains("srv:\(missing.serviceDomains[1].domain)"))
        let wrongPort = try Self.sample { $0.serviceDomains[2].srvPort = 443 }
        let result = Prerequisites.evaluate(wrongPort, now: Date()).first {
            $0.id == "srv:\(wrongPort.serviceDomains[2].domain)"
        }
        #expect(result?.passed == false)
        #expect(result?.fix?.contains("8443") == true)
    }

    @Test func resolvedSRVRecordsMustExistAndMatch() throws {
        let cluster = try Self.sample()
        var table: [String: [SRVRecord]] = [:]
        for domain in cluster.serviceDomains {
            table["_collab-edge._tls." + domain.domain] = [
                SRVRecord(priority: 10, weight: 10, port: 8443, target: domain.srvTarget! + ".")
            ]
        }
        #expect(!Self.failures(cluster, resolver: TableResolver(records: table)).contains { $0.hasPrefix("srv:") })
        var missing = table
        missing["_collab-edge._tls.eu.mra.acme.example"] = nil
        #expect(
            Self.failures(cluster, resolver: TableResolver(records: missing)).filter { $0.hasPrefix("srv:") } == [
                "srv:eu.mra.acme.example"
            ])
        var elsewhere = table
        elsewhere["_collab-edge._tls.us.mra.acme.example"] = [
            SRVRecord(priority: 1, weight: 1, port: 8443, target: "other.example")
        ]
        #expect(
            Self.failures(cluster, resolver: TableResolver(records: elsewhere)).filter { $0.hasPrefix("srv:") } == [
                "srv:us.mra.acme.example"
            ])
        var port = table
        port["_collab-edge._tls.apac.mra.acme.example"] = [
            SRVRecord(priority: 1, weight: 1, port: 443, target: "expe-apac.acme.example")
        ]
        #expect(
            Self.failures(cluster, resolver: TableResolver(records: port)).filter { $0.hasPrefix("srv:") } == [
                "srv:apac.mra.acme.example"
            ])
        #expect(
            Self.failures(cluster, resolver: TableResolver(records: table, failing: true)).filter {
                $0.hasPrefix("srv:")
            }.count == 4)
    }

    @Test func phoneEdgeTrustCertificatesMustParseBeCAsAndBeValid() throws {
        let pki = try TestPKI("check-edge")
        let ca = try pki.makeCA("ACME Issuing CA")
        let leaf = try pki.issue("/O=ACME/CN=expe-us.acme.example", by: ca, file: "leaf").certificate
        let expired = try pki.issue("/O=ACME/CN=ACME Old CA", by: ca, days: -1, isCA: true, file: "old").certificate
        let garbage = try TestFiles.temporaryFile(
            "edge.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        func edge(_ files: [String]) throws -> PrerequisiteResult {
            try #require(
                Prerequisites.evaluate(try Self.sample { $0.trust.phoneEdgeTrustFiles = files }, now: Date())
                    .first { $0.id == "phone-edge-trust" })
        }
        #expect(try edge([ca.certificate]).passed)
        #expect(try edge([]).passed, "optional")
        let notCA = try edge([leaf])
        #expect(!notCA.passed && notCA.detail.contains("is not a CA certificate"))
        let old = try edge([expired])
        #expect(!old.passed && old.detail.contains("is not valid now"))
        let broken = try edge([garbage])
        #expect(!broken.passed && broken.detail.contains("holds no PEM certificate"))
        let absent = try edge(["/nonexistent/edge.pem"])
        #expect(!absent.passed && absent.detail.contains("cannot read certificate file /nonexistent/edge.pem"))
        // A MIC CA must be a CA too.
        #expect(Self.failures(try Self.sample { $0.trust.micCAFiles = [leaf] }).contains("mic-trust-cas"))
    }

    /// A DNS response to `_collab-edge._tls.us.example SRV IN` carrying `answers` (each a whole
    /// resource record after the owner name, which points back at the question).
    static func srvResponse(_ answers: [[UInt8]], rcode: UInt8 = 0) -> [UInt8] {
        var message: [UInt8] = [0x12, 0x34, 0x81, 0x80 | rcode, 0, 1, 0, UInt8(answers.count), 0, 0, 0, 0]
        for label in ["_collab-edge", "_tls", "us", "example"] {
            message.append(UInt8(label.utf8.count))
            message += Array(label.utf8)
        }
        message += [0, 0, 33, 0, 1]
        for answer in answers { message += [0xC0, 12] + answer }
        return message
    }

    /// One resource record body: type, class IN, TTL 3600, then `data` with its length.
    static func record(type: UInt8, _ data: [UInt8]) -> [UInt8] {
        [0, type, 0, 1, 0, 0, 0x0E, 0x10, 0, UInt8(data.count)] + data
    }

    static func srv(priority: UInt8, port: UInt16, target: [UInt8]) -> [UInt8] {
        record(type: 33, [0, priority, 0, 5, UInt8(port >> 8), UInt8(port & 0xFF)] + target)
    }

    @Test func srvAnswerWithCompressedNamesParses() throws {
        // Offset 30 is "example" inside the question's name (12 + 13 "_collab-edge" + 5 "_tls").
        let message = Self.srvResponse([
            Self.srv(priority: 10, port: 8443, target: [4] + Array("expe".utf8) + [0xC0, 30]),  // expe.us.example
            Self.srv(priority: 20, port: 8443, target: [5] + Array("expe2".utf8) + [7] + Array("example".utf8) + [0]),
        ])
        let records = try SRVRecord.parse(answer: message)
        #expect(
            records == [
                SRVRecord(priority: 10, weight: 5, port: 8443, target: "expe.us.example"),
                SRVRecord(priority: 20, weight: 5, port: 8443, target: "expe2.example"),
            ])
        #expect(throws: MRABatError.self) { try SRVRecord.parse(answer: Array(message.prefix(40))) }
        #expect(throws: MRABatError.self) { try SRVRecord.parse(answer: Array(message.dropLast())) }
        #expect(throws: MRABatError.self) { try SRVRecord.parse(answer: []) }
        // A pointer loop is malformed, not an endless loop.
        var loop = message
        loop[12] = 0xC0
        loop[13] = 12
        #expect(throws: MRABatError.self) { try SRVRecord.parse(answer: loop) }
    }

    @Test func srvAnswerSkipsOtherRecordTypesAndReadsTheRootTarget() throws {
        let cname = Self.record(type: 5, [4] + Array("edge".utf8) + [0xC0, 30])
        let records = try SRVRecord.parse(
            answer: Self.srvResponse([cname, Self.srv(priority: 1, port: 5061, target: [0])]))
        // A target of "." means the service is not offered there (RFC 2782).
        #expect(records == [SRVRecord(priority: 1, weight: 5, port: 5061, target: "")])
        #expect(try SRVRecord.parse(answer: Self.srvResponse([])) == [])
    }

    @Test func srvRecordsWithBadDataAreMalformed() {
        let cases: [(String, [UInt8])] = [
            ("too short for priority, weight and port", Self.record(type: 33, [0, 1, 0, 5, 0x20])),
            ("data longer than the target", Self.record(type: 33, [0, 1, 0, 5, 0x20, 0xFB, 0, 7])),
            ("target runs past the data", Self.record(type: 33, [0, 1, 0, 5, 0x20, 0xFB, 4] + Array("ex".utf8))),
            ("length past the message", [0, 33, 0, 1, 0, 0, 0x0E, 0x10, 0, 40, 0, 1]),
        ]
        for (name, answer) in cases {
            let error = #expect(throws: MRABatError.self, "\(name)") {
                try SRVRecord.parse(answer: Self.srvResponse([answer]))
            }
            #expect(error?.message.contains("malformed DNS answer") == true, "\(name)")
        }
    }

    @Test func noSuchNameAndNoDataAreNoRecordButOtherResolverFailuresAreErrors() throws {
        // h_errno after a failed res_query: NXDOMAIN and an empty answer are answers.
        try SystemSRVResolver.checkFailure("_collab-edge._tls.gone.example", hostError: HOST_NOT_FOUND)
        try SystemSRVResolver.checkFailure("_collab-edge._tls.gone.example", hostError: NO_DATA)
        for (hostError, cause) in [(TRY_AGAIN, "timeout"), (NO_RECOVERY, "refused or failed"), (-1, "resolver error")] {
            let error = #expect(throws: MRABatError.self) {
                try SystemSRVResolver.checkFailure("_collab-edge._tls.us.example", hostError: hostError)
            }
            #expect(error?.message == "the DNS lookup of _collab-edge._tls.us.example failed")
            #expect(error?.cause?.contains(cause) == true, "\(hostError): \(String(describing: error?.cause))")
        }
    }

    @Test func systemResolverFindsNoRecordForAReservedName() throws {
        // `.invalid` never resolves (RFC 6761), with or without a network.
        // Without any DNS server the lookup fails instead; either way no record comes back.
        let records = (try? SystemSRVResolver().lookup("_collab-edge._tls.mrabat-test.invalid")) ?? []
        #expect(records.isEmpty)
    }
}
